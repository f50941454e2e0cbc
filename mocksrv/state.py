"""Mutable server state behind one small interface: cursors, journal, run-time documents, settings.

The memory store is the default. Another store (Redis) implements the same methods so that
several processes share one state; nothing else in mocksrv knows which store is in use.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol


class StateStore(Protocol):
    async def advance(self, cursor: str) -> int:
        """Return the cursor's current position and move it one step (atomic)."""

    async def journal_add(self, entry: dict[str, Any]) -> None: ...

    async def journal_entries(self) -> list[dict[str, Any]]: ...

    async def journal_clear(self) -> None: ...

    async def put_document(self, kind: str, key: str, document: dict[str, Any]) -> None: ...

    async def delete_document(self, kind: str, key: str) -> bool: ...

    async def documents(self, kind: str) -> tuple[int, list[dict[str, Any]]]:
        """(version, documents in insertion order); the version changes on every write."""

    async def get_setting(self, name: str) -> str | None: ...

    async def set_setting(self, name: str, value: str | None) -> None: ...

    async def reset(self) -> None:
        """Clear journal, cursors, run-time documents and settings."""

    async def close(self) -> None: ...


class MemoryStore:
    def __init__(self, journal_limit: int = 1000):
        self._cursors: dict[str, int] = {}
        self._journal: deque[dict[str, Any]] = deque(maxlen=journal_limit)
        self._documents: dict[str, dict[str, dict[str, Any]]] = {}
        self._versions: dict[str, int] = {}
        self._settings: dict[str, str] = {}

    async def advance(self, cursor: str) -> int:
        position = self._cursors.get(cursor, 0)
        self._cursors[cursor] = position + 1
        return position

    async def journal_add(self, entry: dict[str, Any]) -> None:
        self._journal.append(entry)

    async def journal_entries(self) -> list[dict[str, Any]]:
        return list(self._journal)

    async def journal_clear(self) -> None:
        self._journal.clear()

    async def put_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        bucket = self._documents.setdefault(kind, {})
        bucket.pop(key, None)  # a replaced entry moves to the end, like a new one
        bucket[key] = document
        self._versions[kind] = self._versions.get(kind, 0) + 1

    async def delete_document(self, kind: str, key: str) -> bool:
        removed = self._documents.get(kind, {}).pop(key, None) is not None
        if removed:
            self._versions[kind] = self._versions.get(kind, 0) + 1
        return removed

    async def documents(self, kind: str) -> tuple[int, list[dict[str, Any]]]:
        return self._versions.get(kind, 0), list(self._documents.get(kind, {}).values())

    async def get_setting(self, name: str) -> str | None:
        return self._settings.get(name)

    async def set_setting(self, name: str, value: str | None) -> None:
        if value is None:
            self._settings.pop(name, None)
        else:
            self._settings[name] = value

    async def reset(self) -> None:
        self._cursors.clear()
        self._journal.clear()
        for kind in self._documents:
            self._versions[kind] = self._versions.get(kind, 0) + 1
        self._documents.clear()
        self._settings.clear()

    async def close(self) -> None:
        return None
