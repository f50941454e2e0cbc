"""What a repeated body was answered with, kept to answer it again the same way.

A load test sends one body thousands of times. When nothing but the body, the caller and the
state decided its answer (no scenario; a fixture with a single reply, or a generated reply),
the next identical request from the same caller gets the same fixture choice and the same
shaped replies without the scenario and fixture lookups. DecisionKey names every input the
decision depends on besides the body itself (the body's memo entry holds the decision): a new
request input must be added there, or a kept decision would answer for it. The state's epoch
(state.py) moves on any change to run-time fixtures, scenarios, bindings, or a reset. A store
shared with other processes has no epoch; then nothing is kept.
"""

from __future__ import annotations

import dataclasses

from ..faults import Plan
from ..model import Reply, Usage
from ..scenarios import NO_PLAN
from ..store import Choice

Shaped = tuple[tuple[Reply, ...], Usage]  # the choices as the turn sees them, and their usage


@dataclasses.dataclass(frozen=True, slots=True)
class DecisionKey:
    """Every input of the decision but the body: a kept decision holds only for an equal key."""

    epoch: int | None  # the state's version; None: shared state, never kept
    credential: str
    session: str
    scenario_header: str | None  # a request naming a scenario is never answered from a kept decision


@dataclasses.dataclass(frozen=True, slots=True)
class Decided:
    key: DecisionKey
    choice: Choice | None
    shaped: Shaped


def recalled(kept: Decided | None, key: DecisionKey) -> Decided | None:
    """The decision kept for this body, if it holds for this key."""
    if kept is None or key.scenario_header is not None or kept.key != key:
        return None
    return kept


def worth_keeping(key: DecisionKey, plan: Plan, choice: Choice | None) -> bool:
    """Whether nothing but the body, the caller and the state made this decision."""
    return key.epoch is not None and key.scenario_header is None and plan is NO_PLAN and not _steps_on(choice)


def _steps_on(choice: Choice | None) -> bool:
    """Whether answering with this choice moves a cursor or replays a recording."""
    return choice is not None and (choice.fixture.sequenced or choice.fixture.raw is not None)
