"""The speed layer's one eviction policy: a bounded table, oldest entry out first.

Every cache in mocksrv/fast/ (and the fixture store's two) is a BoundedTable whose size is a
field of config.CacheLimits. Entries leave in the order they came in: the tables are sized
well above a load test's working set, and a lookup that reorders would cost a call on every
request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedTable(Generic[K, V]):
    """At most `max_entries` entries; a put beyond the bound drops the oldest one."""

    __slots__ = ("_table", "get", "max_entries")

    def __init__(self, max_entries: int):
        if max_entries < 1:
            raise ValueError("a bounded table holds at least one entry")
        self.max_entries = max_entries
        self._table: dict[K, V] = {}
        self.get: Callable[[K], V | None] = self._table.get  # the dict's own: no extra call per lookup

    def put(self, key: K, value: V) -> V:
        table = self._table
        if key not in table and len(table) >= self.max_entries:
            del table[next(iter(table))]
        table[key] = value
        return value

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def clear(self) -> None:
        self._table.clear()
