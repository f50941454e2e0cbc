"""Record through `mocksrv record` (a second mocksrv as the upstream), then replay byte for byte."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
import rawhttp
import yaml
from ports import free_port

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

ASK = {"model": "gpt-4o", "messages": [{"role": "user", "content": "long text please"}]}


async def fetch_chunks(url: str, body: dict, headers: dict) -> tuple[int, list[bytes], list[float]]:
    """HTTP chunks exactly as they arrive, with their arrival times."""
    chunks, stamps = [], []
    started = time.monotonic()
    async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=headers) as response:
        buffer = b""
        async for data, end in response.content.iter_chunks():
            buffer += data
            if end and buffer:
                chunks.append(buffer)
                stamps.append(time.monotonic() - started)
                buffer = b""
        if buffer:
            chunks.append(buffer)
            stamps.append(time.monotonic() - started)
        return response.status, chunks, stamps


@pytest.fixture
def recorder(server, tmp_path: Path):
    port = free_port()
    out = tmp_path / "recorded"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mocksrv",
            "record",
            "--upstream",
            f"{server.url}/openai",
            "--dialect",
            "openai",
            "--out",
            str(out),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            rawhttp.request("GET", f"http://127.0.0.1:{port}/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", out
    process.terminate()
    process.wait(10)


def test_record_then_replay_identical_bytes_chunks_and_timing(recorder, key):
    base, out = recorder
    url = "/openai/v1/chat/completions"
    headers = {"Authorization": f"Bearer {key}", "X-Mock-Scenario": "jittery"}
    status, recorded, recorded_times = asyncio.run(fetch_chunks(base + url, {**ASK, "stream": True}, headers))
    assert status == 200 and len(recorded) > 10  # paced upstream: one HTTP chunk per event
    plain = rawhttp.post(
        base + url,
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]},
        headers={"Authorization": f"Bearer {key}"},
    )
    files = sorted(out.glob("*.yaml"))
    assert len(files) == 2
    text = "".join(f.read_text() for f in files)
    assert key not in text and "Bearer" not in text  # credentials never written

    with MockServer(ServerConfig(port=0, fixture_dirs=(out,), bundled_fixtures=False)) as replay:
        status2, replayed, replayed_times = asyncio.run(
            fetch_chunks(replay.url + url, {**ASK, "stream": True}, {"Authorization": "Bearer other"})
        )
        again = rawhttp.post(
            replay.url + url,
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]},
            headers={"Authorization": "Bearer other"},
        )
    assert status2 == 200
    assert replayed == recorded  # same bytes, same chunk boundaries
    assert abs(replayed_times[-1] - recorded_times[-1]) < 0.25  # timing preserved
    assert again.body == plain.body
    assert again.headers["x-request-id"] == plain.headers["x-request-id"]


def test_recorded_fixture_is_a_valid_fixture_file(recorder, key):
    base, out = recorder
    rawhttp.post(base + "/openai/v1/chat/completions", json=ASK, headers={"Authorization": f"Bearer {key}"})
    (path,) = out.glob("*.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "mocksrv", "validate", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    fixture = yaml.safe_load(path.read_text())["fixtures"][0]
    assert fixture["match"] == {"dialect": "openai", "last_user": {"equals": "long text please"}}
    assert fixture["raw"]["status"] == 200


def test_raw_fixture_from_body_file_and_inline_events(tmp_path: Path, key):
    files = tmp_path / "_files"
    files.mkdir()
    (files / "capture.sse").write_bytes(b'data: {"x":1}\n\ndata: [DONE]\n\n')
    (tmp_path / "raw.yaml").write_text(
        "fixtures:\n"
        "  - id: from-file\n"
        "    match: {last_user: {equals: file}}\n"
        "    raw: {dialect: openai, body_file: capture.sse}\n"
        "  - id: from-events\n"
        "    match: {last_user: {equals: events}}\n"
        "    raw:\n"
        "      dialect: openai\n"
        "      events: [{data: '{\"a\":1}', delay_ms: 50}, {data: '[DONE]'}]\n"
    )
    with MockServer(ServerConfig(port=0, fixture_dirs=(tmp_path,))) as live:
        url = live.base_url("openai") + "/chat/completions"
        auth = {"Authorization": f"Bearer {key}"}
        ask = {"model": "m", "messages": [{"role": "user", "content": "file"}]}
        assert rawhttp.post(url, json=ask, headers=auth).body == b'data: {"x":1}\n\ndata: [DONE]\n\n'
        ask["messages"][0]["content"] = "events"
        assert rawhttp.post(url, json=ask, headers=auth).body == b'data: {"a":1}\n\ndata: [DONE]\n\n'
        # A raw capture belongs to its dialect: the same words elsewhere get a normal answer.
        other = rawhttp.post(live.base_url("opeai") + "/chat/completions", json=ask, headers=auth)
        assert other.json()["object"] == "chat.completion"


def test_body_file_cannot_escape_the_files_folder(tmp_path: Path):
    (tmp_path / "secret.txt").write_text("nope")
    (tmp_path / "_files").mkdir()
    (tmp_path / "evil.yaml").write_text(
        "fixtures:\n  - id: evil\n    raw: {dialect: openai, body_file: ../secret.txt}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mocksrv", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "/fixtures/0/raw/body_file" in result.stderr
