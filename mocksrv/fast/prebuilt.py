"""Answers written from header blocks serialized once, instead of aiohttp's per-response headers.

A successful answer carries the same twenty-odd headers every time (the dialect's, the content
type, the server); only the request id, the trace headers (which fixture, which step), the
date and the length change. aiohttp would build a CIMultiDict and serialize them all for every
response. Here a dialect's block is serialized once a second (rate-limit headers tell the
time) with a stand-in request id, which each answer swaps for its own (as rendered.py does
for bodies), and the few per-request lines are appended.

The app's `on_response_prepare` handlers still run for every answer, on a response whose
headers start empty: what they set is sent after the block, replacing the block's line of the
same name. The status line carries the request's HTTP version, as aiohttp's does.
The bytes are the ones aiohttp would send: the tests compare both ways of answering.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE, HttpVersion11
from multidict import CIMultiDict

from ..config import CACHE_LIMITS
from ..dialects.base import Dialect
from ..journal import Trace, trace_headers
from . import seam
from .bounded import BoundedTable

JSON_TYPE = "application/json"
OK_11 = b"HTTP/1.1 200 OK\r\n"
STAND_IN_HEX = "5f4e3d2c1b0a99887766554433221100"  # a request id nobody else sends
# (dialect class, streamed) -> (the second it was built in, block or None, stand-in id, header names)
_blocks: BoundedTable[tuple[type[Dialect], bool], tuple[int, bytes | None, bytes, frozenset[str]]] = (
    BoundedTable(CACHE_LIMITS.header_blocks)
)

# what on_response_prepare handlers set -> its serialized lines
_signalled: BoundedTable[tuple[tuple[str, str], ...], bytes] = BoundedTable(CACHE_LIMITS.header_blocks)


def _line(name: str, value: str) -> bytes:
    if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
        raise ValueError(f"header {name!r} would break the header block")
    return f"{name}: {value}\r\n".encode()


def _serialize(headers: Mapping[str, str]) -> bytes:
    return b"".join(_line(k, v) for k, v in headers.items())


def _block(dialect: Dialect, streamed: bool) -> tuple[bytes, bytes, frozenset[str]] | None:
    """(block, stand-in id, lower-case header names) for this dialect's JSON or SSE answers; None
    when the dialect's headers depend on the request id in some other way than carrying it
    (then aiohttp builds them)."""
    key, second = (type(dialect), streamed), int(time.time())
    found = _blocks.get(key)
    if found is None or found[0] != second:  # some headers tell the time (rate-limit resets)
        stand_in, other = dialect.new_request_id(STAND_IN_HEX), dialect.new_request_id("a" * 32)
        headers = _with_defaults(dialect, stand_in, streamed)
        block = _serialize(headers)
        same_shape = block.replace(stand_in.encode(), other.encode()) == _serialize(
            _with_defaults(dialect, other, streamed)
        )
        names = frozenset(name.lower() for name in headers)
        found = _blocks.put(key, (second, block if same_shape else None, stand_in.encode(), names))
    return None if found[1] is None else (found[1], found[2], found[3])


def _with_defaults(dialect: Dialect, request_id: str, streamed: bool) -> CIMultiDict[str]:
    """The dialect's headers, then what aiohttp would add, unless the dialect sent its own
    (Gemini's lower-case `server`): aiohttp treats header names case-insensitively too."""
    merged = CIMultiDict(dialect.response_headers(request_id))
    if streamed:
        merged["Cache-Control"] = "no-cache"
    merged["Content-Type"] = dialect.stream_content_type if streamed else JSON_TYPE
    merged.setdefault("Server", SERVER_SOFTWARE)
    return merged


class PrebuiltResponse(web.StreamResponse):
    """A 200 whose headers are one prebuilt block: a JSON body (`body`), or a stream (write())."""

    def __init__(self, head: bytes, names: frozenset[str], body: bytes | None = None):
        super().__init__()
        self._head, self._names, self._prebuilt_body = head, names, body

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self.prepared:
            return seam.prepared_writer(self)
        await seam.fire_prepare_signals(request, self)  # the app's on_response_prepare handlers
        if self.prepared:  # a signal handler prepared it
            return seam.prepared_writer(self)
        writer = seam.begin_prebuilt(self, request, request.keep_alive)
        keep_alive, version = request.keep_alive, request.version
        body = self._prebuilt_body
        if body is not None:
            framing = b"Content-Length: %d\r\n" % len(body)
            writer.length = len(body)
        elif version >= HttpVersion11:
            framing = b"Transfer-Encoding: chunked\r\n"
            writer.enable_chunking()
        else:  # HTTP/1.0 has no chunked encoding: the end of the stream is the end of the connection
            framing, keep_alive = b"", False
            self.force_close()
        if not keep_alive and version >= HttpVersion11:
            framing += b"Connection: close\r\n"
        elif keep_alive and version < HttpVersion11:
            framing += b"Connection: keep-alive\r\n"
        status = OK_11 if version == HttpVersion11 else b"HTTP/%d.%d 200 OK\r\n" % version
        seam.buffer_headers(writer, status + self._with_signalled(self._head) + framing + _date_line())
        return writer

    def _with_signalled(self, block: bytes) -> bytes:
        """The block, with what on_response_prepare handlers set (theirs win over the block's)."""
        signalled = self.headers
        if not signalled:
            return block
        if not self._names.isdisjoint(map(str.lower, signalled)):
            mine = {name.lower() for name in signalled}
            block = b"".join(
                line
                for line in block.splitlines(keepends=True)
                if line.split(b":", 1)[0].decode().lower() not in mine
            )
        items = tuple(signalled.items())
        lines = _signalled.get(items)
        if lines is None:  # the same few values every time (the worker's name): serialized once
            lines = _signalled.put(items, _serialize(signalled))
        return block + lines

    async def write_eof(self, data: bytes = b"") -> None:
        if self._prebuilt_body is not None:  # (only this sends the end: it was not sent yet)
            data, self._prebuilt_body = self._prebuilt_body, None
        await super().write_eof(data)


def response(
    dialect: Dialect, request_id: str, trace: Trace, streamed: bool, body: bytes | None = None
) -> PrebuiltResponse | None:
    """A 200 from this dialect with its prebuilt header block, or None: build the headers the usual way."""
    found = _block(dialect, streamed)
    lines = trace_lines(trace)
    if found is None or lines is None or trace.extra_headers:  # per-answer headers: built the usual way
        return None
    block, stand_in, names = found
    return PrebuiltResponse(block.replace(stand_in, request_id.encode()) + lines, names, body)


def head(dialect: Dialect, request_id: str, lines: bytes, streamed: bool, length: int = 0) -> bytes | None:
    """The head of a keep-alive HTTP/1.1 200 as PrebuiltResponse sends it, `lines` (the trace
    lines, then what on_response_prepare handlers set) after the dialect's block: a stream
    (chunked), or `length` bytes of JSON. None when the dialect has no block."""
    found = _block(dialect, streamed)
    if found is None:
        return None
    block, stand_in, _ = found
    framing = b"Transfer-Encoding: chunked\r\n" if streamed else b"Content-Length: %d\r\n" % length
    return OK_11 + block.replace(stand_in, request_id.encode()) + lines + framing + _date_line()


def signalled_lines(dialect: Dialect, streamed: bool, headers: Mapping[str, str]) -> bytes | None:
    """What on_response_prepare handlers set, serialized; None if they set a header of the
    dialect's block (a PrebuiltResponse then drops the block's line: no fixed bytes)."""
    found = _block(dialect, streamed)
    if found is None or not found[2].isdisjoint(name.lower() for name in headers):
        return None
    return _serialize(headers)


def _date_line() -> bytes:
    return b"Date: " + rfc822_formatted_time().encode() + b"\r\n\r\n"


def trace_lines(trace: Trace) -> bytes | None:
    """The trace's x-mocksrv-* lines, or None for a value that cannot be sent as it is."""
    return _trace_lines(trace.fixture, trace.scenario, trace.step, trace.reply)


@functools.lru_cache(maxsize=CACHE_LIMITS.trace_lines)  # a few fixtures and steps answer most requests
def _trace_lines(
    fixture: str | None, scenario: str | None, step: int | None, reply: int | None
) -> bytes | None:
    """The x-mocksrv-* lines, or None for a value that cannot be sent as it is (aiohttp says why)."""
    try:
        return _serialize(trace_headers(fixture, scenario, step, reply))
    except ValueError:
        return None
