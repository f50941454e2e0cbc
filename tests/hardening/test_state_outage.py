"""A shared state store's outage: each request gets its dialect's overloaded answer, the log gets
one line per interval, and serving recovers by itself when the store returns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import rawhttp
from redis_support import Mocksrv, RedisServer, find_redis_server

KEY = "sk-outage"
HELLO = "Hello!"


def openai(server: Mocksrv) -> rawhttp.RawResponse:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": HELLO}]}
    return rawhttp.post(
        f"{server.url}/openai/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
    )


def anthropic(server: Mocksrv) -> rawhttp.RawResponse:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": HELLO}]}
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    return rawhttp.post(f"{server.url}/anthropic/v1/messages", json=body, headers=headers)


def gemini(server: Mocksrv) -> rawhttp.RawResponse:
    body = {"contents": [{"role": "user", "parts": [{"text": HELLO}]}]}
    path = "/gemini/v1beta/models/gemini-2.5-flash:generateContent"
    return rawhttp.post(f"{server.url}{path}", json=body, headers={"x-goog-api-key": KEY})


@pytest.fixture
def redis_binary() -> str:
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (the Debian package redis-server)")
    return binary


def test_outage_answers_in_each_dialects_envelope_and_recovers(redis_binary, tmp_path: Path):
    store = RedisServer(redis_binary, tmp_path)
    server = Mocksrv(store.url(), tmp_path).start().wait_ready()
    try:
        assert [ask(server).status for ask in (openai, anthropic, gemini)] == [200, 200, 200]
        store.proc.kill()
        store.proc.wait(10)
        for _ in range(20):
            down = openai(server)
            assert down.status == 503 and down.headers["content-type"].startswith("application/json")
            assert down.json()["error"]["type"] == "server_error"
            down = anthropic(server)
            assert down.status == 529
            assert down.json()["type"] == "error" and down.json()["error"]["type"] == "overloaded_error"
            down = gemini(server)
            assert down.status == 503 and down.json()["error"]["status"] == "UNAVAILABLE"

        store = RedisServer(redis_binary, tmp_path, port=store.port)  # back, on the same port
        deadline = time.monotonic() + 10
        while openai(server).status != 200:
            assert time.monotonic() < deadline, "never recovered"
            time.sleep(0.1)
        assert [ask(server).status for ask in (openai, anthropic, gemini)] == [200, 200, 200]
        assert server.control("GET", "/health").status == 200
    finally:
        assert server.stop() == 0
        store.stop()
    log = server.log.read_text()
    assert "Traceback" not in log
    outage_lines = [line for line in log.splitlines() if "state store" in line]
    assert 2 <= len(outage_lines) <= 4, outage_lines  # down, (still down), back: not one per request
    assert "available again" in outage_lines[-1]
