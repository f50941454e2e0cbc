"""Helpers for the shared-state tests: a throwaway redis-server and mocksrv child processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import rawhttp
from ports import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_FIXTURES = ROOT / "tests" / "data" / "fixtures"


def find_redis_server() -> str | None:
    """redis-server from PATH; installed with apt-get only when running as root (like .ci/run)."""
    found = shutil.which("redis-server")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "redis-server"]
    if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
        # Stale package lists: refresh once and retry.
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(install, env=env, capture_output=True, timeout=600)
    return shutil.which("redis-server")


class RedisServer:
    """redis-server on a free loopback port, no persistence, in its own directory."""

    def __init__(self, binary: str, directory: Path, port: int | None = None):
        self.port = port or free_port()  # a given port: a restart after a simulated outage
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)]
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while not self._answers():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, prefix: str | None = None) -> str:
        """A fresh key prefix per caller: tests share the server but never each other's state."""
        prefix = prefix or f"test-{uuid.uuid4().hex[:10]}:"
        return f"redis://127.0.0.1:{self.port}/0?prefix={prefix}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class Mocksrv:
    """`python -m mocksrv serve` as a child process; `stop()` checks it exits 0 on SIGTERM."""

    def __init__(
        self,
        state_url: str,
        log_dir: Path,
        port: int | None = None,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ):
        self.env = {**os.environ, **(env or {})}
        self.port = port or free_port()
        self.args = [sys.executable, "-m", "mocksrv", "serve", "--port", str(self.port)]
        self.args += ["--state", state_url, "--fixtures", str(TEST_FIXTURES), *extra]
        self.log = log_dir / f"mocksrv-{self.port}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Mocksrv:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def wait_ready(self, timeout: float = 30) -> Mocksrv:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mocksrv exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if rawhttp.request("GET", f"{self.url}/_mock/health", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"mocksrv did not become healthy:\n{self.log.read_text()}")

    def stop(self, timeout: float = 30) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode if self.proc else 0

    def control(self, method: str, path: str, **kwargs) -> rawhttp.RawResponse:
        return rawhttp.control(self.url, method, path, **kwargs)

    def journal(self, session: str) -> list[dict]:
        return self.control("GET", f"/requests?session={session}").json()["requests"]

    def chat(self, session: str, text: str = "Hello!", scenario: str | None = None) -> rawhttp.RawResponse:
        headers = {"Authorization": "Bearer sk-redis-test", "X-Mock-Session": session}
        if scenario:
            headers["X-Mock-Scenario"] = scenario
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
        return rawhttp.post(f"{self.url}/openai/v1/chat/completions", json=body, headers=headers)
