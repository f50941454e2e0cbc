"""Cross-turn checks: the one intake stage that asks the dialect whether the provider would
refuse this conversation for what it says about earlier turns (docs/cross-turn.md).

On by default; off for the whole server (`--lenient`) or one request (`X-Mock-Lenient: 1`).
A refusal names its rule in the journal entry's `violations`. The verdict is a function of the
body (and the server's fixed signer and model data), so an accepted body's verdict is kept with
its memo entry and not worked out again.
"""

from __future__ import annotations

from .catalog import Catalog
from .config import ServerConfig
from .dialects.base import Dialect, Incoming, TurnContext
from .fast.memo import Parsed
from .journal import Trace

LENIENT_HEADER = "X-Mock-Lenient"
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def lenient(incoming: Incoming, config: ServerConfig) -> bool:
    return config.lenient or incoming.headers.get(LENIENT_HEADER, "").strip().lower() in TRUE_VALUES


def context_for(dialect: Dialect, catalog: Catalog) -> TurnContext:
    return TurnContext(
        thinking=lambda model: catalog.find(model, dialect.family).thinking,
        requires_thought_signatures=lambda model: catalog.find(model, dialect.family).thought_signatures,
    )


def check_turns(
    dialect: Dialect,
    incoming: Incoming,
    config: ServerConfig,
    catalog: Catalog,
    trace: Trace,
    parsed: Parsed | None = None,
) -> None:
    """Raise the provider's 400 for a conversation it refuses (unless lenient)."""
    if not isinstance(incoming.body, dict) or lenient(incoming, config):
        return
    if parsed is not None and parsed.turns_accepted is catalog:  # (a model added since may refuse it)
        return
    error = dialect.check_turns(incoming, context_for(dialect, catalog))
    if error is None:
        if parsed is not None:
            parsed.turns_accepted = catalog
        return
    trace.violations.append(f"{error.detail}: {error.text}")
    raise error
