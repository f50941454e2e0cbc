"""The timing wheel's alarm (fast/alarm.py): a timerfd on Linux, the loop's own timers elsewhere.

Both must run every step on its deadline, in deadline order, never more than the wheel's slack
early, move the alarm forward when an earlier step arrives, and leave no descriptor behind when
their loop is gone. How precisely they fire is for `make bench` to measure, not a test.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time

import pytest

from mocksrv.fast import alarm
from mocksrv.fast import wheel as timing

ALARMS = ["timerfd", "loop timers"]


@pytest.fixture(params=ALARMS)
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "timerfd" and not sys.platform.startswith("linux"):
        pytest.skip("timerfd is Linux's")
    if request.param == "loop timers":
        monkeypatch.setattr(alarm, "_LIBC", None)
    return request.param


def run_steps(deadlines_ms: list[float], repeats: int = 1) -> list[tuple[int, float, float]]:
    """Add one step per deadline (ms from now), each running `repeats` times 3 ms apart;
    what ran: (step, due, ran at)."""
    ran: list[tuple[int, float, float]] = []

    def step_for(i: int, due: float):
        left = [repeats]

        def step() -> float | None:
            nonlocal due
            ran.append((i, due, time.perf_counter()))
            left[0] -= 1
            if not left[0]:
                return None
            due += 0.003
            return due

        return step

    async def run() -> None:
        wheel, now = timing.wheel(), time.perf_counter()
        for i, ms in enumerate(deadlines_ms):
            wheel.add(now + ms / 1000, step_for(i, now + ms / 1000))
        while len(ran) < len(deadlines_ms) * repeats:
            await asyncio.sleep(0.005)

    asyncio.run(asyncio.wait_for(run(), 10))
    return ran


def test_steps_run_in_deadline_order_and_never_early(kind: str):
    deadlines = [30.0, 5.0, 60.0, 12.0, 45.0, 0.0, -10.0, 20.0]
    ran = run_steps(deadlines, repeats=4)
    assert len(ran) == len(deadlines) * 4
    assert all(at >= due - timing.SLACK_S for _, due, at in ran)
    order = list(dict.fromkeys(i for i, _, _ in ran))  # each step's first run, in the order they ran
    assert order == sorted(range(len(deadlines)), key=lambda i: deadlines[i])


def test_an_earlier_step_brings_the_alarm_forward(kind: str):
    """The alarm is set for a step 400 ms away; a step due in 5 ms must not wait for it."""
    ran: list[str] = []

    async def run() -> None:
        wheel, now = timing.wheel(), time.perf_counter()
        wheel.add(now + 0.4, lambda: ran.append("late") and None)
        await asyncio.sleep(0)
        wheel.add(now + 0.005, lambda: ran.append("soon") and None)
        while "soon" not in ran:
            await asyncio.sleep(0.001)
        ran.append(f"{time.perf_counter() - now:.3f}")
        while "late" not in ran:
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(run(), 10))
    assert ran[0] == "soon" and ran[2] == "late"
    assert float(ran[1]) < 0.3  # long before the 400 ms step


def test_no_descriptor_is_left_when_loops_go(kind: str):
    """Each loop's wheel has its own alarm; a test suite runs hundreds of servers, each on a loop."""

    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0

    run_steps([1.0])
    gc.collect()
    before = open_descriptors()
    for _ in range(20):
        run_steps([1.0, 2.0])
    gc.collect()
    assert open_descriptors() <= before
