"""Repeated request bodies are decoded, validated and parsed once: the per-body cache.

Load tests and CI suites send the same few bodies over and over. Decoding, normalizing,
schema validation and parsing into a Turn are pure functions of the dialect, the path and the
body bytes, so their results are kept per (dialect, path, body), for bodies up to
CacheLimits.body_max_bytes, in one BoundedTable (config.CacheLimits). Everything that is not a function
of those (content type, auth, headers, scenarios, cursors, ids, timestamps) is checked or made
on every request as before. A parse that reads headers or the query string (Anthropic's
required `anthropic-version`) is noticed and its turn never kept (the entry still carries the
last whole answer, whose key holds every header).

The body's entry (Parsed) also carries what the other speed layers keep for that body: the
decision (decided.py), the rendered templates (rendered.py) and the last whole answer
(answered.py). With the fast path off the cache is its pass-through twin, which keeps nothing,
so every layer above it runs the plain way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..catalog import Catalog
from ..config import CACHE_LIMITS, CacheLimits
from ..dialects.base import Dialect
from ..model import Turn
from .answered import Answered
from .bounded import BoundedTable
from .decided import Decided
from .rendered import Renders


@dataclass(eq=False)
class Parsed:
    decoded: Any  # the JSON as sent (what the journal shows)
    body: Any  # after dialect.normalize
    kept: bool = True  # False: made for this request only (the pass-through, a large body, no body)
    valid: bool = False  # passed the request schema
    turns_accepted: Catalog | None = None  # the catalog under which it passed the cross-turn checks
    turn: Turn | None = None  # dialect.parse's answer, when it read nothing but the body
    catalog: Catalog | None = None  # the model catalog `turn` was parsed under
    decided: Decided | None = None  # how this body was last answered (decided.py)
    renders: Renders = field(default_factory=Renders)  # rendered.py's templates for that turn
    answered: Answered | None = None  # the last answer to this body, to write again (answered.py)

    def forget_turn(self) -> None:
        """Drop the turn and what was derived from it (another catalog parses it otherwise)."""
        self.turn = self.catalog = self.decided = self.answered = None
        self.renders = Renders()


class BodyCache(Protocol):
    """Per-body results: `get` the entry kept for these bytes, or `put` a fresh one (kept or not)."""

    def get(self, dialect: Dialect, path: str, raw: bytes) -> Parsed | None: ...

    def put(self, dialect: Dialect, path: str, raw: bytes, decoded: Any, body: Any) -> Parsed: ...

    def clear(self) -> None: ...


class RequestMemo:
    """The caching BodyCache."""

    def __init__(self, limits: CacheLimits = CACHE_LIMITS):
        self.max_body_bytes = limits.body_max_bytes
        self._table: BoundedTable[tuple[type[Dialect], str, bytes], Parsed] = BoundedTable(limits.bodies)

    def get(self, dialect: Dialect, path: str, raw: bytes) -> Parsed | None:
        return self._table.get((type(dialect), path, raw))

    def put(self, dialect: Dialect, path: str, raw: bytes, decoded: Any, body: Any) -> Parsed:
        if len(raw) > self.max_body_bytes:
            return Parsed(decoded, body, kept=False)
        return self._table.put((type(dialect), path, raw), Parsed(decoded, body))

    def clear(self) -> None:
        self._table.clear()


class PassThrough:
    """The BodyCache that keeps nothing (the fast path off): every request is parsed afresh."""

    def get(self, dialect: Dialect, path: str, raw: bytes) -> Parsed | None:
        return None

    def put(self, dialect: Dialect, path: str, raw: bytes, decoded: Any, body: Any) -> Parsed:
        return Parsed(decoded, body, kept=False)

    def clear(self) -> None:
        pass


def body_cache(fast_path: bool) -> BodyCache:
    return RequestMemo() if fast_path else PassThrough()


class Watched(Mapping[str, str]):
    """A read-only view that remembers whether anyone looked inside."""

    def __init__(self, inner: Mapping[str, str]):
        self._inner = inner
        self.touched = False

    def __getitem__(self, key: str) -> str:
        self.touched = True
        return self._inner[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.touched = True
        return self._inner.get(key, default)

    def __contains__(self, key: object) -> bool:
        self.touched = True
        return key in self._inner

    def __iter__(self) -> Iterator[str]:
        self.touched = True
        return iter(self._inner)

    def __len__(self) -> int:
        self.touched = True
        return len(self._inner)
