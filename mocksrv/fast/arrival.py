"""When a request arrived: the moment its bytes were read, not the moment its handler ran.

A request read in one turn of the event loop starts its handler a turn later, behind the
paced events due then and behind the other requests read in the same turn: with a thousand
paced streams on one core, a millisecond at the median and several at the tail. Scripted
latency (time to first token, per-token gaps) and the journal's timings count from the
arrival, so that wait must not be added to them. aiohttp keeps no such time: its server
makes our connection handler instead, which notes when data last came in.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Protocol

from aiohttp import web, web_protocol

from . import seam


class Replayer(Protocol):
    """What answers a connection's bytes before aiohttp parses them (replayed.py)."""

    def answer(self, protocol: ArrivalHandler, data: bytes) -> bool:
        """Answer `data` on `protocol` if it is a request known by its bytes; False: it is not."""


class ArrivalHandler(web_protocol.RequestHandler):
    """aiohttp's connection handler, noting when data was last read from the connection.

    A request's handler starts only after its head was read, so the latest read before it
    starts is no earlier than the request's own bytes and no later than the handler's start
    (pipelined requests may see a later request's read: never worse than the handler's start).

    With a Replayer, bytes read while aiohttp's parser holds nothing (`at_boundary`) are offered
    to it first; the bytes it does not take go to aiohttp, and are kept as `last_read`.
    """

    __slots__ = ("at_boundary", "last_read", "received_at", "replayer")

    def __init__(self, *args: Any, replayer: Replayer | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.received_at = 0.0
        self.replayer = replayer
        self.last_read = b""  # the latest bytes aiohttp was given
        self.at_boundary = True  # aiohttp's parser holds no part of a request (replayed.py sets it)

    def data_received(self, data: bytes) -> None:
        if data:  # aiohttp calls it with b"" itself, to parse what it held back while paused
            self.received_at = time.perf_counter()
            if self.at_boundary and self.replayer is not None and self.replayer.answer(self, data):
                return
            self.last_read, self.at_boundary = data, False
        super().data_received(data)


class ArrivalServer(web.Server):
    """aiohttp's low-level server, making ArrivalHandlers for its connections."""

    def __init__(self, *args: Any, replayer: Replayer | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.replayer = replayer

    def __call__(self) -> ArrivalHandler:
        return seam.connection_handler(self, functools.partial(ArrivalHandler, replayer=self.replayer))


def install(app: web.Application, replayer: Replayer | None = None) -> None:
    """Make the servers that runners build for `app` note arrivals (and offer bytes to `replayer`)."""
    seam.wrap_server_factory(app, functools.partial(ArrivalServer, replayer=replayer))


def received_at(request: web.Request) -> float | None:
    """perf_counter() when the request's bytes were read; None if the server does not note it."""
    return getattr(request.protocol, "received_at", None) or None
