"""The one SSE writer: pacing, keep-alives and stream faults for every dialect's events.

Framing (event names, line endings, terminal markers) arrives inside the events; nothing here
knows which provider it is writing for. A fault-free stream rendered ahead (fast/rendered.py)
is written by fast/streamed.py instead, with the same pacing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from .config import EVENTS_LOGGED
from .faults import StreamFaults
from .model import SSEEvent
from .timing import Pacer


@dataclass
class StreamOutcome:
    events: int = 0  # events written
    ended_by: str = "complete"  # complete | disconnect | truncate | error
    # For the journal: (event name, data) as written (the first EVENTS_LOGGED) and perf_counter
    # write times; one time for all of them when the whole stream went out in one write.
    # Plain tuples of strings: the garbage collector stops tracking them (short GC pauses).
    sent: Sequence[tuple[str | None, str]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def log(self, event: SSEEvent) -> None:
        if len(self.sent) < EVENTS_LOGGED:
            self.sent.append((event.event, event.data))  # type: ignore[attr-defined]
            self.times.append(time.perf_counter())


def malformed(event: SSEEvent) -> SSEEvent:
    """The event with its payload cut in half: still framed, no longer valid JSON. A binary-framed
    event gets one byte flipped in its middle instead: its checksum no longer matches."""
    if event.raw is not None:
        middle = len(event.raw) // 2
        flipped = event.raw[:middle] + bytes([event.raw[middle] ^ 0xFF]) + event.raw[middle + 1 :]
        return SSEEvent(event.data, event.event, raw=flipped)
    broken = event.data[: max(1, len(event.data) // 2)] if event.data.startswith("{") else "{" + event.data
    return SSEEvent(broken, event.event, event.eol, bare=event.bare)


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
    if pacer is None and faults is None:
        # Nothing to time or break: one write for the whole stream.
        if on_first_write:
            on_first_write()
        events = events if isinstance(events, Sequence) else list(events)
        outcome.sent = [(e.event, e.data) for e in events[:EVENTS_LOGGED]]
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
            await stall(response, pacer, keepalive)
    return outcome


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


async def stall(response: web.StreamResponse, pacer: Pacer, keepalive: bytes) -> None:
    loop = asyncio.get_running_loop()
    stall = pacer.latency.stall_ms / 1000
    interval = max(pacer.latency.keepalive_ms, 10) / 1000
    end = loop.time() + stall
    while (left := end - loop.time()) > 0:
        await asyncio.sleep(min(interval, left))
        if keepalive and end - loop.time() > 0:  # a framing with no keep-alive just waits
            await response.write(keepalive)
    pacer.add_stall(stall)
