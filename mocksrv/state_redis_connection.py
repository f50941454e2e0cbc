"""Reaching the Redis store: its URL (with the key prefix), timeouts, and what an outage does to a call."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .outage import Outage

DEFAULT_PREFIX = "mocksrv:"
# Unless the URL says otherwise (?socket_timeout=...): a store that stops answering fails
# requests within seconds instead of holding them (and their clients) indefinitely.
SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0
# What an outage raises (a restarted server still loading its data: BusyLoadingError, a
# ConnectionError). Anything else is a bug and stays loud.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
R = TypeVar("R")
P = ParamSpec("P")


class HasOutage(Protocol):
    outage: Outage


S = TypeVar("S", bound=HasOutage)


def split_url(url: str) -> tuple[str, str]:
    """Take mocksrv's own `prefix` query parameter out of a Redis URL (redis-py rejects it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def connect(url: str) -> tuple[redis.Redis, str]:
    """(client, key prefix) for a URL. Connections open lazily, on the loop that first uses
    them, so this is safe to call before fork."""
    address, prefix = split_url(url)
    client = redis.from_url(
        address,
        decode_responses=True,
        encoding_errors="surrogateescape",
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
    )
    return client, prefix


def guarded(
    method: Callable[Concatenate[S, P], Awaitable[R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """An unreachable Redis raises StoreUnavailable (counted and logged by the store's
    Outage, not per call); the first call that goes through again ends the outage."""

    @functools.wraps(method)
    async def call(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = await method(self, *args, **kwargs)
        except UNREACHABLE as error:
            raise self.outage.failed(error) from None
        self.outage.succeeded()
        return result

    return call
