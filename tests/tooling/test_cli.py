"""The command line as a user runs it: validate, dialects, serve (also from an installed wheel)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import rawhttp
from ports import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def mocksrv(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mocksrv", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_validate_bundled_fixtures():
    result = mocksrv("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def test_validate_reports_file_pointer_message(tmp_path: Path):
    (tmp_path / "good.yaml").write_text("fixtures:\n  - id: fine\n    reply: {content: hi}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "fixtures:\n"
        "  - id: broken\n"
        "    reply: {content: hi, finish: done}\n"
        "  - id: no-reply\n"
        "    match: {last_user: {regex: '(unclosed'}}\n"
        "    reply: {content: x}\n"
        "scenarios:\n"
        "  - name: slow\n"
        "    latency: {ttft_ms: -5}\n"
    )
    result = mocksrv("validate", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert f"{bad}: /fixtures/0/reply/finish: " in result.stderr
    assert f"{bad}: /fixtures/1/match/last_user/regex: invalid regular expression" in result.stderr
    assert f"{bad}: /scenarios/0/latency/ttft_ms: " in result.stderr
    assert all(line.startswith(str(bad)) for line in lines)


def test_validate_unparseable_and_duplicate(tmp_path: Path):
    (tmp_path / "a.json").write_text('{"fixtures": [')
    (tmp_path / "b.yaml").write_text("fixtures:\n  - id: same\n    reply: {content: a}\n")
    (tmp_path / "c.yaml").write_text("fixtures:\n  - id: same\n    reply: {content: b}\n")
    result = mocksrv("validate", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path / 'a.json'}: /: cannot parse" in result.stderr
    assert f"{tmp_path / 'c.yaml'}: /fixtures/0/id: duplicate fixture id 'same'" in result.stderr


def test_serve_refuses_bad_fixtures_and_loads_nothing(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("fixtures:\n  - id: x\n    reply: {}\n")
    result = mocksrv("serve", "--port", "0", "--fixtures", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path / 'bad.yaml'}: /fixtures/0/reply: " in result.stderr
    assert "Traceback" not in result.stderr


def test_dialects_lists_base_urls_and_auth():
    result = mocksrv("dialects")
    assert result.returncode == 0
    for expected in (
        "/openai/v1",
        "/wuinai/api/ai/openai",
        "/mountsea/chat",
        "/opeai/v1",
        "/maisi/v1",
        "/wrapped/api/v1",
        "/vertex",
        "/bedrock",
    ):
        assert expected in result.stdout
    assert "wuinai-access-key" in result.stdout


def serve_and_ask(command: list[str], cwd: Path, env: dict | None = None) -> rawhttp.RawResponse:
    port = free_port()
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        return rawhttp.post(
            f"http://127.0.0.1:{port}/openai/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]},
            headers={"Authorization": "Bearer sk-x"},
        )
    finally:
        process.terminate()
        assert process.wait(20) == 0  # SIGTERM is a clean stop


def test_serve_answers_with_bundled_fixtures(tmp_path: Path):
    response = serve_and_ask([sys.executable, "-m", "mocksrv"], cwd=tmp_path)
    assert response.json()["choices"][0]["message"]["content"] == "Hello! How can I help you today?"


@pytest.mark.timeout(300)
def test_wheel_carries_schemas_and_fixtures(tmp_path: Path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("mocksrv-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mocksrv/_data/schemas/openai/request.schema.json" in names
    assert "mocksrv/_data/schemas/fixture.schema.json" in names
    assert "mocksrv/_data/fixtures/seeds/greetings.yaml" in names
    assert {f"mocksrv/ui/{name}" for name in ("index.html", "app.js", "util.js", "style.css")} <= set(names)
    assert any(n.endswith("entry_points.txt") for n in names)
    assert "mocksrv/py.typed" in names  # type checkers read the package's hints
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "mocksrv").rglob("*.py")}
    assert sources <= set(names), sorted(sources - set(names))  # every subpackage ships
    # Installed apart from the source tree, the wheel serves the bundled fixtures.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run(
        [sys.executable, "-c", "import mocksrv.resources as r; print(r.SCHEMAS_DIR)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(target) in probe.stdout
    response = serve_and_ask([sys.executable, "-m", "mocksrv"], cwd=elsewhere, env=env)
    assert response.json()["choices"][0]["message"]["content"] == "Hello! How can I help you today?"


def test_a_thousand_connections_at_once_are_all_queued(tmp_path: Path):
    """A load test opens its connections in one burst: the listen backlog holds them all, even
    while the server is busy (stopped here), instead of dropping SYNs that the clients would
    resend one to three seconds later."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mocksrv", "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sockets: list[socket.socket] = []
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        os.kill(process.pid, signal.SIGSTOP)  # accepts nothing: only the kernel's queue holds them
        # (The kernel caps every backlog at net.core.somaxconn: 4096 on current kernels.)
        count = min(1000, int(Path("/proc/sys/net/core/somaxconn").read_text()))
        for _ in range(count):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            sockets.append(sock)
        deadline = time.monotonic() + 0.8  # before the first SYN retry (1 s)
        pending = list(sockets)
        poller = select.poll()  # not select.select: the suite may already hold fds near 1024
        for sock in pending:
            poller.register(sock, select.POLLOUT)
        while pending and time.monotonic() < deadline:
            writable = {fd for fd, _ in poller.poll(50)}
            for fd in writable:
                poller.unregister(fd)
            pending = [s for s in pending if s.fileno() not in writable]
        errors = [s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) for s in sockets if s not in pending]
        assert not pending and set(errors) == {0}
    finally:
        os.kill(process.pid, signal.SIGCONT)
        for sock in sockets:
            sock.close()
        process.terminate()
        assert process.wait(20) == 0
