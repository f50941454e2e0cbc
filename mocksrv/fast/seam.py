"""The one module that reaches into aiohttp's private names.

The speed layer needs a few things aiohttp does not offer publicly: replacing the application's
request entry point (`Application._handle`, front.py), building the server's connection handler
(`Application._make_handler`, `Server._loop` / `_kwargs`, arrival.py), setting a request's match
info, sending a prebuilt header block through the response's writer (`_headers_buf`),
marking a stream written from the timing wheel as ended (`_eof`), and, for a request answered
from its bytes (replayed.py), whether a connection is idle and its keep-alive deadline. They
are all here, so an aiohttp upgrade is checked in one file; every other module is kept off
private names by ruff's SLF001 rule. The import fails with a clear message on an aiohttp series
this was not written for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web, web_protocol
from aiohttp.abc import AbstractStreamWriter
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

SERIES = "3.14."  # the aiohttp series whose private names this module was written against

if not aiohttp.__version__.startswith(SERIES):
    raise ImportError(
        f"mocksrv's fast path was written for aiohttp {SERIES}x; aiohttp {aiohttp.__version__} "
        "is installed. Install aiohttp 3.14 (setup.cfg pins it)."
    )

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# -- front.py: the application's request entry point --------------------------------------


def app_entry(app: web.Application) -> Handler:
    """The coroutine aiohttp's server calls for every request of `app`."""
    return app._handle


def replace_app_entry(app: web.Application, entry: Handler) -> None:
    app._handle = entry  # type: ignore[method-assign, assignment]


def set_match_info(request: web.Request, info: UrlMappingMatchInfo) -> None:
    """What the router would have resolved (a frozen, shared match info)."""
    request._match_info = info


# -- arrival.py: the connection handler the server builds ---------------------------------


def wrap_server_factory(app: web.Application, server_class: Callable[..., web.Server]) -> None:
    """Make the servers runners build for `app` instances of `server_class` (AppRunner calls
    `app._make_handler` for its Server), with the same settings aiohttp gave its own."""
    make = app._make_handler

    def make_handler(**kwargs: Any) -> web.Server:
        plain = make(**kwargs)
        return server_class(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=plain._loop,
            **plain._kwargs,
        )

    app._make_handler = make_handler  # type: ignore[method-assign]


def connection_handler(server: web.Server, handler_class: Callable[..., web_protocol.RequestHandler]) -> Any:
    """A connection handler of `handler_class`, made the way `Server.__call__` makes its own."""
    return handler_class(server, loop=server._loop, **server._kwargs)


# -- prebuilt.py: a response whose header block is already serialized ---------------------


async def fire_prepare_signals(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """The app's on_response_prepare handlers, as StreamResponse.prepare runs them."""
    await request._prepare_hook(response)


def begin_prebuilt(
    response: web.StreamResponse, request: web.BaseRequest, keep_alive: bool
) -> AbstractStreamWriter:
    """Bind a response not yet prepared to the request's writer, as StreamResponse.prepare does."""
    response._req = request
    writer = response._payload_writer = request._payload_writer
    response._keep_alive = keep_alive
    return writer


def prepared_writer(response: web.StreamResponse) -> AbstractStreamWriter | None:
    return response._payload_writer


def buffer_headers(writer: AbstractStreamWriter, block: bytes) -> None:
    """StreamWriter sends its buffered header block with the first body bytes, in one write."""
    writer._headers_buf, writer._headers_written = block, False  # type: ignore[attr-defined]


# -- sse streams written from the timing wheel --------------------------------------------


def response_writer(response: web.StreamResponse) -> AbstractStreamWriter:
    """The prepared response's writer (the wheel writes to its transport directly)."""
    writer = response._payload_writer
    assert writer is not None
    return writer


def mark_written_to_end(writer: AbstractStreamWriter) -> None:
    """The chunked end marker went out with the last events: the writer's write_eof has nothing left."""
    writer._eof = True  # type: ignore[attr-defined]


# -- replayed.py: a request answered from its bytes, beside aiohttp's parser -------------------


def idle(protocol: web_protocol.RequestHandler) -> bool:
    """The connection's request loop waits for the next request: nothing queued, none being
    answered or read (its answer is written whole), the connection not closing or upgraded."""
    waiter = protocol._waiter
    return (
        waiter is not None
        and not waiter.done()
        and not protocol._messages
        and protocol._payload_parser is None
        and not protocol._upgraded
        and not protocol._force_close
        and not protocol._close
    )


def answered_aside(protocol: web_protocol.RequestHandler) -> None:
    """A keep-alive answer was written without aiohttp's request loop: move the connection's
    idle deadline on, as that loop does after each answer."""
    protocol._keepalive = True
    timeout = protocol._keepalive_timeout
    if timeout <= 0:
        return
    loop = protocol._loop
    protocol._next_keepalive_close_time = loop.time() + timeout
    if protocol._keepalive_handle is None:
        protocol._keepalive_handle = loop.call_at(
            protocol._next_keepalive_close_time, protocol._process_keepalive
        )
