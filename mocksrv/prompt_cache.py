"""Simulated prompt caching: which part of a prompt a provider would serve from its cache.

Per session and model, through the state store (so workers and replicas agree) and the one
clock (so `POST /_mock/clock` expires entries). A prefix is cached once it reaches the model's
`cache_min_tokens`: explicit breakpoints (Anthropic `cache_control`) or, for automatic caching
(OpenAI, Gemini), every message boundary. The first request writes, a repeat within the TTL
reads the longest prefix it shares, a changed prefix misses. Answers whose usage depends on
this state are never written from a template (handler: `renders` dropped); how a body is
answered and which prefixes it has are still kept with the body (they do not depend on it).
"""

from __future__ import annotations

import dataclasses
import hashlib

import orjson

from . import clock
from .catalog import ModelInfo
from .dialects.base import Dialect, PromptCaching
from .model import CachePoint, Completion, Turn
from .state import StateStore

KIND = "prompt_cache"
MAX_POINTS = 16  # prefixes looked up per request (the longest ones): bounded store traffic
ONE_HOUR_S = 3600.0


def applies(dialect: Dialect, turn: Turn, info: ModelInfo | None) -> bool:
    """Whether this answer's usage depends on the cache (decided without the store)."""
    policy = dialect.prompt_caching
    if policy is None or info is None:
        return False
    if policy.explicit:
        return bool(turn.extras.get("cache_points"))
    return turn.prompt_tokens >= info.cache_min_tokens


def automatic_points(turn: Turn, ttl_s: float) -> tuple[CachePoint, ...]:
    """Every message boundary: the prefixes an automatic cache can match."""
    points, tokens = [], 0
    digest = hashlib.blake2b(orjson.dumps(turn.extras.get("cache_key")), digest_size=16)
    for message in turn.messages:
        digest.update(orjson.dumps([message.role, message.text]))
        tokens += turn.message_tokens(message)
        points.append(CachePoint(digest.copy().hexdigest(), tokens, ttl_s))
    return tuple(points)


def points_for(dialect: Dialect, info: ModelInfo, turn: Turn) -> tuple[CachePoint, ...]:
    """The prefixes of this turn the model caches: long enough, the longest MAX_POINTS."""
    policy = dialect.prompt_caching
    assert policy is not None
    points = turn.extras.get("cache_points", ()) if policy.explicit else automatic_points(turn, policy.ttl_s)
    return tuple(
        dataclasses.replace(p, tokens=min(p.tokens, turn.prompt_tokens))  # estimates may differ a little
        for p in points
        if p.tokens >= info.cache_min_tokens
    )[-MAX_POINTS:]


async def with_cache_usage(
    state: StateStore,
    dialect: Dialect,
    info: ModelInfo,
    session: str,
    points: tuple[CachePoint, ...],
    completion: Completion,
) -> Completion:
    """The completion, its usage telling what `points` (points_for) read from the cache and wrote."""
    policy = dialect.prompt_caching
    assert policy is not None
    if not points:
        return completion
    read, write, write_1h = await _use(state, policy, info, session, points)
    usage = dataclasses.replace(
        completion.usage, cached_tokens=read, cache_write=write, cache_write_1h=write_1h
    )
    return dataclasses.replace(completion, usage=usage)


async def _use(
    state: StateStore, policy: PromptCaching, info: ModelInfo, session: str, points: tuple[CachePoint, ...]
) -> tuple[int, int, int]:
    now = await clock.now(state)
    keys = [_key(session, info.id, p) for p in points]
    hit = 0
    for point, key in zip(reversed(points), reversed(keys), strict=True):
        if await state.record_get(KIND, key, now) is not None:
            hit = point.tokens
            break
    write = write_1h = 0
    previous = hit
    for point, key in zip(points, keys, strict=True):
        if point.tokens >= hit:  # a read refreshes its entry; longer prefixes are written
            await state.record_put(KIND, key, {"tokens": point.tokens}, now + point.ttl_s)
        if point.tokens > previous:
            if point.ttl_s >= ONE_HOUR_S:
                write_1h += point.tokens - previous
            else:
                write += point.tokens - previous
            previous = point.tokens
    read = _stepped(hit, info.cache_min_tokens, policy.step)
    return (read, write, write_1h) if policy.report_writes else (read, 0, 0)


def _stepped(tokens: int, minimum: int, step: int) -> int:
    if tokens < minimum:
        return 0
    return minimum + (tokens - minimum) // step * step


def _key(session: str, model: str, point: CachePoint) -> str:
    return hashlib.blake2b(f"{session}\0{model}\0{point.digest}".encode(), digest_size=16).hexdigest()
