"""Requests aiohttp cannot parse get its 400 and cost the log one short line, not a traceback each."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

from ports import free_port, wait_for

GARBAGE = b"GET / HTTP/1.1\r\nX\r\n\r\n"  # a header line without a colon


def test_malformed_requests_log_one_short_line():
    port = free_port()
    command = [sys.executable, "-m", "mocksrv", "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        for _ in range(50):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(GARBAGE)
                assert connection.recv(100).startswith(b"HTTP/1.0 400 ")
    finally:
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in log
    lines = [line for line in log.splitlines() if "malformed HTTP request" in line]
    assert len(lines) == 1 and len(lines[0]) < 200, lines
    assert "127.0.0.1" in lines[0] and "Invalid header token" in lines[0]
    assert len(log) < 600, log  # 50 tracebacks were 26 KB
