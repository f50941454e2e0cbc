"""Retained memory is bounded: big request bodies leave only a bounded head in the journal."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import rawhttp
from ports import free_port, wait_for

BIG_BYTES = 7_000_000
REQUESTS = 100
BUDGET_MIB = 150
# Matched on the model: the run is about what the server keeps, not about matching 7 MB texts;
# a model whose window holds a 7 MB prompt, so every request is answered, not refused.
FIXTURE = """
fixtures:
  - id: any-gpt
    match: {model: "gpt-4o"}
    reply: {content: "ok"}
models:
  - {id: gpt-4o, family: openai, context_window: 100000000, max_output_tokens: 16384}
"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    (tmp_path / "any.yaml").write_text(FIXTURE)
    port = free_port()
    command = [sys.executable, "-m", "mocksrv", "serve", "--port", str(port), "--fixtures", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        yield process, port
    finally:
        process.kill()
        process.wait(10)


def body_of(content: str) -> bytes:
    return json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": content}]}).encode()


def chat(connection: http.client.HTTPConnection, body: bytes) -> None:
    headers = {"Authorization": "Bearer sk-big", "Content-Type": "application/json"}
    connection.request("POST", "/openai/v1/chat/completions", body=body, headers=headers)
    answer = connection.getresponse()
    assert answer.status == 200, answer.read()[:300]
    answer.read()


def test_big_bodies_do_not_stay_in_memory(served):
    process, port = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    chat(connection, body_of("hi"))
    idle = rss_mib(process.pid)
    template = body_of("x" * BIG_BYTES)
    for index in range(REQUESTS):  # every body distinct, as 100 different chats would be
        chat(connection, template.replace(b'"xxxxxx', b'"%06d' % index, 1))
    grown = rss_mib(process.pid) - idle
    assert grown < BUDGET_MIB, f"RSS grew {grown:.0f} MiB over {REQUESTS} bodies of {BIG_BYTES} bytes"

    newest = rawhttp.request("GET", f"http://127.0.0.1:{port}/_mock/requests?limit=1").json()["requests"][0]
    request = newest["request"]
    assert request["body_truncated"] is True and request["body_bytes"] == len(template)
    assert request["body"]["truncated"] is True and len(request["body"]["text"]) == 64 * 1024
    assert request["body"]["text"].startswith(body_of("000099")[:-4].decode())


def test_small_bodies_are_whole_and_unmarked(make_server, key):
    live = make_server(journal_body_bytes=256)
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "short"}]}
    headers = {"Authorization": f"Bearer {key}"}
    rawhttp.post(f"{live.url}/openai/v1/chat/completions", json=body, headers=headers)
    entry = rawhttp.request("GET", f"{live.url}/_mock/requests?session={key}").json()["requests"][0]
    assert entry["request"]["body"] == body
    assert "body_truncated" not in entry["request"]


def test_cut_answer_is_marked_with_its_size(make_server, key):
    live = make_server(journal_body_bytes=64)
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}
    answer = rawhttp.post(
        f"{live.url}/openai/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    entry = rawhttp.request("GET", f"{live.url}/_mock/requests?session={key}").json()["requests"][0]
    assert entry["response"]["body_truncated"] is True and entry["response"]["body_bytes"] == len(answer.body)
    assert entry["response"]["body"]["text"] == answer.body[:64].decode()
    assert entry["request"]["body_truncated"] is True and entry["request"]["body_bytes"] > 64
