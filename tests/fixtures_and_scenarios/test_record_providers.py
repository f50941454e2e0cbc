"""`mocksrv record` in front of the Azure and Ollama dialects (a second mocksrv as upstream),
then replay: Ollama's NDJSON streams come back byte for byte; the api-key is never written."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import rawhttp
from test_cli import free_port

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

USER = [{"role": "user", "content": "long text please"}]


@contextmanager
def recording(upstream: str, dialect: str, out: Path) -> Iterator[str]:
    port = free_port()
    argv = ["record", "--upstream", upstream, "--dialect", dialect, "--out", str(out), "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "mocksrv", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
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


def test_ollama_stream_recorded_and_replayed(server, tmp_path: Path):
    out = tmp_path / "ollama"
    body = {"model": "llama3.2", "messages": USER}
    with recording(server.url + "/ollama", "ollama", out) as base:
        recorded = httpx2.post(base + "/ollama/api/chat", json=body)
    assert recorded.status_code == 200 and recorded.headers["content-type"].startswith("application/x-ndjson")
    [fixture_file] = out.glob("*.yaml")
    assert "chunks:" in fixture_file.read_text()
    with MockServer(ServerConfig(port=0, fixture_dirs=(out,), bundled_fixtures=False)) as replay:
        replayed = httpx2.post(replay.url + "/ollama/api/chat", json=body)
    assert replayed.content == recorded.content
    assert replayed.headers["content-type"] == recorded.headers["content-type"]


def test_azure_recorded_without_its_key(server, tmp_path: Path):
    out = tmp_path / "azure"
    path = "/azure/openai/deployments/d/chat/completions"
    query, body = {"api-version": "2024-10-21"}, {"messages": USER}
    with recording(server.url + "/azure", "azure", out) as base:
        recorded = httpx2.post(base + path, params=query, json=body, headers={"api-key": "secret-azure-key"})
    assert recorded.status_code == 200
    text = "".join(f.read_text() for f in out.glob("*.yaml"))
    assert text and "secret-azure-key" not in text
    with MockServer(ServerConfig(port=0, fixture_dirs=(out,), bundled_fixtures=False)) as replay:
        replayed = httpx2.post(replay.url + path, params=query, json=body, headers={"api-key": "other"})
    assert replayed.json() == recorded.json()
