"""The one SSE writer: pacing, keep-alives and stream faults for every dialect's events.

Framing (event names, line endings, terminal markers) arrives inside the events; nothing here
knows which provider it is writing for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from . import timing
from .faults import StreamFaults
from .model import SSEEvent
from .timing import Pacer


@dataclass
class StreamOutcome:
    events: int = 0  # events written
    ended_by: str = "complete"  # complete | disconnect | truncate | error
    # For the journal: (event name, data) as written (the first LOG_LIMIT) and perf_counter
    # write times; one time for all of them when the whole stream went out in one write.
    # Plain tuples of strings: the garbage collector stops tracking them (short GC pauses).
    sent: Sequence[tuple[str | None, str]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def log(self, event: SSEEvent) -> None:
        if len(self.sent) < LOG_LIMIT:
            self.sent.append((event.event, event.data))  # type: ignore[attr-defined]
            self.times.append(time.perf_counter())


LOG_LIMIT = 200


def malformed(event: SSEEvent) -> SSEEvent:
    """The event with its payload cut in half: still framed, no longer valid JSON. A binary-framed
    event gets one byte flipped in its middle instead: its checksum no longer matches."""
    if event.raw is not None:
        middle = len(event.raw) // 2
        flipped = event.raw[:middle] + bytes([event.raw[middle] ^ 0xFF]) + event.raw[middle + 1 :]
        return SSEEvent(event.data, event.event, raw=flipped)
    broken = event.data[: max(1, len(event.data) // 2)] if event.data.startswith("{") else "{" + event.data
    return SSEEvent(broken, event.event, event.eol)


async def write_events(
    response: web.StreamResponse,
    events: Iterable[SSEEvent],
    pacer: Pacer | None,
    faults: StreamFaults | None,
    error_event: SSEEvent | None,
    keepalive: bytes,
    abort: Callable[[], None],
    on_first_write: Callable[[], None] | None = None,
    outcome: StreamOutcome | None = None,
) -> StreamOutcome:
    """Write the events; `outcome` (given by a caller that wants it even on disconnect) fills as it goes."""
    outcome = StreamOutcome() if outcome is None else outcome
    joined = getattr(events, "joined", None)  # a stream from rendered.py: bytes cut into events
    if faults is None and joined is not None:
        outcome.sent = events[:LOG_LIMIT]  # its own (name, data) view, read when the journal is
        if on_first_write:
            on_first_write()
        if pacer is None:  # nothing to time: the whole stream, and its end, in one write
            outcome.times = [time.perf_counter()]
            await response.write_eof(joined)
            outcome.events = len(events)
        elif pacer.latency.stall_after is None:
            await _write_on_wheel(response, joined, events.cuts, pacer, outcome)
        else:
            await _write_cuts(response, joined, events.cuts, pacer, keepalive, outcome)
        return outcome
    if pacer is None and faults is None:
        # Nothing to time or break: one write for the whole stream.
        if on_first_write:
            on_first_write()
        events = events if isinstance(events, Sequence) else list(events)
        outcome.sent = [(e.event, e.data) for e in events[:LOG_LIMIT]]
        outcome.times = [time.perf_counter()]
        await response.write_eof(b"".join(e.encode() for e in events))
        outcome.events = len(events)
        return outcome
    for position, event in enumerate(events):
        if faults is not None and (
            ending := await _fault_at(position, faults, response, error_event, abort, outcome)
        ):
            outcome.ended_by = ending
            outcome.events = position + (ending == "error")
            return outcome
        if pacer is not None and event.content:
            await pacer.before_content()
        if faults is not None and faults.malformed_after == position:
            event = malformed(event)
        if on_first_write and position == 0:
            on_first_write()
        outcome.log(event)
        await response.write(event.encode())
        outcome.events = position + 1
        if pacer is not None and pacer.stalls_after(position + 1):
            await _stall(response, pacer, keepalive)
    return outcome


async def _write_cuts(
    response: web.StreamResponse,
    joined: bytes,
    cuts: Sequence[tuple[int, bool]],
    pacer: Pacer,
    keepalive: bytes,
    outcome: StreamOutcome,
) -> None:
    """A pre-rendered stream, paced: each event a slice of the joined bytes, written when due."""
    view, start = memoryview(joined), 0
    for position, (end, content) in enumerate(cuts):
        if content:
            await pacer.before_content()
        await response.write(view[start:end])
        start = end
        if position < LOG_LIMIT:
            outcome.times.append(time.perf_counter())
        outcome.events = position + 1
        if pacer.stalls_after(position + 1):
            await _stall(response, pacer, keepalive)


async def _write_on_wheel(
    response: web.StreamResponse,
    joined: bytes,
    cuts: Sequence[tuple[int, bool]],
    pacer: Pacer,
    outcome: StreamOutcome,
) -> None:
    """A pre-rendered paced stream: what comes before the first content event now, the rest from
    the loop's wheel (timing.py) as it falls due; this task sleeps until the last event is out."""
    first = next((i for i, (_, content) in enumerate(cuts) if content), len(cuts))
    writer = response._payload_writer  # the wheel writes to its transport directly
    assert writer is not None
    view, offset = memoryview(joined), cuts[first - 1][0] if first else 0
    await response.write(view[:offset])  # with the headers, which the writer buffered until now
    writer.send_headers()  # (when there was nothing before the first content event)
    _logged(outcome, 0, first)
    if first == len(cuts):
        return
    done = asyncio.get_running_loop().create_future()
    step = _WheelStream(writer, view, cuts, first, offset, pacer, outcome, done)
    timing.wheel().add(pacer.due(), step, first=True)
    if await done == "disconnect":
        raise ConnectionResetError("the client closed the connection")


class _WheelStream:
    """One stream's step on the wheel: the due content event and the events up to the next one."""

    __slots__ = (
        "cuts",
        "done",
        "framed",
        "index",
        "offset",
        "outcome",
        "pacer",
        "transport",
        "view",
        "writer",
    )

    def __init__(
        self,
        writer: AbstractStreamWriter,
        view: memoryview,
        cuts: Sequence[tuple[int, bool]],
        index: int,
        offset: int,
        pacer: Pacer,
        outcome: StreamOutcome,
        done: asyncio.Future[str],
    ):
        self.writer, self.view, self.cuts, self.index, self.offset = writer, view, cuts, index, offset
        self.pacer, self.outcome, self.done = pacer, outcome, done
        self.transport = writer.transport  # the connection's: closing, never replaced
        self.framed = writer.chunked  # type: ignore[attr-defined]

    def __call__(self) -> float | None:
        if self.done.done():  # the handler was cancelled: nothing more to write
            return None
        transport = self.transport
        if transport is None or transport.is_closing():
            self.done.set_result("disconnect")
            return None
        start, cuts = self.index, self.cuts
        end = start + 1
        while end < len(cuts) and not cuts[end][1]:
            end += 1
        last = end == len(cuts)
        chunk = self.view[self.offset : cuts[end - 1][0]]
        try:
            if not self.framed:
                transport.write(chunk)
            elif last:  # the stream's end marker in the same write as its last events
                transport.write(b"%x\r\n%b\r\n0\r\n\r\n" % (len(chunk), chunk))
                self.writer._eof = True  # type: ignore[attr-defined]  # (its write_eof: nothing left)
            else:
                transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        except Exception as exc:  # the handler's task raises it (the wheel goes on with the rest)
            self.done.set_exception(exc)
            return None
        _logged(self.outcome, start, end)
        self.index, self.offset = end, cuts[end - 1][0]
        if last:
            self.done.set_result("complete")
            return None
        return self.pacer.advance_due()


def _logged(outcome: StreamOutcome, start: int, end: int) -> None:
    """Events start..end-1 went out now."""
    if start < LOG_LIMIT:
        now = time.perf_counter()
        if end - start == 1:
            outcome.times.append(now)
        else:
            outcome.times.extend([now] * (min(end, LOG_LIMIT) - start))
    outcome.events = end


async def _fault_at(
    position: int,
    faults: StreamFaults,
    response: web.StreamResponse,
    error_event: SSEEvent | None,
    abort: Callable[[], None],
    outcome: StreamOutcome,
) -> str | None:
    if faults.disconnect_after == position:
        abort()
        return "disconnect"
    if faults.truncate_after == position:
        return "truncate"
    if faults.error_after == position and error_event is not None:
        outcome.log(error_event)
        await response.write(error_event.encode())
        return "error"
    return None


async def _stall(response: web.StreamResponse, pacer: Pacer, keepalive: bytes) -> None:
    loop = asyncio.get_running_loop()
    stall = pacer.latency.stall_ms / 1000
    interval = max(pacer.latency.keepalive_ms, 10) / 1000
    end = loop.time() + stall
    while (left := end - loop.time()) > 0:
        await asyncio.sleep(min(interval, left))
        if keepalive and end - loop.time() > 0:  # a framing with no keep-alive just waits
            await response.write(keepalive)
    pacer.add_stall(stall)
