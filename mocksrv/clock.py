"""The one mocksrv clock: real time plus an offset that the control API moves.

Prompt-cache TTLs, rate-limit windows, background responses and stored-response retention
read this clock, so a test checks an expiry or a back-off without sleeping
(`POST /_mock/clock {"advance_s": N}`). The offset is a setting in the state store, so every
worker and replica agrees, and `POST /_mock/reset` puts it back to zero. Scripted latency
does not use it: a delay is real time.
"""

from __future__ import annotations

import time

from .state import StateStore

OFFSET_SETTING = "clock:offset_s"
# A test moves time forward by minutes or days, not centuries: bounded so the sum stays exact.
MAX_ADVANCE_S = 10 * 365 * 24 * 3600.0


async def offset(state: StateStore) -> float:
    value = await state.get_setting(OFFSET_SETTING)
    return float(value) if value else 0.0


async def now(state: StateStore) -> float:
    """Seconds since the epoch on the mocksrv clock."""
    return time.time() + await offset(state)


async def advance(state: StateStore, seconds: float) -> float:
    """Move the clock forward (never back: windows and TTLs only run forward); the new offset."""
    if not 0 <= seconds <= MAX_ADVANCE_S:
        raise ValueError(f"advance_s must be between 0 and {MAX_ADVANCE_S:.0f} seconds")
    moved = await offset(state) + seconds
    await state.set_setting(OFFSET_SETTING, repr(moved))
    return moved
