"""Mutable server state behind one small interface: cursors, journal, run-time documents, settings.

The memory store is the default. Another store (Redis) implements the same methods so that
several processes share one state; nothing else in mocksrv knows which store is in use.
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

from . import config
from .errors import ConfigError
from .journal import Journaled
from .outage import Outage, StoreUnavailable

__all__ = ["Outage", "StoreUnavailable"]  # where callers have always found them
T = TypeVar("T")


class StateStore(Protocol):
    async def advance(self, cursor: str) -> int:
        """Return the cursor's current position and move it one step (atomic)."""

    async def give_back(self, cursor: str, position: int) -> None:
        """Undo the advance() that returned `position`, unless the cursor moved on since (atomic)."""

    async def journal_add(self, entry: Journaled) -> int:
        """Append an entry; assigns (and returns) its id, increasing across every process."""

    async def journal_entries(self) -> list[dict[str, Any]]:
        """The entries as readers see them (Journaled.view()), oldest first."""

    async def journal_size(self) -> int:
        """How many entries the journal holds (without building their views)."""

    async def journal_clear(self) -> None: ...

    async def put_document(self, kind: str, key: str, document: dict[str, Any]) -> None: ...

    async def delete_document(self, kind: str, key: str) -> bool: ...

    async def documents(self, kind: str) -> tuple[int, list[dict[str, Any]]]:
        """(version, documents in insertion order); the version changes on every write."""

    async def get_setting(self, name: str) -> str | None: ...

    async def set_setting(self, name: str, value: str | None) -> None: ...

    async def reset(self) -> None:
        """Clear journal, cursors, run-time documents and settings."""

    async def cursors_clear(self) -> None:
        """Every session's `replies` and scenario-step cursors start again (the pytest handle)."""

    async def record_put(self, kind: str, key: str, value: dict[str, Any], expires_at: float | None) -> None:
        """Keep a JSON record (a stored response, a cache entry...) until `expires_at` on the
        mocksrv clock (clock.py); at most config.MAX_RECORDS per kind, the oldest written goes first."""

    async def record_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        """The record, or None when absent or expired at `now` (mocksrv clock time)."""

    async def record_delete(self, kind: str, key: str) -> bool: ...

    async def tally_add(self, kind: str, key: str, amounts: dict[str, float]) -> dict[str, float]:
        """Add to a record of named totals atomically (usage, rate buckets); returns the totals.
        At most config.MAX_RECORDS keys per kind, the least recently added to goes first."""

    async def tallies(self, kind: str) -> dict[str, dict[str, float]]:
        """Every key's totals of one kind."""

    async def heartbeat(self, worker: str, info: dict[str, Any]) -> None:
        """Record that a worker process is alive (survives reset: it is not user state)."""

    async def workers(self, max_age_s: float) -> list[dict[str, Any]]:
        """Workers whose last heartbeat is at most max_age_s old."""

    async def close(self) -> None: ...

    # True when no method ever waits (this process holds the state): a caller needs no task to
    # shield a write from its own cancellation.
    @property
    def immediate(self) -> bool: ...
    # A number that changes whenever documents or settings change, for a store that can tell
    # without a round trip (this process holds the state); None where another process may
    # change them (the handler then decides every request afresh).
    @property
    def epoch(self) -> int | None: ...

    def files_changed(self) -> None:
        """The fixture files were loaded again (reload.py): answers remembered for the epoch
        no longer hold, so move it on (a store without an epoch remembers nothing)."""


def settled(call: Coroutine[Any, Any, T]) -> T:
    """The result of a call on a store that never waits (StateStore.immediate), taken at once:
    for a caller that is not a coroutine (fast/replayed.py answers from a protocol callback)."""
    try:
        call.send(None)
    except StopIteration as done:
        return done.value
    call.close()
    raise RuntimeError("a store that never waits waited")


class MemoryStore:
    immediate = True  # see StateStore.immediate
    epoch = 0  # see StateStore.epoch

    def files_changed(self) -> None:
        self.epoch += 1

    def __init__(self, journal_limit: int = 1000):
        self._cursors: OrderedDict[str, int] = OrderedDict()
        self._journal: deque[Journaled] = deque(maxlen=journal_limit)
        self._documents: dict[str, dict[str, dict[str, Any]]] = {}
        self._versions: dict[str, int] = {}
        self._settings: dict[str, str] = {}
        self._ids = itertools.count(1)  # not reset: ids stay unique for a journal reader
        self._workers: dict[str, dict[str, Any]] = {}
        self._records: dict[str, OrderedDict[str, tuple[float | None, dict[str, Any]]]] = {}
        self._tallies: dict[str, OrderedDict[str, dict[str, float]]] = {}

    async def advance(self, cursor: str) -> int:
        position = self._cursors.get(cursor, 0)
        self._cursors[cursor] = position + 1
        self._cursors.move_to_end(cursor)  # least recently used first
        if len(self._cursors) > config.MAX_CURSORS:  # sessions come and go (a key per test): bounded
            self._cursors.popitem(last=False)
        return position

    async def give_back(self, cursor: str, position: int) -> None:
        if self._cursors.get(cursor) == position + 1:
            self._cursors[cursor] = position

    async def journal_add(self, entry: Journaled) -> int:
        entry.id = next(self._ids)
        self._journal.append(entry)
        return entry.id

    async def journal_entries(self) -> list[dict[str, Any]]:
        return [e.view() for e in self._journal]

    async def journal_size(self) -> int:
        return len(self._journal)

    async def journal_clear(self) -> None:
        self._journal.clear()

    async def put_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        bucket = self._documents.setdefault(kind, {})
        bucket.pop(key, None)  # a replaced entry moves to the end, like a new one
        bucket[key] = document
        self._versions[kind] = self._versions.get(kind, 0) + 1
        self.epoch += 1

    async def delete_document(self, kind: str, key: str) -> bool:
        removed = self._documents.get(kind, {}).pop(key, None) is not None
        if removed:
            self._versions[kind] = self._versions.get(kind, 0) + 1
            self.epoch += 1
        return removed

    async def documents(self, kind: str) -> tuple[int, list[dict[str, Any]]]:
        return self._versions.get(kind, 0), list(self._documents.get(kind, {}).values())

    async def get_setting(self, name: str) -> str | None:
        return self._settings.get(name)

    async def set_setting(self, name: str, value: str | None) -> None:
        self.epoch += 1
        if value is None:
            self._settings.pop(name, None)
        else:
            self._settings[name] = value

    async def cursors_clear(self) -> None:
        self._cursors.clear()

    async def reset(self) -> None:
        self._cursors.clear()
        self._journal.clear()
        for kind in self._documents:
            self._versions[kind] = self._versions.get(kind, 0) + 1
        self._documents.clear()
        self._settings.clear()
        self._records.clear()
        self._tallies.clear()
        self.epoch += 1

    async def record_put(self, kind: str, key: str, value: dict[str, Any], expires_at: float | None) -> None:
        records = self._records.setdefault(kind, OrderedDict())
        records.pop(key, None)
        records[key] = (expires_at, value)
        if len(records) > config.MAX_RECORDS:
            records.popitem(last=False)

    async def record_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        found = self._records[kind].get(key) if kind in self._records else None
        if found is None:
            return None
        expires_at, value = found
        if expires_at is not None and expires_at <= now:
            del self._records[kind][key]
            return None
        return value

    async def record_delete(self, kind: str, key: str) -> bool:
        return kind in self._records and self._records[kind].pop(key, None) is not None

    async def tally_add(self, kind: str, key: str, amounts: dict[str, float]) -> dict[str, float]:
        tallies = self._tallies.get(kind)
        if tallies is None:
            tallies = self._tallies[kind] = OrderedDict()
        totals = tallies.get(key)
        if totals is None:
            totals = tallies[key] = {}
            if len(tallies) > config.MAX_RECORDS:
                tallies.popitem(last=False)
        else:
            tallies.move_to_end(key)  # the least recently added to goes first
        for name, amount in amounts.items():
            totals[name] = totals.get(name, 0) + amount
        return dict(totals)

    async def tallies(self, kind: str) -> dict[str, dict[str, float]]:
        return {key: dict(totals) for key, totals in self._tallies.get(kind, {}).items()}

    async def heartbeat(self, worker: str, info: dict[str, Any]) -> None:
        self._workers[worker] = {**info, "seen": time.time()}

    async def workers(self, max_age_s: float) -> list[dict[str, Any]]:
        oldest = time.time() - max_age_s
        return [w for w in self._workers.values() if w["seen"] >= oldest]

    async def close(self) -> None:
        return None


def open_state(url: str | None, journal_limit: int = 1000) -> StateStore:
    """The store named by --state: memory when None, redis://host:port/db[?prefix=P] for Redis."""
    if not url:
        return MemoryStore(journal_limit)
    if url.startswith(("redis://", "rediss://")):
        from .state_redis import RedisStore  # imported only when used

        return RedisStore.from_url(url, journal_limit)
    raise ConfigError([f"--state: unsupported state URL {url!r}; use redis://host:port/db (or omit it)"])
