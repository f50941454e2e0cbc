"""Clients that leave (mid-stream, during a hang, a stall or a slow answer) leak nothing.

The server runs in-process (MockServer thread), so its tasks are counted on its loop and its
sockets in /proc/self/fd; both must return to their baseline once the clients are gone, and
the journal shows each abandoned request ended right away (its timers were cancelled).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Callable

import aiohttp
import pytest
import rawhttp

from mocksrv import config, state
from mocksrv.testing import MockServer

SCENARIOS = [
    {"name": "leak-paced", "latency": {"ttft_ms": 10, "token_ms": 300}},
    {"name": "leak-stall", "latency": {"stall_after": 1, "stall_ms": 20000, "keepalive_ms": 50}},
    {"name": "leak-hang", "fault": "hang", "hang_ms": 20000},
    {"name": "leak-slow", "latency": {"ttft_ms": 20000}},
    {"name": "leak-reset", "fault": "reset"},
]
CLIENTS = 25  # per kind


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def server_tasks(live: MockServer) -> int:
    async def count() -> int:
        return len(asyncio.all_tasks()) - 1  # not this probe

    return live.call(count())


def settle(probe: Callable[[], int], baseline: int, seconds: float = 5) -> int:
    deadline = time.monotonic() + seconds
    while (value := probe()) > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


async def leave_early(url: str, scenario: str, stream: bool, session_id: str) -> None:
    """Start a request, read the first bytes (or nothing), then go away."""
    body = {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "Tell me more"}]}
    headers = {"Authorization": "Bearer sk-leak", "X-Mock-Scenario": scenario, "X-Mock-Session": session_id}
    # Long enough that a request reaches the server even when this (test) process is busy
    # collecting garbage: a client that leaves before its request is read leaves no entry.
    timeout = aiohttp.ClientTimeout(total=1.5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            async with session.post(url, json=body, headers=headers) as response:
                await response.content.readline()  # first event, then hang up
                if stream:
                    return
                await response.read()
        except (TimeoutError, aiohttp.ClientError):
            pass  # the client's own timeout cancelled the request


async def crowd(url: str, scenario: str, stream: bool) -> None:
    await asyncio.gather(*(leave_early(url, scenario, stream, f"{scenario}-{i}") for i in range(CLIENTS)))


@pytest.fixture
def live(make_server) -> MockServer:
    live = make_server()
    assert rawhttp.post(live.url + "/_mock/scenarios", json={"scenarios": SCENARIOS}).status == 201
    asyncio.run(crowd(live.base_url() + "/chat/completions", "leak-paced", True))  # warm-up
    return live


@pytest.mark.parametrize(
    ("scenario", "stream"),
    [
        ("leak-paced", True),
        ("leak-stall", True),
        ("leak-hang", False),
        ("leak-slow", False),
        ("leak-reset", False),
    ],
    ids=["midstream-disconnect", "stall-disconnect", "hang-client-timeout", "slow-client-timeout", "reset"],
)
def test_abandoned_requests_leave_no_tasks_or_fds(live, scenario, stream, caplog):
    time.sleep(0.3)  # the warm-up's connections are gone
    tasks, fds = server_tasks(live), open_fds()
    live.call(live.services.state.journal_clear())
    for _ in range(2):
        asyncio.run(crowd(live.base_url() + "/chat/completions", scenario, stream))
    assert settle(lambda: server_tasks(live), tasks) <= tasks
    assert settle(open_fds, fds) <= fds
    # Each entry is written when its handler has seen the client go (the next write, a timer
    # cancelled): shortly after the client left, not before.
    settle(lambda: 2 * CLIENTS - len(live.call(live.services.state.journal_entries())), 0)
    entries = live.call(live.services.state.journal_entries())
    assert len(entries) == 2 * CLIENTS
    # 20 s of scripted waiting each, yet every request ended when its client left.
    assert max(e["duration_ms"] for e in entries) < 4000
    assert all(e["ended_by"] in ("client_disconnect", "disconnect", "reset") for e in entries), {
        e["ended_by"] for e in entries
    }
    # A client that leaves is routine: no error, no traceback in the server's log.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_memory_store_cursors_are_bounded(monkeypatch):
    """A session per test (a fresh key each time) must not grow the cursor table forever."""
    monkeypatch.setattr(config, "MAX_CURSORS", 10)
    store = state.MemoryStore()

    async def advance_many() -> list[int]:
        for i in range(50):
            await store.advance(f"s{i}")
            await store.advance("busy")  # used all along: never the least recent
        return [await store.advance("busy"), await store.advance("s0")]

    assert asyncio.run(advance_many()) == [50, 0]  # s0 was dropped and starts over
    assert len(store._cursors) == 10


def test_scenario_errors_leave_no_reference_cycles(make_server):
    """A scripted error lives in its plan, a local of the frames in its own traceback: unless
    the handler drops that traceback, every such request waits in memory for a full GC pass
    (with young passes after 200,000 objects, that is tens of MB under fault-heavy traffic)."""
    live = make_server()
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": "Bearer sk-cycles", "X-Mock-Scenario": "err-rate_limit"}
    url = live.base_url() + "/chat/completions"
    assert rawhttp.post(url, json=body, headers=headers).status == 429
    gc.collect()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        for _ in range(10):
            assert rawhttp.post(url, json=body, headers=headers).status == 429
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__name__ == "frame" and "mocksrv" in o.f_code.co_filename]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []
