"""The ledger: what each answer used and cost, totalled per session, API key and model.

Every generated answer's usage and cost (catalog prices) go on its journal entry and into a
state-store tally (so workers and replicas add to one total); `GET /_mock/usage` reads the
tallies back. Credentials never reach a tally: a session that is an API key, and the key
itself, are kept as their keyed hashes (journal.session_key), as the journal does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from .catalog import ModelInfo
from .catalog import Usage as Bill
from .journal import Trace, session_key, session_secret
from .model import Usage
from .state import StateStore

if TYPE_CHECKING:
    from .services import Services

KIND = "usage"
AMOUNTS = (
    "requests",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "cost_usd",
)


def usage_view(usage: Usage) -> dict[str, int]:
    """A usage as the journal and the totals show it (provider-neutral names)."""
    return {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_write_tokens": usage.cache_write + usage.cache_write_1h,
    }


def cost_of(info: ModelInfo, usage: Usage) -> float:
    bill = Bill(
        input=usage.uncached_prompt_tokens,
        cached_input=usage.cached_tokens,
        cache_write=usage.cache_write,
        cache_write_1h=usage.cache_write_1h,
        output=usage.completion_tokens,
    )
    return round(info.cost(bill), 10)


@dataclass(frozen=True, slots=True)
class Line:
    """One answer's entry in the ledger: what goes on its journal entry and into its tally."""

    model: str
    usage: dict[str, int]  # usage_view's names
    cost: float
    tally: str  # the tally's key: (session as shown, the key's hash, model) as JSON
    amounts: dict[str, float]  # what the answer adds to it


def line_of(secret: bytes, session: str, named: bool, credential: str, info: ModelInfo, usage: Usage) -> Line:
    """The ledger line of one answer. `named`: the client named the session."""
    view, cost = usage_view(usage), cost_of(info, usage)
    shown = session if named else session_key(secret, session)
    tally = orjson.dumps([shown, session_key(secret, credential), info.id]).decode()
    return Line(info.id, view, cost, tally, {"requests": 1, **view, "cost_usd": cost})


async def post(state: StateStore, trace: Trace, line: Line) -> None:
    """Put the line on the answer's journal entry and add it to its tally."""
    trace.model, trace.usage, trace.cost = line.model, line.usage, line.cost
    await state.tally_add(KIND, line.tally, line.amounts)


async def totals(state: StateStore, secret: bytes, filters: Mapping[str, str]) -> dict[str, Any]:
    """Totals and rows matching ?session= (a name or a full API key), ?key= and ?model=."""
    wanted_session = filters.get("session")
    sessions = None if wanted_session is None else {wanted_session, session_key(secret, wanted_session)}
    wanted_key = session_key(secret, filters["key"]) if "key" in filters else None
    rows = []
    for raw, amounts in (await state.tallies(KIND)).items():
        session, key, model = orjson.loads(raw)
        if sessions is not None and session not in sessions:
            continue
        if (wanted_key is not None and key != wanted_key) or filters.get("model", model) != model:
            continue
        rows.append({"session": session, "key": key, "model": model, **_amounts(amounts)})
    total = {name: sum(row[name] for row in rows) for name in AMOUNTS}
    total["cost_usd"] = round(total["cost_usd"], 10)
    return {"totals": total, "rows": rows}


def _amounts(amounts: Mapping[str, float]) -> dict[str, float]:
    found = {name: amounts.get(name, 0) for name in AMOUNTS}
    for name in AMOUNTS:
        if name != "cost_usd":
            found[name] = int(found[name])
    found["cost_usd"] = round(found["cost_usd"], 10)
    return found


def line_for(
    services: Services,
    trace: Trace,
    info: ModelInfo,
    usage: Usage,
    credential: str,
    named_session: str | None,
) -> Line:
    """The ledger line of one answer on this request (its session and API key)."""
    session = trace.session or credential
    named = named_session is not None and named_session == session
    return line_of(session_secret(services.config.admin_token), session, named, credential, info, usage)
