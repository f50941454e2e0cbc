"""Pacing of streamed events: time to first token, per-token gap, jitter and stalls.

Deadlines are absolute (measured from the request's arrival), so a busy event loop does not
accumulate drift: each content event is due at ttft + k * token_ms (+ seeded jitter). They are
on time.perf_counter()'s clock, where the arrival is noted (fast/arrival.py): the event loop's
own clock counts whole milliseconds under uvloop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
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
        """`started`: the request's arrival (perf_counter); `rng`: the seeded source of jitter
        (needed only when latency.jitter is set)."""
        self.latency = latency
        self.rng = rng
        self._due = started + self._jittered(latency.ttft_ms) / 1000
        self._shift = 0.0  # stalls push every later deadline back

    def _jittered(self, ms: float) -> float:
        if not self.latency.jitter or not ms or self.rng is None:
            return ms
        return max(0.0, ms * (1 + self.rng.uniform(-self.latency.jitter, self.latency.jitter)))

    async def before_content(self) -> None:
        delay = self.due() - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        self.advance()

    def due(self) -> float:
        """When the next content event is due (perf_counter)."""
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
