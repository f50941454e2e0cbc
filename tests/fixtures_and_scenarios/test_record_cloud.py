"""`mocksrv record` on the cloud dialects: Vertex's SSE and Bedrock's JSON replay byte for byte;
a binary Bedrock event stream is passed through but not written as a (text) fixture."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rawhttp
from test_cli import free_port

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

GEMINI = "/vertex/v1beta1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash"
GEMINI_ASK = {"contents": [{"role": "user", "parts": [{"text": "Hello!"}]}]}
BEDROCK = "/bedrock/model/anthropic.claude-3-5-haiku-20241022-v1:0"
BEDROCK_ASK = {"messages": [{"role": "user", "content": [{"text": "Hello!"}]}]}


def start_recorder(upstream: str, dialect: str, out: Path) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "mocksrv", "record", "--upstream", upstream, "--dialect", dialect]
    process = subprocess.Popen(
        [*argv, "--out", str(out), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            rawhttp.request("GET", f"http://127.0.0.1:{port}/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def vertex_recorder(server: MockServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    out = tmp_path / "vertex"
    for base in start_recorder(f"{server.url}/vertex", "vertex", out):
        yield base, out


@pytest.fixture
def bedrock_recorder(server: MockServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    out = tmp_path / "bedrock"
    for base in start_recorder(f"{server.url}/bedrock", "bedrock", out):
        yield base, out


def replayed(out: Path, path: str, body: dict) -> rawhttp.RawResponse:
    with MockServer(ServerConfig(port=0, fixture_dirs=(out,), bundled_fixtures=False)) as replay:
        return rawhttp.post(replay.url + path, json=body, headers={"Authorization": "Bearer other"})


def test_vertex_gemini_stream_replays_byte_for_byte(vertex_recorder, key: str) -> None:
    base, out = vertex_recorder
    path = GEMINI + ":streamGenerateContent?alt=sse"
    recorded = rawhttp.post(base + path, json=GEMINI_ASK, headers={"Authorization": f"Bearer {key}"})
    assert recorded.status == 200 and recorded.body.startswith(b"data: ")
    (fixture,) = out.glob("*.yaml")
    assert key not in fixture.read_text()
    again = replayed(out, path, GEMINI_ASK)
    assert again.status == 200 and again.body == recorded.body


def test_bedrock_converse_replays_and_its_event_stream_is_not_written(bedrock_recorder, key: str) -> None:
    base, out = bedrock_recorder
    headers = {"Authorization": f"Bearer {key}"}
    stream = rawhttp.post(base + BEDROCK + "/converse-stream", json=BEDROCK_ASK, headers=headers)
    assert stream.status == 200 and stream.headers["content-type"] == "application/vnd.amazon.eventstream"
    assert list(out.glob("*.yaml")) == []  # binary: passed through, not recorded
    recorded = rawhttp.post(base + BEDROCK + "/converse", json=BEDROCK_ASK, headers=headers)
    assert recorded.status == 200
    again = replayed(out, BEDROCK + "/converse", BEDROCK_ASK)
    assert again.body == recorded.body and json.loads(again.body)["stopReason"] == "end_turn"
    assert again.headers["x-amzn-requestid"] == recorded.headers["x-amzn-requestid"]
