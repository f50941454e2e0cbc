"""MOCKSRV_* environment variables configure `mocksrv serve` (in a container or not); flags win."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rawhttp
from ports import free_port, wait_for

from mocksrv.config import ServerConfig
from mocksrv.env import apply, from_environ
from mocksrv.errors import ConfigError

FIXTURE = """
fixtures:
  - id: env-fixture
    match: {last_user: {equals: "env please"}}
    reply: {content: "Configured by the environment."}
"""
SCENARIO = """
scenarios:
  - {name: env-steps, steps: [ok]}
"""


def test_from_environ_reads_every_variable(tmp_path: Path):
    env = {
        "MOCKSRV_HOST": "0.0.0.0",
        "MOCKSRV_PORT": "9000",
        "MOCKSRV_FIXTURES": os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]),
        "MOCKSRV_SCENARIO": "flaky",
        "MOCKSRV_SEED": "7",
        "MOCKSRV_STRICT": "yes",
        "MOCKSRV_ADMIN_TOKEN": "tok",
        "MOCKSRV_DIALECT": "openai",
        "MOCKSRV_LOG_LEVEL": "debug",
        "UNRELATED": "x",
    }
    assert from_environ(env) == {
        "host": "0.0.0.0",
        "port": 9000,
        "fixtures": [tmp_path / "a", tmp_path / "b"],
        "scenario": "flaky",
        "seed": 7,
        "strict": True,
        "admin_token": "tok",
        "dialect": "openai",
        "log_level": "debug",
    }
    assert from_environ({"MOCKSRV_SCENARIO": "", "MOCKSRV_STRICT": " 0 "}) == {"strict": False}


def test_bad_values_are_all_reported():
    with pytest.raises(ConfigError) as caught:
        from_environ({"MOCKSRV_PORT": "http", "MOCKSRV_SEED": "x", "MOCKSRV_STRICT": "maybe"})
    problems = "\n".join(caught.value.problems)
    assert "MOCKSRV_PORT='http'" in problems and "MOCKSRV_SEED='x'" in problems
    assert "MOCKSRV_STRICT='maybe'" in problems


def test_flags_win_over_the_environment():
    args = argparse.Namespace(
        host=None, port=9100, fixtures=None, scenario=None, seed=None, strict=False, admin_token=None
    )
    args.dialect, args.log_level = "gemini", None
    apply(
        args, {"port": 9000, "host": "0.0.0.0", "dialect": "openai", "strict": True, "fixtures": [Path("f")]}
    )
    assert (args.port, args.host, args.dialect, args.strict) == (9100, "0.0.0.0", "gemini", True)
    assert (args.fixtures, args.seed, args.log_level, args.scenario) == ([Path("f")], 0, "INFO", None)


def start(env: dict[str, str], *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mocksrv", "serve", *flags],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    assert process.wait(20) == 0
    process.stdout.close()
    process.stderr.close()


def test_serve_configured_only_by_environment(tmp_path: Path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "scenarios.yaml").write_text(SCENARIO)
    (tmp_path / "two" / "fixtures.yaml").write_text(FIXTURE)
    port = free_port()
    env = {
        "MOCKSRV_HOST": "127.0.0.1",
        "MOCKSRV_PORT": str(port),
        "MOCKSRV_FIXTURES": os.pathsep.join([str(tmp_path / "one"), str(tmp_path / "two")]),
        "MOCKSRV_SCENARIO": "env-steps",
        "MOCKSRV_SEED": "3",
        "MOCKSRV_STRICT": "true",
        "MOCKSRV_ADMIN_TOKEN": "env-token",
        "MOCKSRV_DIALECT": "openai",
    }
    process = start(env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/_mock/health", process)
        auth = {"Authorization": "Bearer sk-env"}
        ask = {"model": "gpt-4o", "messages": [{"role": "user", "content": "env please"}]}
        answer = rawhttp.post(f"{base}/v1/chat/completions", json=ask, headers=auth)  # root dialect
        assert answer.json()["choices"][0]["message"]["content"] == "Configured by the environment."
        assert answer.headers["x-mocksrv-scenario"] == "env-steps"
        unmatched = {"model": "gpt-4o", "messages": [{"role": "user", "content": "nothing matches"}]}
        assert (
            rawhttp.post(f"{base}/v1/chat/completions", json=unmatched, headers=auth).status == 404
        )  # strict
        assert rawhttp.request("GET", f"{base}/_mock/scenarios").status == 401  # admin token
        scenarios = rawhttp.request(
            "GET", f"{base}/_mock/scenarios", headers={"X-Mock-Admin-Token": "env-token"}
        )
        assert scenarios.json()["active"] == "env-steps"
    finally:
        stop(process)


def test_a_flag_overrides_its_variable(tmp_path: Path):
    port = free_port()
    process = start({"MOCKSRV_PORT": "1", "MOCKSRV_HOST": "127.0.0.1"}, "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
    finally:
        stop(process)


def test_a_bad_variable_stops_start_up_with_its_name():
    result = subprocess.run(
        [sys.executable, "-m", "mocksrv", "serve"],
        env={**os.environ, "MOCKSRV_PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "MOCKSRV_PORT='eighty'" in result.stderr


def test_the_fast_path_switch(monkeypatch):
    """MOCKSRV_FAST_PATH=0 turns the speed layer off for `serve` and for embedded servers alike."""
    assert from_environ({"MOCKSRV_FAST_PATH": "0"}) == {"fast_path": False}
    monkeypatch.setenv("MOCKSRV_FAST_PATH", "off")
    assert ServerConfig().fast_path is False
    monkeypatch.setenv("MOCKSRV_FAST_PATH", "1")
    assert ServerConfig().fast_path is True
    args = argparse.Namespace(strict=False, no_fast_path=True)
    apply(args, {"fast_path": True})
    assert args.fast_path is False  # the flag wins


def test_answers_are_the_same_with_the_fast_path_off(make_server):
    """The speed layer changes no byte of an answer but its ids and timestamps."""
    ask = {"model": "gpt-4o", "messages": [{"role": "user", "content": "same either way"}]}
    auth = {"Authorization": "Bearer sk-same"}
    bodies = []
    for fast_path in (True, False):
        live = make_server(fast_path=fast_path)
        for stream in (False, True, False):  # the third is a repeated body: kept, on the fast path
            url = f"{live.url}/openai/v1/chat/completions"
            answer = rawhttp.post(url, json={**ask, "stream": stream}, headers=auth)
            assert answer.status == 200
            bodies.append(re.sub(rb'"(id|created)":\s*("[^"]*"|\d+)', b"", answer.body))
    assert bodies[:3] == bodies[3:]
