"""Answers written from header blocks serialized once, instead of aiohttp's per-response headers.

A successful answer carries the same twenty-odd headers every time (the dialect's, the content
type, the worker, the server); only the request id, the trace headers (which fixture, which
step), the date and the length change. aiohttp would build a CIMultiDict, fire
`on_response_prepare` and serialize them all for every response. Here a dialect's block is
serialized once a second (per process: it names the worker; once a second: rate-limit headers
tell the time) with a stand-in request id, which each answer swaps for its own
(as rendered.py does for bodies), and the few per-request lines are appended.

The bytes are the ones aiohttp would send: the tests compare both ways of answering.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE, HttpVersion11
from multidict import CIMultiDict

from . import heartbeat
from .dialects.base import Dialect
from .journal import Trace, trace_headers

JSON_TYPE = "application/json"
STAND_IN_HEX = "5f4e3d2c1b0a99887766554433221100"  # a request id nobody else sends
# (dialect, streamed) -> (the second it was built in, block or None, stand-in id)
_blocks: dict[tuple[Dialect, bool], tuple[int, bytes | None, bytes]] = {}


def _line(name: str, value: str) -> bytes:
    if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
        raise ValueError(f"header {name!r} would break the header block")
    return f"{name}: {value}\r\n".encode()


def _serialize(headers: Mapping[str, str]) -> bytes:
    return b"".join(_line(k, v) for k, v in headers.items())


def _block(dialect: Dialect, streamed: bool) -> tuple[bytes, bytes] | None:
    """(block, stand-in id) for this dialect's JSON or SSE answers; None when the dialect's
    headers depend on the request id in some other way than carrying it (then aiohttp builds them)."""
    key, second = (dialect, streamed), int(time.time())
    found = _blocks.get(key)
    if found is None or found[0] != second:  # some headers tell the time (rate-limit resets)
        stand_in, other = dialect.new_request_id(STAND_IN_HEX), dialect.new_request_id("a" * 32)
        block = _serialize(_with_defaults(dialect, stand_in, streamed))
        same_shape = block.replace(stand_in.encode(), other.encode()) == _serialize(
            _with_defaults(dialect, other, streamed)
        )
        found = _blocks[key] = (
            second,
            b"HTTP/1.1 200 OK\r\n" + block if same_shape else None,
            stand_in.encode(),
        )
    return None if found[1] is None else (found[1], found[2])


def _with_defaults(dialect: Dialect, request_id: str, streamed: bool) -> CIMultiDict[str]:
    """The dialect's headers, then what aiohttp would add, unless the dialect sent its own
    (Gemini's lower-case `server`): aiohttp treats header names case-insensitively too."""
    merged = CIMultiDict(dialect.response_headers(request_id))
    if streamed:
        merged["Cache-Control"] = "no-cache"
    merged["Content-Type"] = dialect.stream_content_type if streamed else JSON_TYPE
    merged.setdefault(heartbeat.WORKER_HEADER, heartbeat.identity()["id"])
    merged.setdefault("Server", SERVER_SOFTWARE)
    return merged


os.register_at_fork(after_in_child=_blocks.clear)  # a forked worker names itself in its blocks


class PrebuiltResponse(web.StreamResponse):
    """A 200 whose headers are one prebuilt block: a JSON body (`body`), or a stream (write())."""

    def __init__(self, head: bytes, body: bytes | None = None):
        super().__init__()
        self._head, self._prebuilt_body = head, body

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self._eof_sent or self._payload_writer is not None:
            return self._payload_writer
        self._req = request
        writer = self._payload_writer = request._payload_writer
        self._keep_alive = request.keep_alive
        body = self._prebuilt_body
        if body is not None:
            framing = b"Content-Length: %d\r\n" % len(body)
            writer.length = len(body)
        elif request.version >= HttpVersion11:
            framing = b"Transfer-Encoding: chunked\r\n"
            writer.enable_chunking()
        else:  # HTTP/1.0 has no chunked encoding: the end of the stream is the end of the connection
            framing, self._keep_alive = b"", False
        if not self._keep_alive and request.version >= HttpVersion11:
            framing += b"Connection: close\r\n"
        elif self._keep_alive and request.version < HttpVersion11:
            framing += b"Connection: keep-alive\r\n"
        date = b"Date: " + rfc822_formatted_time().encode() + b"\r\n\r\n"
        # StreamWriter sends its buffered header block with the first body bytes, in one write.
        writer._headers_buf, writer._headers_written = self._head + framing + date, False
        return writer

    async def write_eof(self, data: bytes = b"") -> None:
        if self._prebuilt_body is not None and not self._eof_sent:
            data, self._prebuilt_body = self._prebuilt_body, None
        await super().write_eof(data)


def head(dialect: Dialect, request_id: str, streamed: bool, trace: Trace) -> bytes | None:
    """The header block of a 200 from this dialect, or None: build the headers the usual way."""
    found = _block(dialect, streamed)
    lines = _trace_lines(trace.fixture, trace.scenario, trace.step, trace.reply)
    if found is None or lines is None or trace.extra_headers:  # per-answer headers: built the usual way
        return None
    block, stand_in = found
    return block.replace(stand_in, request_id.encode()) + lines


@functools.lru_cache(maxsize=4096)  # a few fixtures and scenario steps answer most requests
def _trace_lines(
    fixture: str | None, scenario: str | None, step: int | None, reply: int | None
) -> bytes | None:
    """The x-mocksrv-* lines, or None for a value that cannot be sent as it is (aiohttp says why)."""
    try:
        return _serialize(trace_headers(fixture, scenario, step, reply))
    except ValueError:
        return None
