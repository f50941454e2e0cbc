"""The one SSE writer: pacing, keep-alives and stream faults for every dialect's events.

Framing (event names, line endings, terminal markers) arrives inside the events; nothing here
knows which provider it is writing for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from .faults import StreamFaults
from .model import SSEEvent
from .timing import Pacer


@dataclass
class StreamOutcome:
    events: int = 0  # events written
    ended_by: str = "complete"  # complete | disconnect | truncate | error


def malformed(event: SSEEvent) -> bytes:
    """The event with its payload cut in half: still framed, no longer valid JSON."""
    broken = event.data[: max(1, len(event.data) // 2)] if event.data.startswith("{") else "{" + event.data
    return SSEEvent(broken, event.event, event.eol).encode()


async def write_events(
    response: web.StreamResponse,
    events: Sequence[SSEEvent],
    pacer: Pacer | None,
    faults: StreamFaults | None,
    error_event: SSEEvent | None,
    keepalive: bytes,
    abort: Callable[[], None],
    on_first_write: Callable[[], None] | None = None,
) -> StreamOutcome:
    outcome = StreamOutcome()
    if pacer is None and faults is None:
        # Nothing to time or break: one write for the whole stream.
        if on_first_write:
            on_first_write()
        await response.write(b"".join(e.encode() for e in events))
        outcome.events = len(events)
        return outcome
    for position, event in enumerate(events):
        if faults is not None and (ending := await _fault_at(position, faults, response, error_event, abort)):
            outcome.ended_by = ending
            outcome.events = position + (ending == "error")
            return outcome
        if pacer is not None and event.content:
            await pacer.before_content()
        data = (
            malformed(event) if faults is not None and faults.malformed_after == position else event.encode()
        )
        if on_first_write and position == 0:
            on_first_write()
        await response.write(data)
        outcome.events = position + 1
        if pacer is not None and pacer.stalls_after(position + 1):
            await _stall(response, pacer, keepalive)
    return outcome


async def _fault_at(
    position: int,
    faults: StreamFaults,
    response: web.StreamResponse,
    error_event: SSEEvent | None,
    abort: Callable[[], None],
) -> str | None:
    if faults.disconnect_after == position:
        abort()
        return "disconnect"
    if faults.truncate_after == position:
        return "truncate"
    if faults.error_after == position and error_event is not None:
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
        if end - loop.time() > 0:
            await response.write(keepalive)
    pacer.add_stall(stall)
