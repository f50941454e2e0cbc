"""SIGTERM/SIGINT: stop accepting, let in-flight streams finish within the grace, exit 0."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ports import free_port, wait_for

WORDS = " ".join(f"word{i}" for i in range(12))
MANY_WORDS = " ".join(f"word{i}" for i in range(60))  # 9 s at 150 ms a word
FILES = f"""
fixtures:
  - id: endless-story
    match: {{last_user: {{contains: "endless story"}}}}
    reply: {{content: "{MANY_WORDS}"}}
  - id: long-story
    match: {{last_user: {{contains: "long story"}}}}
    reply: {{content: "{WORDS}"}}
scenarios:
  - name: paced
    latency: {{ttft_ms: 10, token_ms: 150}}
"""


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    (tmp_path / "slow.yaml").write_text(FILES)
    started: list[subprocess.Popen] = []

    def run(*flags: str) -> tuple[subprocess.Popen, int]:
        port = free_port()
        command = [sys.executable, "-m", "mocksrv", "serve", "--port", str(port), "--fixtures", str(tmp_path)]
        process = subprocess.Popen(
            [*command, *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(process)
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        return process, port

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
        with process:  # waits, and closes its pipes
            pass


def open_stream(port: int, prompt: str = "a long story") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    body = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": prompt}]}
    headers = {"Authorization": "Bearer sk-x", "Content-Type": "application/json", "X-Mock-Scenario": "paced"}
    connection.request("POST", "/openai/v1/chat/completions", body=json.dumps(body), headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    assert response.readline().startswith(b"data: ")  # the stream is under way
    return response


def refused(port: int, seconds: float = 3) -> bool:
    """True once a new connection is refused (the listener is closed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.05)
    return False


def rest_of(response: http.client.HTTPResponse) -> bytes:
    try:
        return response.read()
    except http.client.IncompleteRead as exc:  # cut mid-chunk
        return exc.partial


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_lets_inflight_stream_finish(start, signum):
    process, port = start()
    response = open_stream(port)
    began = time.monotonic()
    process.send_signal(signum)
    assert refused(port), "new connections must be refused while stopping"
    rest = rest_of(response)
    assert rest.rstrip().endswith(b"data: [DONE]"), rest[-200:]
    assert b"word11" in rest
    assert process.wait(15) == 0, process.stderr.read() if process.stderr else ""
    assert time.monotonic() - began < 10
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")


def test_stream_longer_than_grace_is_cut_and_exit_is_still_clean(start):
    process, port = start("--shutdown-grace", "0.5")
    response = open_stream(port)
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest = rest_of(response)
    assert b"[DONE]" not in rest  # 12 words x 150 ms do not fit in 0.5 s
    assert process.wait(15) == 0
    assert time.monotonic() - began < 5


def test_stop_takes_one_grace_not_two(start):
    """In-flight answers get --shutdown-grace, then are cut: the process exits after one grace."""
    process, port = start("--shutdown-grace", "2")
    response = open_stream(port, "an endless story")
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest = rest_of(response)
    assert b"[DONE]" not in rest
    assert process.wait(15) == 0
    assert 1.8 < time.monotonic() - began < 3.2
