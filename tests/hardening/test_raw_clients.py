"""Clients at the socket level: HTTP/1.0, pipelining, and slow clients cut off by timeouts.

Decided: a body that does not arrive within --body-timeout gets the provider's 400 envelope
("Timed out reading the request body"); aiohttp then drains what is left for up to 10 s and
closes the connection. Request headers that never finish are bounded by the idle timeout
(aiohttp's keep-alive timer, armed when the connection opens): the connection is closed
without an answer, since there is no request to answer yet.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from mocksrv.config import ServerConfig
from mocksrv.schemas import SchemaRegistry
from mocksrv.testing import MockServer

GOOD = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]}).encode()
PATH = "/openai/v1/chat/completions"


@pytest.fixture(scope="module")
def impatient() -> Iterator[MockServer]:
    with MockServer(ServerConfig(port=0, body_timeout_s=0.5, idle_timeout_s=1.0)) as live:
        yield live


def request_bytes(version: str = "1.1", body: bytes = GOOD, extra: str = "") -> bytes:
    head = (
        f"POST {PATH} HTTP/{version}\r\nHost: mock\r\nAuthorization: Bearer sk-raw\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


def read_all(sock: socket.socket, seconds: float = 10) -> bytes:
    """Everything until the server closes the connection."""
    sock.settimeout(seconds)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def responses_in(data: bytes) -> list[tuple[int, bytes]]:
    """(status, body) of each Content-Length framed response in a byte stream."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(
            int(v) for k, _, v in (h.partition(b":") for h in lines[1:]) if k.lower() == b"content-length"
        )
        found.append((int(lines[0].split()[1]), rest[:length]))
        data = rest[length:]
    return found


def test_http10_request_gets_an_answer_and_close(server):
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(request_bytes("1.0"))
        data = read_all(sock)  # HTTP/1.0 without keep-alive: the server closes after answering
    assert data.startswith(b"HTTP/1.")
    [(status, body)] = responses_in(data)
    assert status == 200 and json.loads(body)["object"] == "chat.completion"


def test_pipelined_requests_get_answers_in_order(server):
    first = request_bytes(extra="X-Mock-Session: pipe-1\r\n")
    bad = request_bytes(body=b"{not json")
    last = request_bytes(extra="Connection: close\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(first + bad + last)  # all three before reading anything
        data = read_all(sock)
    answers = responses_in(data)
    assert [status for status, _ in answers] == [200, 400, 200]
    assert json.loads(answers[1][1])["error"]["type"] == "invalid_request_error"


def test_trickled_body_is_cut_off_with_a_400_envelope(impatient):
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(request_bytes()[: -len(GOOD)] + GOOD[:10])  # the rest never comes
        began = time.monotonic()
        sock.settimeout(5)
        data = sock.recv(65536)
        waited = time.monotonic() - began
    assert 0.4 < waited < 3
    [(status, body)] = responses_in(data)
    assert status == 400
    error = json.loads(body)
    assert SchemaRegistry().violations("openai/error", error) == []
    assert "Timed out reading the request body" in error["error"]["message"]


def test_slow_drip_body_is_cut_off_too(impatient):
    """One byte every 0.1 s: each read succeeds, but the whole body is late."""
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(request_bytes()[: -len(GOOD)])
        sock.setblocking(False)
        began, answer = time.monotonic(), b""
        for byte in GOOD:
            try:
                sock.send(bytes([byte]))
                answer = sock.recv(65536)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                pass
            if answer:
                break
            time.sleep(0.1)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:100]
    assert time.monotonic() - began < 3


def test_headers_that_never_finish_are_closed_by_the_idle_timeout(impatient):
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(f"POST {PATH} HTTP/1.1\r\nHost: mock\r\n".encode())
        began = time.monotonic()
        assert read_all(sock, 10) == b""
    assert time.monotonic() - began < 5


def test_server_answers_normally_after_slow_clients(impatient):
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(request_bytes(extra="Connection: close\r\n"))
        [(status, _)] = responses_in(read_all(sock))
    assert status == 200
