"""`mocksrv init` writes a folder that validates and serves; the bundled scenario library."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import openai
import pytest
import rawhttp
from redis_support import free_port

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

ERROR_KINDS = {
    "bad_request": openai.BadRequestError,
    "auth": openai.AuthenticationError,
    "permission": openai.PermissionDeniedError,
    "not_found": openai.NotFoundError,
    "context_length": openai.BadRequestError,
    "rate_limit": openai.RateLimitError,
    "quota": openai.RateLimitError,
    "server_error": openai.InternalServerError,
    "overloaded": openai.InternalServerError,
    "timeout": openai.InternalServerError,
}
LIBRARY = [
    "flaky",
    "slow",
    "stalls",
    "cut",
    "midstream",
    "garbage",
    "truncated",
    "hang",
    "reset",
    "empty",
    "chaos",
]


def mocksrv(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mocksrv", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def chat(server: MockServer, text: str = "Hello!", **headers: str) -> str:
    with openai.OpenAI(base_url=server.base_url("openai"), api_key="sk-library", max_retries=0) as sdk:
        answer = sdk.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": text}], extra_headers=headers
        )
    return answer.choices[0].message.content


def test_init_writes_a_folder_that_validates_and_serves(tmp_path):
    done = mocksrv("init", "llm-mocks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "mocksrv serve --watch --fixtures llm-mocks" in done.stdout
    folder = tmp_path / "llm-mocks"
    for name in ("chat.yaml", "scenarios.yaml"):
        first = (folder / name).read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=file://")
        assert Path(urlparse(first.split("$schema=")[1]).path).is_file()  # editors can open it
    validated = mocksrv("validate", "llm-mocks", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.startswith("ok: 4 fixtures, 1 scenarios")
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,))) as server:
        assert chat(server, "hello there").startswith("Hello from mocksrv!")
        with pytest.raises(openai.RateLimitError):
            chat(server, "hello", **{"X-Mock-Scenario": "first-call-limited"})
    again = mocksrv("init", "llm-mocks", cwd=tmp_path)
    assert again.returncode == 1 and "will not overwrite" in again.stderr


def test_the_library_is_listed_and_selectable_server_wide():
    with MockServer(ServerConfig(port=0, scenario="flaky")) as server:
        names = server.call(server.services.scenarios.known())
        assert set(LIBRARY + list(ERROR_KINDS)) <= set(names)
        with pytest.raises(openai.RateLimitError):
            chat(server)
        with pytest.raises(openai.InternalServerError):
            chat(server)
        assert chat(server) == "Hello! How can I help you today?"


def test_serve_runs_a_bundled_scenario_server_wide(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "mocksrv", "serve", "--scenario", "flaky", "--port", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                rawhttp.request("GET", base + "/_mock/health", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]}
        statuses = [
            rawhttp.post(
                base + "/openai/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}
            ).status
            for _ in range(3)
        ]
        assert statuses == [429, 503, 200]
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stderr.close()


@pytest.mark.parametrize("kind", sorted(ERROR_KINDS))
def test_one_scenario_per_error_kind(kind, server):
    with pytest.raises(ERROR_KINDS[kind]):
        chat(server, **{"X-Mock-Scenario": kind})


def test_a_user_scenario_of_the_same_name_replaces_the_bundled_one(tmp_path, caplog):
    (tmp_path / "mine.yaml").write_text("scenarios:\n  - name: flaky\n    steps: [{error: quota}]\n")
    with caplog.at_level(logging.WARNING, logger="mocksrv"):
        server = MockServer(ServerConfig(port=0, fixture_dirs=(tmp_path,)))
    assert "scenario 'flaky' is defined again; the later definition replaces it" in caplog.text
    with server:
        for _ in range(3):
            with pytest.raises(openai.RateLimitError, match="quota"):
                chat(server, **{"X-Mock-Scenario": "flaky"})
