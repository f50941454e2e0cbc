"""Repeated request bodies are decoded, validated and parsed once.

Load tests and CI suites send the same few bodies over and over. Decoding, normalizing,
schema validation and parsing into a Turn are pure functions of the dialect, the path and the
body bytes, so their results are kept per (dialect, path, body), for bodies up to
MAX_BODY_BYTES, in a bounded table (oldest out first). Everything that is not a function of
those (content type, auth, headers, scenarios, cursors, ids, timestamps) is checked or made
on every request as before. A parse that reads headers or the query string (Anthropic's
required `anthropic-version`) is noticed and never kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .dialects.base import Dialect
from .model import Turn

MAX_BODY_BYTES = 16 * 1024
MAX_ENTRIES = 1024  # at most ~16 MiB of bodies, plus their parsed forms


@dataclass(eq=False)
class Parsed:
    decoded: Any  # the JSON as sent (what the journal shows)
    body: Any  # after dialect.normalize
    valid: bool = False  # passed the request schema
    turn: Turn | None = None  # dialect.parse's answer, when it read nothing but the body
    renders: dict[Any, Any] = field(default_factory=dict)  # rendered.py's templates for that turn


class RequestMemo:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_body_bytes: int = MAX_BODY_BYTES):
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self._table: dict[tuple[Dialect, str, bytes], Parsed] = {}

    def get(self, dialect: Dialect, path: str, raw: bytes) -> Parsed | None:
        return self._table.get((dialect, path, raw))

    def put(self, dialect: Dialect, path: str, raw: bytes, decoded: Any, body: Any) -> Parsed | None:
        """The entry kept for these bytes; None for a body over max_body_bytes, which is not kept.
        (Handing out an unkept entry would make its Turn look repeated: the fixture store would
        then remember it, body and all, in its own table of matches.)"""
        if len(raw) > self.max_body_bytes:
            return None
        parsed = Parsed(decoded, body)
        if len(self._table) >= self.max_entries:
            del self._table[next(iter(self._table))]
        self._table[(dialect, path, raw)] = parsed
        return parsed

    def clear(self) -> None:
        self._table.clear()


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
