"""The one port helper of the suite, and the wait for a server started as a subprocess."""

from __future__ import annotations

import socket
import subprocess
import time

import rawhttp


def free_port() -> int:
    """A port free on 127.0.0.1 right now (tests bind only to loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 20) -> None:
    """Poll `url` until it answers 200; fail with the server's stderr if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read() if process.stderr else "server exited")
        try:
            if rawhttp.request("GET", url, timeout=1).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")
