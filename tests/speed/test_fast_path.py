"""The fast path (front.py's route index, prebuilt.py's header blocks) answers exactly as
aiohttp's own machinery does: the same headers, framing and keep-alive behaviour, on every
dialect, streamed or not, HTTP/1.1 or 1.0."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import socket
import time
from datetime import datetime

import aiohttp
import pytest
import rawhttp
from aiohttp import web
from corpus import KEY, targets

from mocksrv.app import create_app
from mocksrv.config import ServerConfig
from mocksrv.fast import prebuilt
from mocksrv.fast import wheel as timing
from mocksrv.testing import MockServer

GENERATION = [
    t for t in targets() if t.route.method == "POST" and t.route.operation in ("generate", "count_tokens")
]
# (route, streamed): a route that decides streaming itself (Gemini's) only in its own mode.
CASES = [(t, s) for t in GENERATION for s in (False, True) if t.route.stream in (None, s)]
MASKED = {
    "date",
    "x-request-id",
    "request-id",
    "apim-request-id",
    "x-amzn-requestid",
    "x-mocksrv-worker",
}  # differ between any two answers


def exchange(live: MockServer, target, stream: bool, version: str = "1.1") -> tuple[str, list, bytes]:
    """(status line, [(name, value)], body) of one request over a fresh socket, read to close."""
    body = dict(target.good)
    path = target.path
    if target.route.stream is None:
        body["stream"] = stream  # said either way: Ollama streams when it is left out
    if target.route.stream:
        path += "?alt=sse"
    payload = json.dumps(body).encode()
    headers = {**target.auth(), "Content-Type": "application/json", "Content-Length": str(len(payload))}
    headers["Connection"] = "close"
    lines = [
        f"POST {path} HTTP/{version}",
        f"Host: 127.0.0.1:{live.port}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    status, *header_lines = head.decode().split("\r\n")
    return status, [tuple(line.split(": ", 1)) for line in header_lines], rest


def normalized(headers: list) -> list:
    """Values that differ between any two answers masked (rate-limit resets tell the second)."""
    return sorted(
        (name, "*" if name.lower() in MASKED or name.endswith("-reset") else value) for name, value in headers
    )


def aiohttp_built(monkeypatch) -> None:
    """From now on, answers carry headers built by aiohttp (the path without prebuilt blocks)."""
    monkeypatch.setattr(prebuilt, "_block", lambda dialect, streamed: None)


@pytest.mark.parametrize(
    ("target", "stream"), CASES, ids=[f"{t.label}-{'sse' if s else 'json'}" for t, s in CASES]
)
def test_prebuilt_headers_equal_aiohttps(server, monkeypatch, target, stream):
    fast = exchange(server, target, stream)
    aiohttp_built(monkeypatch)
    slow = exchange(server, target, stream)
    assert fast[0] == slow[0] == "HTTP/1.1 200 OK"
    assert normalized(fast[1]) == normalized(slow[1])
    names = [name.lower() for name, _ in fast[1]]
    assert len(names) == len(set(names))  # nothing sent twice
    assert "x-mocksrv-worker" in names and "date" in names
    framing = "transfer-encoding" if stream else "content-length"
    assert framing in names


@pytest.mark.parametrize(
    "target", [t for t in GENERATION if t.route.stream is None][:3], ids=lambda t: t.label
)
def test_http10_stream_ends_with_the_connection(server, target):
    """HTTP/1.0 has no chunked encoding: the stream is sent as is and the connection closes."""
    status, headers, body = exchange(server, target, True, version="1.0")
    names = {name.lower() for name, _ in headers}
    assert status.endswith("200 OK") and "transfer-encoding" not in names
    assert body.startswith((b"data: ", b"event: ")) and body.endswith(b"\n\n")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_http10_client_gets_an_http10_status_line(server, monkeypatch, stream):
    """aiohttp answers in the request's HTTP version; so does the prebuilt header block."""
    target = next(t for t in GENERATION if t.dialect.name == "openai")
    fast = exchange(server, target, stream, version="1.0")
    aiohttp_built(monkeypatch)
    slow = exchange(server, target, stream, version="1.0")
    assert fast[0] == slow[0] == "HTTP/1.0 200 OK"
    assert normalized(fast[1]) == normalized(slow[1])


async def _tag(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Tagged"] = request.path
    response.headers["Server"] = "tagger/1"  # replaces a header the prebuilt block carries


async def _raw_exchange(port: int, target, stream: bool) -> bytes:
    payload = json.dumps({**target.good, "stream": stream}).encode()
    head = "".join(
        f"{k}: {v}\r\n"
        for k, v in {**target.auth(), "Content-Type": "application/json", "Connection": "close"}.items()
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {target.path} HTTP/1.1\r\nHost: x\r\n{head}Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    received = await reader.read()
    writer.close()
    return received.partition(b"\r\n\r\n")[0]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_on_response_prepare_handlers_run_on_every_answer(stream):
    """An app's on_response_prepare handlers see fast-path answers too, and what they set wins."""
    target = next(t for t in GENERATION if t.dialect.name == "openai")

    async def run() -> bytes:
        app = create_app(ServerConfig(port=0))
        app.on_response_prepare.append(_tag)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            return await _raw_exchange(runner.addresses[0][1], target, stream)
        finally:
            await runner.cleanup()

    head = asyncio.run(run()).decode().lower().split("\r\n")
    assert head[0] == "http/1.1 200 ok"
    names = [line.split(": ", 1)[0] for line in head[1:]]
    assert f"x-tagged: {target.path}" in head and "server: tagger/1" in head
    assert names.count("server") == 1 and names.count("x-mocksrv-worker") == 1


def test_time_telling_headers_are_fresh(server):
    """A block is rebuilt every second: Anthropic's rate-limit reset stays about a second ahead."""
    target = next(t for t in GENERATION if t.dialect.name == "anthropic")
    exchange(server, target, False)
    time.sleep(2.2)
    headers = dict(exchange(server, target, False)[1])
    reset = datetime.fromisoformat(headers["anthropic-ratelimit-requests-reset"].replace("Z", "+00:00"))
    assert abs(reset.timestamp() - time.time()) < 3


def test_request_ids_are_fresh_per_answer(server):
    target = next(t for t in GENERATION if t.dialect.name == "openai")
    ids = {dict(exchange(server, target, stream)[1])["x-request-id"] for stream in (False, True, False)}
    assert len(ids) == 3 and all(re.fullmatch(r"req_[0-9a-f]{32}", i) for i in ids)


def test_indexed_routes_keep_aiohttps_404_and_405(server):
    """Only exact method + path pairs take the index; everything else gets the router's answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 405 ")
    assert json.loads(received.partition(b"\r\n\r\n")[2])["error"]["type"] == "invalid_request_error"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /openai/v1/chat/completions/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Authorization: Bearer " + KEY.encode() + b"\r\nContent-Length: 2\r\n\r\n{}"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 404 ")


def test_many_paced_streams_keep_their_schedule(make_server):
    """Paced streams share one timer (fast/wheel.py): 40 at once, each event on its own deadline,
    as the journal's per-event times show, and every stream complete."""
    live = make_server()
    scenario = {"name": "wheel", "latency": {"ttft_ms": 200, "token_ms": 20}}
    assert rawhttp.post(live.url + "/_mock/scenarios", json={"scenarios": [scenario]}).status == 201
    body = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "Tell me more"}]}

    async def one(session: aiohttp.ClientSession, i: int) -> bytes:
        headers = {"Authorization": "Bearer sk-wheel", "X-Mock-Scenario": "wheel", "X-Mock-Session": f"w{i}"}
        async with session.post(
            live.base_url() + "/chat/completions", json=body, headers=headers
        ) as response:
            return await response.read()

    async def crowd() -> list[bytes]:
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(one(session, i) for i in range(40)))

    answers = asyncio.run(crowd())
    assert all(a.endswith(b"data: [DONE]\n\n") for a in answers)
    entries = [e for e in live.call(live.services.state.journal_entries()) if e["scenario"] == "wheel"]
    assert len(entries) == 40 and {e["ended_by"] for e in entries} == {"complete"}
    for entry in entries:
        times = [e["t_ms"] for e in entry["response"]["events"] if '"content":"' in e["data"]]
        # The script's deadlines are absolute: event k is due at 200 + 20k ms. Never early (a
        # timer may fire within a millisecond of its due time); late only by what a busy test
        # process adds, and a late stream catches up (the benchmark measures precision).
        content = times[1:]  # times[0] is the role chunk
        assert len(content) > 2
        assert all(t >= 198 + 20 * k for k, t in enumerate(content))
        assert content[-1] <= 200 + 20 * (len(content) - 1) + 600


def test_the_wheel_lets_the_loop_poll_between_batches():
    """Steps that fall due together do not hold the loop for all of them at once: after
    timing.BUDGET_S the rest run after the loop's next poll, so new requests get their turn."""
    order: list[object] = []

    def busy_step(i: int):
        def step() -> None:
            began = time.perf_counter()
            while time.perf_counter() - began < 0.0002:  # 200 µs of work each: 40 ms in all
                pass
            if i == 0:  # what a socket read would be: queued while the wheel runs
                asyncio.get_running_loop().call_soon(order.append, "other")
            order.append(i)

        return step

    async def run() -> None:
        wheel, due = timing.wheel(), time.perf_counter()
        for i in range(200):
            wheel.add(due, busy_step(i))
        while len(order) < 201:
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(run(), 10))
    steps = [o for o in order if o != "other"]
    assert steps == list(range(200))  # deadline (then insertion) order, every step once
    assert order.index("other") < 100  # not after the whole batch


def test_paced_streams_end_cleanly_on_a_kept_alive_connection(make_server):
    """The wheel sends the end-of-body chunk with the last events: exactly once, so the next
    request on the same connection is answered as usual."""
    live = make_server()
    scenario = {"name": "wheel-keepalive", "latency": {"ttft_ms": 20, "token_ms": 2}}
    assert rawhttp.post(live.url + "/_mock/scenarios", json={"scenarios": [scenario]}).status == 201
    target = next(t for t in GENERATION if t.dialect.name == "openai")
    body = json.dumps({**target.good, "stream": True})
    headers = {"Authorization": f"Bearer {KEY}", "X-Mock-Scenario": "wheel-keepalive"}
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        streams = []
        for _ in range(3):
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
            streams.append(response.read())
        assert all(s.endswith(b"data: [DONE]\n\n") for s in streams)
        assert connection.sock is not None  # still the same connection
    finally:
        connection.close()


def test_http10_paced_stream_from_the_wheel(make_server):
    """The wheel writes unchunked bytes to an HTTP/1.0 client, and the stream ends with the connection."""
    live = make_server()
    scenario = {"name": "wheel10", "latency": {"ttft_ms": 50, "token_ms": 5}}
    assert rawhttp.post(live.url + "/_mock/scenarios", json={"scenarios": [scenario]}).status == 201
    target = next(t for t in GENERATION if t.dialect.name == "openai")
    body = json.dumps({**target.good, "stream": True}).encode()
    head = (
        f"POST {target.path} HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        f"X-Mock-Scenario: wheel10\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    headers, _, stream = received.partition(b"\r\n\r\n")
    assert headers.startswith(b"HTTP/1.0 200 OK") and b"chunked" not in headers.lower()
    events = stream.split(b"\n\n")[:-1]
    assert events[-1] == b"data: [DONE]" and all(e.startswith(b"data: {") for e in events[:-1])
    entry = live.call(live.services.state.journal_entries())[-1]
    assert entry["ended_by"] == "complete" and entry["events"] == len(events)


def test_a_request_waiting_for_its_turn_counts_from_its_arrival(make_server):
    """Two requests pipelined on one connection arrive together; aiohttp answers the second
    only after the first (a scripted 400 ms). The second's script and journal count from its
    arrival (arrival.py): it is logged as arriving with the first, its first byte 400 ms after
    that, and its time to first token (100 ms) is long past, so its content follows at once."""
    live = make_server()
    scenarios = [
        {"name": "slow-turn", "latency": {"ttft_ms": 400}},
        {"name": "quick-turn", "latency": {"ttft_ms": 100, "token_ms": 1}},
    ]
    assert rawhttp.post(live.url + "/_mock/scenarios", json={"scenarios": scenarios}).status == 201
    target = next(t for t in GENERATION if t.dialect.name == "openai")

    def request(scenario: str, stream: bool) -> bytes:
        body = json.dumps({**target.good, "stream": stream}).encode()
        return (
            f"POST {target.path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"X-Mock-Scenario: {scenario}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        sock.sendall(request("slow-turn", False) + request("quick-turn", True))
        received = b""
        while not received.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n"):  # the second's last chunk
            received += sock.recv(65536)
    assert received.count(b"HTTP/1.1 200 OK") == 2
    entries = live.call(live.services.state.journal_entries())
    by_scenario = {e["scenario"]: e for e in entries}
    first, second = by_scenario["slow-turn"], by_scenario["quick-turn"]
    assert first["duration_ms"] >= 399
    assert abs(second["time"] - first["time"]) < 0.1  # read together, not 400 ms apart
    assert second["ttfb_ms"] >= 390  # it waited for the first answer
    events = second["response"]["events"]
    content = [e["t_ms"] for e in events if '"content":"' in e["data"]]
    # the 100 ms had passed when its turn came: the first content goes out with the first byte
    assert content and content[0] - events[0]["t_ms"] < 50


def test_a_streams_first_step_goes_before_other_due_steps():
    """When the wheel falls behind (here 100 steps of 200 µs are due at once), a stream's first
    step (its first content event) runs before the later steps of streams already under way,
    even those due earlier: the time to first token stays on the script."""
    order: list[str] = []

    def busy(name: str):
        def step() -> None:
            began = time.perf_counter()
            while time.perf_counter() - began < 0.0002:
                pass
            order.append(name)

        return step

    async def run() -> None:
        wheel, now = timing.wheel(), asyncio.get_running_loop().time()
        for i in range(100):
            wheel.add(now - 0.001, busy(f"later-{i}"))
        wheel.add(now, busy("first"), first=True)
        while len(order) < 101:
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(run(), 10))
    assert order[0] == "first"
    assert order[1:] == [f"later-{i}" for i in range(100)]  # the rest in deadline order
