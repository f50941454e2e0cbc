"""The speed layer's one eviction policy: a bounded table, least recently used out first."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `max_entries` entries (config.CacheLimits names every cache's size); a hit makes
    its entry the newest, a put beyond the bound drops the least recently used one."""

    __slots__ = ("_table", "max_entries")

    def __init__(self, max_entries: int):
        if max_entries < 1:
            raise ValueError("an LRU holds at least one entry")
        self.max_entries = max_entries
        self._table: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._table.get(key)
        if value is not None:
            self._table.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        table = self._table
        table[key] = value
        table.move_to_end(key)
        if len(table) > self.max_entries:
            table.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def clear(self) -> None:
        self._table.clear()
