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
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import config
from .journal import Journaled
from .outage import Outage

DEFAULT_PREFIX = "mocksrv:"
STALE_WORKER_S = 600.0  # heartbeats older than this are deleted, not just hidden
# Unless the URL says otherwise (?socket_timeout=...): a store that stops answering fails
# requests within seconds instead of holding them (and their clients) indefinitely.
SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0
# What an outage raises (a restarted server still loading its data: BusyLoadingError, a
# ConnectionError). Anything else is a bug and stays loud.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
R = TypeVar("R")
P = ParamSpec("P")

# One round trip, atomic: the position, the use and the bound agree even with many writers.
ADVANCE = """
local position = redis.call('HINCRBY', KEYS[1], ARGV[1], 1) - 1
local used = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], used, ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2])
if excess > 0 then
  for _, old in ipairs(redis.call('ZPOPMIN', KEYS[2], excess)) do
    redis.call('HDEL', KEYS[1], old)
  end
end
return position
"""

# One round trip, atomic: the id and the list order agree even with many writers.
JOURNAL_ADD = """
local id = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], id .. ' ' .. ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return id
"""


# One round trip, atomic: the record, its place in the write order and the bound agree.
RECORD_PUT = """
local used = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], used, ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  for _, old in ipairs(redis.call('ZPOPMIN', KEYS[2], excess)) do
    redis.call('HDEL', KEYS[1], old)
  end
end
return used
"""

# KEYS: totals hash, keys sorted set, use counter; ARGV: key prefix, key, bound, name, amount...
TALLY_ADD = """
local used = redis.call('INCR', KEYS[3])
for i = 4, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], used, ARGV[2])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  for _, old in ipairs(redis.call('ZPOPMIN', KEYS[2], excess)) do
    redis.call('DEL', ARGV[1] .. old)
  end
end
return redis.call('HGETALL', KEYS[1])
"""


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. integers beyond 64 bits, lone surrogates
        return json.dumps(value, default=str)


def text_of(value: object) -> str:
    """The client decodes every reply (decode_responses=True); the client's types allow more."""
    return value.decode(errors="surrogateescape") if isinstance(value, bytes) else str(value)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def split_url(url: str) -> tuple[str, str]:
    """Take mocksrv's own `prefix` query parameter out of a Redis URL (redis-py rejects it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def _guarded(
    method: Callable[Concatenate[RedisStore, P], Awaitable[R]],
) -> Callable[Concatenate[RedisStore, P], Coroutine[Any, Any, R]]:
    """An unreachable Redis raises StoreUnavailable (counted and logged by the store's
    Outage, not per call); the first call that goes through again ends the outage."""

    @functools.wraps(method)
    async def call(self: RedisStore, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = await method(self, *args, **kwargs)
        except UNREACHABLE as error:
            raise self.outage.failed(error) from None
        self.outage.succeeded()
        return result

    return call


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
        self._record_put = client.register_script(RECORD_PUT)
        self._tally_add = client.register_script(TALLY_ADD)
        self._cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.outage = Outage()

    @classmethod
    def from_url(cls, url: str, journal_limit: int = 1000) -> RedisStore:
        address, prefix = split_url(url)
        # Connections open lazily, on the loop that first uses them (safe to build before fork).
        client = redis.from_url(
            address,
            decode_responses=True,
            encoding_errors="surrogateescape",
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
        )
        return cls(client, journal_limit, prefix)

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @_guarded
    async def advance(self, cursor: str) -> int:
        keys = [self.key("cursors"), self.key("cursors", "used"), self.key("cursors", "clock")]
        return int(await self._advance(keys=keys, args=[cursor, config.MAX_CURSORS]))

    @_guarded
    async def journal_add(self, entry: Journaled) -> int:
        keys = [self.key("journal"), self.key("journal", "id")]
        entry.id = int(await self._journal_add(keys=keys, args=[dumps(entry.view()), self.journal_limit]))
        return entry.id

    @_guarded
    async def journal_entries(self) -> list[dict[str, Any]]:
        entries = []
        for item in await self.redis.lrange(self.key("journal"), 0, -1):
            entry_id, _, text = text_of(item).partition(" ")
            entries.append({**loads(text), "id": int(entry_id)})
        return entries

    @_guarded
    async def journal_size(self) -> int:
        return int(await self.redis.llen(self.key("journal")))

    @_guarded
    async def journal_clear(self) -> None:
        await self.redis.delete(self.key("journal"))

    @_guarded
    async def put_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key("doc", kind), key, dumps(document))
            pipe.lrem(self.key("order", kind), 0, key)  # a replaced entry moves to the end
            pipe.rpush(self.key("order", kind), key)
            pipe.sadd(self.key("kinds"), kind)
            pipe.incr(self.key("version", kind))  # last: readers never cache new content as old
            await pipe.execute()

    @_guarded
    async def delete_document(self, kind: str, key: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key("doc", kind), key)
            pipe.lrem(self.key("order", kind), 0, key)
            pipe.incr(self.key("version", kind))
            removed, _, _ = await pipe.execute()
        return bool(removed)

    @_guarded
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

    @_guarded
    async def get_setting(self, name: str) -> str | None:
        value = await self.redis.hget(self.key("settings"), name)
        return None if value is None else text_of(value)

    @_guarded
    async def set_setting(self, name: str, value: str | None) -> None:
        if value is None:
            await self.redis.hdel(self.key("settings"), name)
        else:
            await self.redis.hset(self.key("settings"), name, value)

    @_guarded
    async def record_put(self, kind: str, key: str, value: dict[str, Any], expires_at: float | None) -> None:
        await self.redis.sadd(self.key("reckinds"), kind)
        keys = [self.key("rec", kind), self.key("rec", kind, "order"), self.key("rec", "clock")]
        await self._record_put(keys=keys, args=[key, dumps([expires_at, value]), config.MAX_RECORDS])

    @_guarded
    async def record_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        text = await self.redis.hget(self.key("rec", kind), key)
        if text is None:
            return None
        expires_at, value = loads(text)
        if expires_at is not None and expires_at <= now:
            await self.record_delete(kind, key)
            return None
        return value

    @_guarded
    async def record_delete(self, kind: str, key: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key("rec", kind), key)
            pipe.zrem(self.key("rec", kind, "order"), key)
            removed, _ = await pipe.execute()
        return bool(removed)

    @_guarded
    async def tally_add(self, kind: str, key: str, amounts: dict[str, float]) -> dict[str, float]:
        await self.redis.sadd(self.key("reckinds"), kind)
        keys = [self.key("tally", kind, key), self.key("tally", kind), self.key("rec", "clock")]
        args: list[Any] = [self.key("tally", kind, ""), key, config.MAX_RECORDS]
        for name, amount in amounts.items():
            args += [name, repr(float(amount))]
        flat = await self._tally_add(keys=keys, args=args)
        return {flat[i]: float(flat[i + 1]) for i in range(0, len(flat), 2)}

    @_guarded
    async def tallies(self, kind: str) -> dict[str, dict[str, float]]:
        names = [text_of(name) for name in await self.redis.zrange(self.key("tally", kind), 0, -1)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.key("tally", kind, name))
            found = await pipe.execute()
        pairs = zip(names, found, strict=True)
        return {name: {k: float(v) for k, v in totals.items()} for name, totals in pairs}

    @_guarded
    async def cursors_clear(self) -> None:
        await self.redis.delete(self.key("cursors"), self.key("cursors", "used"))

    @_guarded
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

    @_guarded
    async def heartbeat(self, worker: str, info: dict[str, Any]) -> None:
        await self.redis.hset(self.key("workers"), worker, dumps({**info, "seen": time.time()}))

    @_guarded
    async def workers(self, max_age_s: float) -> list[dict[str, Any]]:
        now = time.time()
        beats = {name: loads(text) for name, text in (await self.redis.hgetall(self.key("workers"))).items()}
        stale = [name for name, beat in beats.items() if beat["seen"] < now - STALE_WORKER_S]
        if stale:
            await self.redis.hdel(self.key("workers"), *stale)
        return [beat for beat in beats.values() if beat["seen"] >= now - max_age_s]

    async def close(self) -> None:
        await self.redis.aclose()
