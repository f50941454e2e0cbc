"""Exposure: loopback by default, a token when exposed, no file read outside the fixture dirs,
no credential in the journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rawhttp
from ports import free_port, wait_for
from test_cli import mocksrv

from mocksrv.config import ServerConfig
from mocksrv.errors import ConfigError
from mocksrv.loader import load
from mocksrv.schemas import SchemaRegistry
from mocksrv.server import is_loopback
from mocksrv.testing import MockServer

SECRET = "sk-secret-0123456789abcdef"
GOOD = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]}
GEMINI = {"contents": [{"role": "user", "parts": [{"text": "Hello!"}]}]}


def test_default_bind_is_loopback():
    assert ServerConfig().host == "127.0.0.1"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com", ""])
def test_exposed_hosts(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_non_loopback_bind_without_admin_token_refuses_to_start(how):
    env = {k: v for k, v in os.environ.items() if k != "MOCKSRV_ADMIN_TOKEN"}
    if how == "env":
        result = mocksrv("serve", "--port", "0", env={**env, "MOCKSRV_HOST": "0.0.0.0"})
    else:
        result = mocksrv("serve", "--host", "0.0.0.0", "--port", "0", env=env)
    assert result.returncode == 2
    assert "refusing to bind 0.0.0.0 without an admin token" in result.stderr
    assert "--admin-token" in result.stderr and "Traceback" not in result.stderr


def test_in_process_server_follows_the_same_rule():
    with pytest.raises(ConfigError, match=r"refusing to bind 0\.0\.0\.0"):
        MockServer(ServerConfig(host="0.0.0.0", port=0))


def test_non_loopback_bind_with_admin_token_starts_and_guards_the_control_api():
    port = free_port()
    command = [sys.executable, "-m", "mocksrv", "serve", "--host", "0.0.0.0", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--admin-token", "t0k"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        base = f"http://127.0.0.1:{port}/_mock"
        assert rawhttp.request("GET", base + "/requests").status == 401
        assert rawhttp.request("GET", base + "/requests", headers={"X-Mock-Admin-Token": "t0k"}).status == 200
        # Dot segments do not reach the journal through the public page's paths.
        for sneaky in ("/ui/../requests", "/ui/%2e%2e/requests", "/ui/..%2frequests", "/ui/..%2f..%2fcli.py"):
            response = rawhttp.request("GET", base + sneaky)
            assert response.status in (401, 404), (sneaky, response.status)
            assert b'"requests"' not in response.body
    finally:
        process.terminate()
        assert process.wait(20) == 0


# ---- fixture files are read from the configured directories only ----------------------


def raw_fixture(tmp_path: Path, body_file: str) -> Path:
    (tmp_path / "_files").mkdir(exist_ok=True)
    (tmp_path / "evil.yaml").write_text(
        f"fixtures:\n  - id: evil\n    raw: {{dialect: openai, body_file: {json.dumps(body_file)}}}\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    "body_file", ["../secret.txt", "/etc/passwd", "a/../../secret.txt", "..\\secret.txt"]
)
def test_body_file_outside_files_folder_is_refused(tmp_path: Path, body_file):
    (tmp_path / "secret.txt").write_text("nope")
    with pytest.raises(ConfigError) as caught:
        load([raw_fixture(tmp_path, body_file)], SchemaRegistry())
    assert any("/fixtures/0/raw/body_file" in p for p in caught.value.problems)


def test_body_file_symlink_escaping_the_folder_is_refused(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("nope")
    (tmp_path / "fx").mkdir()
    root = raw_fixture(tmp_path / "fx", "link.txt")
    (root / "_files" / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(ConfigError) as caught:
        load([root], SchemaRegistry())
    assert any("points outside" in p for p in caught.value.problems)


def test_admin_cannot_add_a_body_file_fixture(server):
    fixture = {"id": "evil", "raw": {"dialect": "openai", "body_file": "../../etc/passwd"}}
    response = rawhttp.post(server.url + "/_mock/fixtures", json={"fixtures": [fixture]})
    assert response.status == 400
    assert "root:" not in response.text


# ---- the journal never shows a credential ----------------------------------------------

CREDENTIALS = [
    ("openai", "/chat/completions", {"Authorization": f"Bearer {SECRET}"}, "", GOOD),
    ("anthropic", "/v1/messages", {"x-api-key": SECRET, "anthropic-version": "2023-06-01"}, "", None),
    ("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", {"x-goog-api-key": SECRET}, "", GEMINI),
    ("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", {}, f"?key={SECRET}", GEMINI),
    ("wuinai", "/chat/completions", {"wuinai-access-key": SECRET, "wuinai-access-token": SECRET}, "", GOOD),
    ("mountsea", "/chat/completions", {"Authorization": f"Bearer {SECRET}"}, "", GOOD),
    ("opeai", "/chat/completions", {"Authorization": f"Bearer {SECRET}"}, "", GOOD),
    ("maisi", "/chat/completions", {"Authorization": f"Bearer {SECRET}"}, "", GOOD),
    ("wrapped", "/chat/completions", {"Authorization": f"Bearer {SECRET}"}, "", GOOD),
]


@pytest.mark.parametrize(("dialect", "path", "headers", "query", "body"), CREDENTIALS)
def test_journal_redacts_credentials(make_server, dialect, path, headers, query, body):
    live = make_server()
    body = body or {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": GOOD["messages"]}
    # The session is named, so the key is not used as the session id (the contract's default).
    headers = {**headers, "X-Mock-Session": "s1", "Cookie": f"k={SECRET}"}
    url = live.base_url(dialect) + path + query
    assert rawhttp.post(url, json=body, headers=headers).status == 200
    assert rawhttp.post(url, data=b"{broken", headers=headers).status == 400  # rejected ones too
    text = rawhttp.request("GET", live.url + "/_mock/requests").text
    assert SECRET not in text
    entries = json.loads(text)["requests"]
    assert len(entries) == 2
    secret_names = {n.lower() for n in headers} - {"x-mock-session", "anthropic-version"}
    secret_names |= {"key"} if query else set()
    for entry in entries:
        shown = {
            k.lower(): v for k, v in {**entry["request"]["headers"], **entry["request"]["query"]}.items()
        }
        assert {name: shown[name] for name in secret_names} == dict.fromkeys(secret_names, "[redacted]")
