"""The timing wheel: one timer for every paced stream rendered ahead (streamed.py writes them).

A speed layer: with the fast path off, paced streams are written by their own tasks, event by
event (sse.write_events), on the same schedule.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
import weakref
from collections.abc import Callable

from .alarm import Alarm

log = logging.getLogger("mocksrv")

Step = Callable[[], float | None]  # does what is due now; returns when it is next due, or None: done
# Steps due this close together run in one wake-up (the earliest on time, the others this early
# at most): a thousand streams each write every 40 ms. Without it a first token would often wait
# for a wake-up of its own behind the requests read meanwhile: later, not earlier, on average.
SLACK_S = 0.0005
# At most this long in one callback (checked every BATCH steps), then the rest runs after the
# loop has polled its sockets: with a thousand streams due, new requests are not held back.
BUDGET_S = 0.001
BATCH = 16


class Wheel:
    """One timer for every paced stream of an event loop.

    A thousand paced streams write some 25,000 events a second. With a sleeping task per stream,
    each event costs a timer, a future and a task switch through the handler's coroutines; here
    the due steps run straight from one timer callback, in deadline order, and a stream's task
    sleeps once, until its last event is out.

    A stream's first step (its first content event) is kept apart and runs before the other
    steps that are due: when the core falls behind, the time to first token, which clients
    measure, stays on the script, and the streams already under way absorb the delay.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = weakref.ref(loop)  # the loop's entry in _wheels must not keep it alive
        self._first: list[tuple[float, int, Step]] = []  # streams' first steps
        self._rest: list[tuple[float, int, Step]] = []  # every later step
        self._order = itertools.count()  # ties keep insertion order
        self._alarm = Alarm(loop, self._run)
        self._armed: float | None = None  # the deadline the alarm is set for
        self._resume: asyncio.Handle | None = None  # a run cut short by its budget, continued

    def add(self, due: float, step: Step, first: bool = False) -> None:
        """Run `step` at `due` (time.perf_counter()), then whenever it says it is next due;
        `first`: a stream's first step."""
        heapq.heappush(self._first if first else self._rest, (due, next(self._order), step))
        self._arm()

    def _arm(self) -> None:
        first, rest = self._first, self._rest
        if self._resume is not None or not (first or rest):
            return
        due = min(first[0][0], rest[0][0]) if first and rest else (first or rest)[0][0]
        if self._armed is not None and self._armed <= due:
            return
        self._alarm.set(due)
        self._armed = due

    def _continue(self) -> None:
        self._resume = None
        self._run()

    def _run(self) -> None:
        self._armed = None
        loop = self._loop()
        if loop is None:
            return
        first, rest, now = self._first, self._rest, time.perf_counter()
        stop, ran = now + BUDGET_S, 0
        while True:
            if first and first[0][0] <= now + SLACK_S:
                heap = first
            elif rest and rest[0][0] <= now + SLACK_S:
                heap = rest
            else:
                break
            _, _, step = heapq.heappop(heap)
            try:
                following = step()
            except Exception:  # one broken step must not stop every other stream's clock
                log.exception("a paced step failed; it is dropped")
                following = None
            if following is not None:
                heapq.heappush(rest, (following, next(self._order), step))
            ran += 1
            if ran % BATCH == 0:  # steps that fell due meanwhile join, a first step next
                now = time.perf_counter()
                if now > stop:
                    self._alarm.cancel()
                    self._resume = loop.call_soon(self._continue)  # after a poll
                    return
        self._arm()


_wheels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Wheel] = weakref.WeakKeyDictionary()


def wheel() -> Wheel:
    """The running loop's wheel (tests run several servers, each on its own loop)."""
    loop = asyncio.get_running_loop()
    found = _wheels.get(loop)
    if found is None:
        found = _wheels[loop] = Wheel(loop)
    return found
