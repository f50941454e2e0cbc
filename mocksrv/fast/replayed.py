"""A request that arrives as the very bytes of one answered again before: answered from them.

answered.py lets the handler write a repeated request's answer again without the pipeline's
checks and decisions. Before the handler, aiohttp still parses the request line and headers,
builds a request, a payload stream, a task and a response, and runs the middleware: about
half of what such an answer costs. When a connection's next read is, byte for byte, a request
that answered.py answered again twice on some connection (its request line, headers and body,
and nothing else), the request it carries is that one: the answer is written from the connection
callback, with what answered.py kept, under a fresh id and time, journaled, counted and billed
like the answer the handler would have written. The tests compare both ways of answering.

Bytes are answered this way only when all of this holds, else aiohttp gets them as usual:
- the connection is idle (no request queued, being read or answered, its write buffer empty)
  and aiohttp's parser holds nothing of it (`ArrivalHandler.at_boundary`: set only when the
  latest read was exactly the request just answered);
- the bytes were checked, when learned, to be exactly one keep-alive HTTP/1.1 request with a
  Content-Length body and no `Expect` (the check rebuilds them from what aiohttp parsed);
- what answered.py checks still holds: the body's memo entry is the one the answer was kept
  on, the state's epoch is the same, no counted limits are on; the store never waits;
- every on_response_prepare handler of the app is one whose headers never change (`steady`):
  what they set was taken once, when the bytes were learned.

The values of tracing and correlation headers nothing in mocksrv reads (answered.py
UNREAD_HEADERS: X-Request-Id, traceparent...) are cut out of the bytes a request is known by,
so a gateway's requests, each with its own ids, are known too; each one's journal entry shows
its own values. A request whose head holds such a header twice is known by its whole bytes.

At most CacheLimits.replays requests are kept (oldest out first), each at most
CacheLimits.body_max_bytes of body. `MOCKSRV_FAST_PATH=0` turns it off with the rest.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Collection

from aiohttp import web
from aiohttp.http import HttpVersion11
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .. import ledger
from ..config import CACHE_LIMITS, EVENTS_LOGGED, CacheLimits
from ..dialects.base import Dialect
from ..ids import new_hex_id
from ..journal import Capture, Trace, entry
from ..middleware import journal_now
from ..model import Completion
from ..services import Services
from ..sse import StreamOutcome
from ..state import settled
from . import prebuilt, rendered, seam
from .answered import UNREAD_HEADERS, Answered
from .arrival import ArrivalHandler
from .bounded import BoundedTable
from .memo import Parsed

HEAD_MAX_BYTES = 8 * 1024  # of request line and headers, on top of the body's bound
PrepareHandler = Callable[[web.Request, web.StreamResponse], object]
# A header line whose value is cut out (matched on the lowered head; the value's span is kept).
_UNREAD_LINE = re.compile(
    rb"\r\n("
    + b"|".join(map(re.escape, sorted(UNREAD_HEADERS, key=len, reverse=True)))
    + rb"):[ \t]*([^\r\n]*)(?=\r\n)"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Replay:
    """One request known by its bytes, and what answering it again takes."""

    dialect: Dialect
    parsed: Parsed  # the body's memo entry: the answer holds while the memo keeps it
    answered: Answered
    method: str
    path: str
    headers: CIMultiDictProxy[str]  # the journal's view of the request (the same every time)
    url: URL
    raw_body: bytes
    session: str | None  # the trace's session, as the handler left it
    lines: bytes  # the trace lines, then what on_response_prepare handlers set
    unread: tuple[bytes, ...] = ()  # the unread headers whose values were cut out, in order
    unread_keys: tuple[str, ...] = ()  # the same, named as in `headers`


class Replays:
    """Requests known by their bytes (the Replayer arrival.py offers every read to)."""

    def __init__(
        self,
        services: Services,
        capture: Capture,
        steady: Collection[PrepareHandler],
        limits: CacheLimits = CACHE_LIMITS,
    ):
        self.services, self.capture, self.steady = services, capture, steady
        self.max_bytes = limits.body_max_bytes + HEAD_MAX_BYTES
        self._table: BoundedTable[bytes, Replay] = BoundedTable(limits.replays)
        self._sightings: BoundedTable[int, bool] = BoundedTable(limits.replays)  # hashes of bytes

    def answer(self, protocol: ArrivalHandler, data: bytes) -> bool:
        if type(data) is not bytes or len(data) > self.max_bytes:
            return False
        replay, cut = self._table.get(data), None
        if replay is None or replay.unread:  # (a cut key may equal the bytes of an empty value)
            cut = unread_values(data)
            replay = self._table.get(cut.key) if cut is not None else None
        if replay is None or not self._holds(replay) or not seam.idle(protocol):
            return False
        headers = replay.headers
        if replay.unread:  # the journal shows this request's own values
            if cut is None or cut.names != replay.unread:
                return False
            headers = cut.applied_to(replay.headers, replay.unread_keys)
        transport = protocol.transport
        if transport is None or transport.get_write_buffer_size():  # aiohttp waits for the reader
            return False
        dialect, kept, services = replay.dialect, replay.answered, self.services
        trace = Trace(started=protocol.received_at, dialect=dialect.name, session=replay.session)
        completion = Completion(new_hex_id()[:29], int(time.time()), kept.turn.model, *kept.shaped)
        payload = _payload(replay, completion, trace)
        if payload is None:
            return False
        request_id = dialect.new_request_id(new_hex_id())
        head = prebuilt.head(dialect, request_id, replay.lines, kept.turn.stream, len(payload))
        if head is None:
            return False
        trace.fixture, trace.reply = kept.fixture, kept.reply
        trace.body, trace.raw_body = replay.parsed.decoded, replay.raw_body
        if kept.line is not None:
            settled(ledger.post(services.state, trace, kept.line))
        transport.write(head + payload)
        seam.answered_aside(protocol)
        record = entry(trace, replay.method, replay.path, 200, headers, replay.url, self.capture)
        journal_now(services, record)
        services.metrics.repeated["bytes"] += 1
        return True

    def _holds(self, replay: Replay) -> bool:
        """What answered.py checks before answering again still holds."""
        services = self.services
        return (
            services.state.epoch == replay.answered.key.epoch
            and services.scenarios.limits is None
            and services.memo.get(replay.dialect, replay.path, replay.raw_body) is replay.parsed
        )

    def learn(
        self, request: web.Request, dialect: Dialect, parsed: Parsed, kept: Answered, trace: Trace
    ) -> None:
        """The handler answered `request` again (answered.py): know it by its bytes, if the
        connection's latest read was exactly this request, the second time they come here (a
        gateway's requests, each with its own request id, never come again: one hash each)."""
        protocol = request.protocol
        if not isinstance(protocol, ArrivalHandler) or not self.services.state.immediate:
            return
        data = protocol.last_read
        if len(data) > self.max_bytes:
            return
        cut = unread_values(data)
        key = cut.key if cut is not None else data
        if not (key in self._table or self._seen_before(key)):
            return
        if not _is_exactly(data, request, trace.raw_body):
            return
        unread_keys = _keys_of(request.headers, cut.names) if cut is not None else ()
        if unread_keys is None:
            return
        protocol.at_boundary = True  # the parser took all of it: the next read starts a request
        lines = prebuilt.trace_lines(trace)
        signalled = self._signalled(request, dialect, kept.turn.stream)
        if lines is None or signalled is None:
            return
        self._table.put(
            key,
            Replay(
                dialect,
                parsed,
                kept,
                request.method,
                request.path,
                request.headers,
                request.rel_url,
                trace.raw_body,
                trace.session,
                lines + signalled,
                cut.names if cut is not None else (),
                unread_keys,
            ),
        )

    def _seen_before(self, data: bytes) -> bool:
        sighting = hash(data)  # (a bytes object keeps its hash: the table's lookup reuses it)
        if sighting in self._sightings:
            return True
        self._sightings.put(sighting, True)
        return False

    def _signalled(self, request: web.Request, dialect: Dialect, streamed: bool) -> bytes | None:
        """What the app's on_response_prepare handlers set on every answer, or None if one of
        them is not known to set the same headers every time."""
        handlers = list(request.app.on_response_prepare)
        if any(handler not in self.steady for handler in handlers):
            return None
        scratch = web.StreamResponse()
        for handler in handlers:
            settled(handler(request, scratch))  # type: ignore[arg-type]  # steady ones never wait
        return prebuilt.signalled_lines(dialect, streamed, scratch.headers)


REPLAYS = web.AppKey("mocksrv.replays", Replays)


@dataclasses.dataclass(frozen=True, slots=True)
class Cut:
    """A request's bytes with the values of its unread headers cut out, and those values."""

    key: bytes
    names: tuple[bytes, ...]  # lowered, in order
    values: tuple[bytes, ...]

    def applied_to(self, headers: CIMultiDictProxy[str], keys: tuple[str, ...]) -> CIMultiDictProxy[str]:
        """The learned request's headers (`keys`: the unread ones' names there) with this
        request's values, decoded as aiohttp decodes them."""
        mine = CIMultiDict(headers)
        for key, value in zip(keys, self.values, strict=True):
            mine[key] = value.rstrip(b" \t").decode("utf-8", "surrogateescape")
        return CIMultiDictProxy(mine)


def _keys_of(headers: CIMultiDictProxy[str], names: tuple[bytes, ...]) -> tuple[str, ...] | None:
    """How aiohttp named these (lowered) headers, which the journal shows; None: one is not there."""
    named = {key.lower(): key for key in headers}
    keys = tuple(named.get(name.decode(), "") for name in names)
    return keys if all(keys) else None


def unread_values(data: bytes) -> Cut | None:
    """`data` with its unread headers' values cut out; None: it has none (or one twice)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = list(_UNREAD_LINE.finditer(data[: end + 2].lower()))
    names = tuple(line.group(1) for line in lines)
    if not lines or len(set(names)) < len(names):
        return None
    pieces, values, start = [], [], 0
    for line in lines:
        pieces.append(data[start : line.start(2)])
        values.append(data[line.start(2) : line.end(2)])
        start = line.end(2)
    pieces.append(data[start:])
    return Cut(b"".join(pieces), names, tuple(values))


def _payload(replay: Replay, completion: Completion, trace: Trace) -> bytes | None:
    """What follows the head: the JSON body, or the whole stream and its end in one chunk (as
    aiohttp frames a stream written in one go); the trace notes it as the handler would. None:
    a stream without a template (rendered.py), which the handler writes event by event."""
    renders, dialect, turn = replay.parsed.renders, replay.dialect, replay.answered.turn
    if not turn.stream:
        raw = rendered.body(renders, dialect, completion, turn)
        if raw is None:  # no template for this dialect's body: rendered as write_answer does
            trace.response_body = dialect.render(completion, turn)
            raw = dialect.encode_body(trace.response_body)
        trace.response_raw = raw
        return raw
    ahead = rendered.stream(renders, dialect, completion, turn)
    if ahead is None:
        return None
    trace.first_byte = time.perf_counter()
    trace.stream = StreamOutcome(len(ahead), sent=ahead[:EVENTS_LOGGED], times=[trace.first_byte])
    trace.events = len(ahead)
    trace.ended_by = trace.stream.ended_by
    return b"%x\r\n%b\r\n0\r\n\r\n" % (len(ahead.joined), ahead.joined)


def _is_exactly(data: bytes, request: web.Request, body: bytes) -> bool:
    """`data` is this one keep-alive HTTP/1.1 request (head rebuilt from what aiohttp parsed)."""
    if request.version != HttpVersion11 or not request.keep_alive or "Expect" in request.headers:
        return False
    if request.content_length != len(body) or not data.endswith(body):  # (not chunked)
        return False
    line = f"{request.method} {request.raw_path} HTTP/1.1\r\n".encode()
    headers = b"".join(name + b": " + value + b"\r\n" for name, value in request.raw_headers)
    head = line + headers + b"\r\n"
    return len(data) == len(head) + len(body) and data.startswith(head)
