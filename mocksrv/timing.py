"""Pacing of streamed events: time to first token, per-token gap, jitter and stalls.

Deadlines are absolute (measured from the request's arrival), so a busy event loop does not
accumulate drift: each content event is due at ttft + k * token_ms (+ seeded jitter).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("mocksrv")


@dataclass(frozen=True)
class Latency:
    ttft_ms: float = 0.0
    token_ms: float = 0.0
    jitter: float = 0.0  # +/- fraction applied to every gap
    stall_after: int | None = None  # pause after this many events have been written
    stall_ms: float = 0.0
    keepalive_ms: float = 1000.0  # keep-alive cadence during a stall

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None, cap_ms: float) -> Latency | None:
        if not spec:
            return None
        bounded: dict[str, Any] = {
            k: min(float(v), cap_ms) if k.endswith("_ms") else v for k, v in spec.items()
        }
        if "stall_after" in bounded:
            bounded["stall_after"] = int(bounded["stall_after"])
        return cls(**bounded)

    @property
    def paces(self) -> bool:
        return self.ttft_ms > 0 or self.token_ms > 0 or self.stall_ms > 0


class Pacer:
    """Computes when each content event is due; sleeps until then."""

    def __init__(self, latency: Latency, started: float, rng: random.Random | None = None):
        """`rng`: the seeded source of jitter (needed only when latency.jitter is set)."""
        self.latency = latency
        self.rng = rng
        self._due = started + self._jittered(latency.ttft_ms) / 1000
        self._shift = 0.0  # stalls push every later deadline back

    def _jittered(self, ms: float) -> float:
        if not self.latency.jitter or not ms or self.rng is None:
            return ms
        return max(0.0, ms * (1 + self.rng.uniform(-self.latency.jitter, self.latency.jitter)))

    async def before_content(self) -> None:
        delay = self.due() - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)
        self.advance()

    def due(self) -> float:
        """When the next content event is due (loop time)."""
        return self._due + self._shift

    def advance(self) -> None:
        """The next content event went out: the one after it is due a token later."""
        self._due += self._jittered(self.latency.token_ms) / 1000

    def advance_due(self) -> float:
        """advance(), then due(): one call per event for the wheel."""
        self.advance()
        return self._due + self._shift

    def total_ms(self, content_events: int) -> float:
        """How long a non-streamed answer with this many pieces takes."""
        gaps = sum(self._jittered(self.latency.token_ms) for _ in range(content_events))
        return self._jittered(self.latency.ttft_ms) + gaps + self.latency.stall_ms

    def stalls_after(self, written: int) -> bool:
        return self.latency.stall_after is not None and written == self.latency.stall_after

    def add_stall(self, seconds: float) -> None:
        self._shift += seconds


Step = Callable[[], float | None]  # does what is due now; returns when it is next due, or None: done
SLACK_S = 0.0005  # steps due this close together run in one timer callback
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
        self._timer: asyncio.Handle | None = None
        self._timer_due = 0.0

    def add(self, due: float, step: Step, first: bool = False) -> None:
        """Run `step` at `due`, then whenever it says it is next due; `first`: a stream's first step."""
        heapq.heappush(self._first if first else self._rest, (due, next(self._order), step))
        self._arm()

    def _arm(self) -> None:
        first, rest = self._first, self._rest
        if not (first or rest):
            return
        due = min(first[0][0], rest[0][0]) if first and rest else (first or rest)[0][0]
        if self._timer is not None and self._timer_due <= due:
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = self._loop()
        if loop is not None:
            self._timer, self._timer_due = loop.call_at(due, self._run), due

    def _run(self) -> None:
        self._timer = None
        loop = self._loop()
        if loop is None:
            return
        first, rest, now = self._first, self._rest, loop.time()
        horizon, stop, ran = now + SLACK_S, now + BUDGET_S, 0
        while True:
            if first and first[0][0] <= horizon:
                heap = first
            elif rest and rest[0][0] <= horizon:
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
            if ran % BATCH == 0:
                now = loop.time()
                if now > stop:
                    self._timer, self._timer_due = loop.call_soon(self._run), now  # after a poll
                    return
                horizon = now + SLACK_S  # steps that fell due meanwhile join, a first step next
        self._arm()


_wheels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Wheel] = weakref.WeakKeyDictionary()


def wheel() -> Wheel:
    """The running loop's wheel (tests run several servers, each on its own loop)."""
    loop = asyncio.get_running_loop()
    found = _wheels.get(loop)
    if found is None:
        found = _wheels[loop] = Wheel(loop)
    return found
