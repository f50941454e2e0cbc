"""When a request arrived: the moment its bytes were read, not the moment its handler ran.

A request read in one turn of the event loop starts its handler a turn later, behind the
paced events due then and behind the other requests read in the same turn: with a thousand
paced streams on one core, a millisecond at the median and several at the tail. Scripted
latency (time to first token, per-token gaps) and the journal's timings count from the
arrival, so that wait must not be added to them. aiohttp keeps no such time: its server
makes our connection handler instead, which notes when data last came in.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web, web_protocol

from . import seam


class ArrivalHandler(web_protocol.RequestHandler):
    """aiohttp's connection handler, noting when data was last read from the connection.

    A request's handler starts only after its head was read, so the latest read before it
    starts is no earlier than the request's own bytes and no later than the handler's start
    (pipelined requests may see a later request's read: never worse than the handler's start).
    """

    __slots__ = ("received_at",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.received_at = 0.0

    def data_received(self, data: bytes) -> None:
        if data:  # aiohttp calls it with b"" itself, to parse what it held back while paused
            self.received_at = time.perf_counter()
        super().data_received(data)


class ArrivalServer(web.Server):
    """aiohttp's low-level server, making ArrivalHandlers for its connections."""

    def __call__(self) -> ArrivalHandler:
        return seam.connection_handler(self, ArrivalHandler)


def install(app: web.Application) -> None:
    """Make the servers that runners build for `app` note arrivals."""
    seam.wrap_server_factory(app, ArrivalServer)


def received_at(request: web.Request) -> float | None:
    """perf_counter() when the request's bytes were read; None if the server does not note it."""
    return getattr(request.protocol, "received_at", None) or None
