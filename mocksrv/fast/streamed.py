"""A stream rendered ahead (rendered.py): written in one go, or paced, as slices of its bytes.

The per-event writer (sse.write_events) encodes and writes one event at a time; a fault-free
stream whose bytes were rendered once for its body needs none of that. Unpaced, the whole
stream and its end go out in one write; paced, each event is a slice written when due, by the
loop's timing wheel (wheel.py) unless the script stalls (then by this task, with keep-alives).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from ..config import EVENTS_LOGGED
from ..sse import StreamOutcome, stall
from ..timing import Pacer
from . import seam
from .rendered import RenderedStream
from .wheel import wheel


async def write_rendered(
    response: web.StreamResponse,
    events: RenderedStream,
    pacer: Pacer | None,
    keepalive: bytes,
    outcome: StreamOutcome,
) -> StreamOutcome:
    """Write a fault-free pre-rendered stream; `outcome` fills as it goes."""
    outcome.sent = events[:EVENTS_LOGGED]  # its own (name, data) view, read when the journal is
    if pacer is None:  # nothing to time: the whole stream, and its end, in one write
        outcome.times = [time.perf_counter()]
        await response.write_eof(events.joined)
        outcome.events = len(events)
    elif pacer.latency.stall_after is None:
        await _write_on_wheel(response, events.joined, events.cuts, pacer, outcome)
    else:
        await _write_cuts(response, events.joined, events.cuts, pacer, keepalive, outcome)
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
        if position < EVENTS_LOGGED:
            outcome.times.append(time.perf_counter())
        outcome.events = position + 1
        if pacer.stalls_after(position + 1):
            await stall(response, pacer, keepalive)


async def _write_on_wheel(
    response: web.StreamResponse,
    joined: bytes,
    cuts: Sequence[tuple[int, bool]],
    pacer: Pacer,
    outcome: StreamOutcome,
) -> None:
    """A pre-rendered paced stream: what comes before the first content event now, the rest from
    the loop's wheel (wheel.py) as it falls due; this task sleeps until the last event is out."""
    first = next((i for i, (_, content) in enumerate(cuts) if content), len(cuts))
    writer = seam.response_writer(response)  # the wheel writes to its transport directly
    view, offset = memoryview(joined), cuts[first - 1][0] if first else 0
    await response.write(view[:offset])  # with the headers, which the writer buffered until now
    writer.send_headers()  # (when there was nothing before the first content event)
    _logged(outcome, 0, first)
    if first == len(cuts):
        return
    done = asyncio.get_running_loop().create_future()
    step = _WheelStream(writer, view, cuts, first, offset, pacer, outcome, done)
    wheel().add(pacer.due(), step, first=True)
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
                transport.write(b"%x\r\n%b\r\n0\r\n\r\n" % (len(chunk), chunk))  # type: ignore[str-format]  # %b takes any buffer
                seam.mark_written_to_end(self.writer)
            else:
                transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))  # type: ignore[str-format]  # %b takes any buffer
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
    if start < EVENTS_LOGGED:
        now = time.perf_counter()
        if end - start == 1:
            outcome.times.append(now)
        else:
            outcome.times.extend([now] * (min(end, EVENTS_LOGGED) - start))
    outcome.events = end
