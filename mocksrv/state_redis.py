"""The StateStore in Redis, so that several processes or replicas share one state.

Keys, all under one prefix (default "mocksrv:", `?prefix=` in the URL):
  cursors            hash  cursor -> next position (HINCRBY: atomic per session); cursors:used
                     sorted set  cursor -> its last use, so the least recently used go first
                     (at most config.MAX_CURSORS, as in the memory store)
  journal            list  "<id> <json>", capped at journal_limit; journal:id is the id counter
  doc:<kind>         hash  key -> json;  order:<kind> list of keys (insertion order)
  version:<kind>     counter, bumped on every write of that kind (never reset: see reset())
  kinds              set of kinds ever written;  settings  hash;  workers  hash of heartbeats
  rec:<kind>         hash  key -> json [expires_at, value]; rec:<kind>:order sorted set by write
                     (at most config.MAX_RECORDS);  tally:<kind>:<key> hash of totals, tally:<kind> sorted
                     set of keys by last use;  reckinds set of record and tally kinds

Beside it: the Lua scripts (state_redis_scripts), the value encoding (state_redis_json), and
the URL, timeouts and outage guard (state_redis_connection).
"""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as redis

from . import config
from .journal import Journaled
from .outage import Outage
from .state_redis_connection import DEFAULT_PREFIX, connect, guarded
from .state_redis_json import dumps, loads, text_of
from .state_redis_scripts import ADVANCE, GIVE_BACK, JOURNAL_ADD, RECORD_PUT, TALLY_ADD

STALE_WORKER_S = 600.0  # heartbeats older than this are deleted, not just hidden


class RedisStore:
    immediate = False  # every method is a round trip
    epoch = None  # other processes change the state: every request is decided afresh

    def files_changed(self) -> None:
        return None  # no epoch: nothing is remembered across requests

    def __init__(self, client: redis.Redis, journal_limit: int = 1000, prefix: str = DEFAULT_PREFIX):
        self.redis = client
        self.prefix = prefix
        self.journal_limit = max(1, journal_limit)
        self._journal_add = client.register_script(JOURNAL_ADD)
        self._advance = client.register_script(ADVANCE)
        self._give_back = client.register_script(GIVE_BACK)
        self._record_put = client.register_script(RECORD_PUT)
        self._tally_add = client.register_script(TALLY_ADD)
        self._cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.outage = Outage()

    @classmethod
    def from_url(cls, url: str, journal_limit: int = 1000) -> RedisStore:
        client, prefix = connect(url)
        return cls(client, journal_limit, prefix)

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @guarded
    async def advance(self, cursor: str) -> int:
        keys = [self.key("cursors"), self.key("cursors", "used"), self.key("cursors", "clock")]
        return int(await self._advance(keys=keys, args=[cursor, config.MAX_CURSORS]))

    @guarded
    async def give_back(self, cursor: str, position: int) -> None:
        await self._give_back(keys=[self.key("cursors")], args=[cursor, position])

    @guarded
    async def journal_add(self, entry: Journaled) -> int:
        keys = [self.key("journal"), self.key("journal", "id")]
        entry.id = int(await self._journal_add(keys=keys, args=[dumps(entry.view()), self.journal_limit]))
        return entry.id

    @guarded
    async def journal_entries(self) -> list[dict[str, Any]]:
        entries = []
        for item in await self.redis.lrange(self.key("journal"), 0, -1):
            entry_id, _, text = text_of(item).partition(" ")
            entries.append({**loads(text), "id": int(entry_id)})
        return entries

    @guarded
    async def journal_size(self) -> int:
        return int(await self.redis.llen(self.key("journal")))

    @guarded
    async def journal_clear(self) -> None:
        await self.redis.delete(self.key("journal"))

    @guarded
    async def put_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key("doc", kind), key, dumps(document))
            pipe.lrem(self.key("order", kind), 0, key)  # a replaced entry moves to the end
            pipe.rpush(self.key("order", kind), key)
            pipe.sadd(self.key("kinds"), kind)
            pipe.incr(self.key("version", kind))  # last: readers never cache new content as old
            await pipe.execute()

    @guarded
    async def delete_document(self, kind: str, key: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key("doc", kind), key)
            pipe.lrem(self.key("order", kind), 0, key)
            pipe.incr(self.key("version", kind))
            removed, _, _ = await pipe.execute()
        return bool(removed)

    @guarded
    async def documents(self, kind: str) -> tuple[int, list[dict[str, Any]]]:
        # Hot path: one GET while nothing changed; the snapshot below only after a write.
        version = int(await self.redis.get(self.key("version", kind)) or 0)
        cached = self._cache.get(kind)
        if cached and cached[0] == version:
            return cached
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(self.key("version", kind))
            pipe.lrange(self.key("order", kind), 0, -1)
            pipe.hgetall(self.key("doc", kind))
            raw_version, order, bodies = await pipe.execute()
        snapshot = (int(raw_version or 0), [loads(bodies[k]) for k in order if k in bodies])
        self._cache[kind] = snapshot
        return snapshot

    @guarded
    async def get_setting(self, name: str) -> str | None:
        value = await self.redis.hget(self.key("settings"), name)
        return None if value is None else text_of(value)

    @guarded
    async def set_setting(self, name: str, value: str | None) -> None:
        if value is None:
            await self.redis.hdel(self.key("settings"), name)
        else:
            await self.redis.hset(self.key("settings"), name, value)

    @guarded
    async def record_put(self, kind: str, key: str, value: dict[str, Any], expires_at: float | None) -> None:
        await self.redis.sadd(self.key("reckinds"), kind)
        keys = [self.key("rec", kind), self.key("rec", kind, "order"), self.key("rec", "clock")]
        await self._record_put(keys=keys, args=[key, dumps([expires_at, value]), config.MAX_RECORDS])

    @guarded
    async def record_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        text = await self.redis.hget(self.key("rec", kind), key)
        if text is None:
            return None
        expires_at, value = loads(text)
        if expires_at is not None and expires_at <= now:
            await self.record_delete(kind, key)
            return None
        return value

    @guarded
    async def record_delete(self, kind: str, key: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key("rec", kind), key)
            pipe.zrem(self.key("rec", kind, "order"), key)
            removed, _ = await pipe.execute()
        return bool(removed)

    @guarded
    async def tally_add(self, kind: str, key: str, amounts: dict[str, float]) -> dict[str, float]:
        await self.redis.sadd(self.key("reckinds"), kind)
        keys = [self.key("tally", kind, key), self.key("tally", kind), self.key("rec", "clock")]
        args: list[Any] = [self.key("tally", kind, ""), key, config.MAX_RECORDS]
        for name, amount in amounts.items():
            args += [name, repr(float(amount))]
        flat = await self._tally_add(keys=keys, args=args)
        return {flat[i]: float(flat[i + 1]) for i in range(0, len(flat), 2)}

    @guarded
    async def tallies(self, kind: str) -> dict[str, dict[str, float]]:
        names = [text_of(name) for name in await self.redis.zrange(self.key("tally", kind), 0, -1)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.key("tally", kind, name))
            found = await pipe.execute()
        pairs = zip(names, found, strict=True)
        return {name: {k: float(v) for k, v in totals.items()} for name, totals in pairs}

    @guarded
    async def cursors_clear(self) -> None:
        await self.redis.delete(self.key("cursors"), self.key("cursors", "used"))

    @guarded
    async def reset(self) -> None:
        """Everything of this prefix goes, except the id and version counters and heartbeats:
        ids stay unique for journal readers and every process sees the versions move on."""
        kinds = sorted(map(text_of, await self.redis.smembers(self.key("kinds"))))
        record_kinds = sorted(map(text_of, await self.redis.smembers(self.key("reckinds"))))
        tally_keys = [
            self.key("tally", kind, name)
            for kind in record_kinds
            for name in map(text_of, await self.redis.zrange(self.key("tally", kind), 0, -1))
        ]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(
                self.key("cursors"), self.key("cursors", "used"), self.key("journal"), self.key("settings")
            )
            for kind in kinds:
                pipe.delete(self.key("doc", kind), self.key("order", kind))
                pipe.incr(self.key("version", kind))
            for kind in record_kinds:
                pipe.delete(self.key("rec", kind), self.key("rec", kind, "order"), self.key("tally", kind))
            if tally_keys:
                pipe.delete(*tally_keys)
            await pipe.execute()

    @guarded
    async def heartbeat(self, worker: str, info: dict[str, Any]) -> None:
        await self.redis.hset(self.key("workers"), worker, dumps({**info, "seen": time.time()}))

    @guarded
    async def workers(self, max_age_s: float) -> list[dict[str, Any]]:
        now = time.time()
        beats = {name: loads(text) for name, text in (await self.redis.hgetall(self.key("workers"))).items()}
        stale = [name for name, beat in beats.items() if beat["seen"] < now - STALE_WORKER_S]
        if stale:
            await self.redis.hdel(self.key("workers"), *stale)
        return [beat for beat in beats.values() if beat["seen"] >= now - max_age_s]

    async def close(self) -> None:
        await self.redis.aclose()
