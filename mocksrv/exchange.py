"""One generation request on its way through the pipeline (handler.py), and the request
headers every step may read."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from .catalog import ModelInfo
from .dialects.base import Dialect
from .fast.answered import AnswerKey
from .fast.decided import DecisionKey
from .fast.memo import Parsed
from .fast.rendered import Renders
from .generate import conversation_key
from .journal import SESSION_HEADER, Trace
from .model import Turn
from .scenarios import Selection
from .services import Services
from .store import Choice

SCENARIO_HEADER = "X-Mock-Scenario"
__all__ = ["SCENARIO_HEADER", "SESSION_HEADER", "Exchange"]


@dataclasses.dataclass(slots=True)
class Exchange:
    """One generation request on its way through the pipeline: what every step reads."""

    services: Services
    dialect: Dialect
    request: web.Request
    trace: Trace
    request_id: str
    credential: str = ""
    session: str = ""  # X-Mock-Session, else the credential
    turn: Turn | None = None
    cached: Parsed | None = None  # the body's speed-layer entry, when its turn came from it
    renders: Renders | None = None  # its rendered templates (cached.renders)
    info: ModelInfo | None = None  # the turn's catalog entry (limits.py): prompt caching and cost
    selection: Selection | None = None  # the scenario the request runs under (scenarios.py)
    choice: Choice | None = None  # the fixture and reply chosen (store.py)
    stateful_usage: bool = False  # its usage depends on the prompt cache's state (prompt_cache.py)
    body_entry: Parsed | None = None  # the body's kept entry, whether or not the turn came from it
    answer_key: AnswerKey | None = None  # every input but the body (fast/answered.py), when kept
    repeatable: bool = False  # its decision depends on nothing but the request and the state
    _key: int | None = None

    def conversation_key(self) -> int:
        """The conversation's key, hashed only when something needs it (it costs)."""
        if self._key is None:
            assert self.turn is not None
            self._key = conversation_key(self.turn)
        return self._key

    def decision_key(self) -> DecisionKey:
        return DecisionKey(
            self.services.state.epoch,
            self.credential,
            self.session,
            self.request.headers.get(SCENARIO_HEADER),
        )
