"""Python function calls per answer, mocksrv against bare aiohttp: a count that does not depend
on the machine (docs/benchmark.md, "Progress").

Each app is driven in-process through aiohttp's own protocol (`RequestHandler.data_received`)
with the benchmark's request, over a fake transport that only counts the bytes written; no
sockets, so no system calls. cProfile counts every Python and C function call while the
requests are answered one after another; mocksrv's own work is the difference from the bare
server's count.

    .venv/bin/python bench/calls.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
from pathlib import Path

from aiohttp import web
from load import request_body  # bench/ is the script's directory, so on sys.path
from reference_server import make_app

from mocksrv.app import build_services, create_app
from mocksrv.config import ServerConfig

HERE = Path(__file__).resolve().parent
PATH = "/openai/v1/chat/completions"


class CountingTransport(asyncio.Transport):
    """Takes whatever is written and keeps only its length."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)

    def writelines(self, chunks) -> None:  # type: ignore[override]
        for chunk in chunks:
            self.write(chunk)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None: ...

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None: ...


def raw_request(stream: bool, path: str = PATH, payload: dict | None = None) -> bytes:
    body = json.dumps(payload or request_body(stream), separators=(",", ":")).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _settled(transport: CountingTransport) -> int:
    seen = -1
    while seen != transport.written:
        seen = transport.written
        for _ in range(20):
            await asyncio.sleep(0)
    return transport.written


async def answered(
    protocol: web.RequestHandler, transport: CountingTransport, request: bytes, size: int
) -> None:
    """Send one request and wait until its answer (`size` bytes) is written."""
    target = transport.written + size
    protocol.data_received(request)
    while transport.written < target:
        await asyncio.sleep(0)


async def calls_per_answer(
    app: web.Application, stream: bool, requests: int, request: bytes | None = None
) -> float:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        protocol, transport = runner.server(), CountingTransport()
        protocol.connection_made(transport)
        request = request or raw_request(stream)
        start = transport.written
        protocol.data_received(request)
        size = await _settled(transport) - start
        for _ in range(50):  # warm: memo, renders, header blocks
            await answered(protocol, transport, request, size)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            await answered(protocol, transport, request, size)
        profile.disable()
        return pstats.Stats(profile).total_calls / requests
    finally:
        await runner.cleanup()


async def main(requests: int) -> None:
    config = ServerConfig(port=0, fixture_dirs=(HERE / "fixtures",))
    bodies = {stream: await captured_body(config, stream) for stream in (False, True)}
    print(f"{'':28}{'bare aiohttp':>14}{'mocksrv':>10}")
    for stream, label in ((False, "non-streaming answer"), (True, "50-event stream")):
        bare = await calls_per_answer(make_app(bodies[False], bodies[True]), stream, requests)
        mock = await calls_per_answer(create_app(config, build_services(config)), stream, requests)
        print(f"calls per {label:<18}{bare:>14.0f}{mock:>10.0f}")
    for label, calls in await stored_rows(config, requests):  # stateful Responses: mocksrv only
        print(f"calls per {label:<18}{'':>14}{calls:>10.0f}")


RESPONSES_PATH = "/openai/v1/responses"


async def stored_rows(config: ServerConfig, requests: int) -> list[tuple[str, float]]:
    """A stored Responses answer, and one continuing a stored response (previous_response_id)."""
    services = build_services(config)  # one state store: the chained request needs the first
    first = {"model": "gpt-4o", "input": "Hello, bench."}
    answer = await answer_to(create_app(config, services), raw_request(False, RESPONSES_PATH, first))
    chained = {**first, "input": "And again.", "previous_response_id": json.loads(answer)["id"]}
    rows = []
    for label, body in (("stored response", first), ("chained response", chained)):
        request = raw_request(False, RESPONSES_PATH, body)
        rows.append((label, await calls_per_answer(create_app(config, services), False, requests, request)))
    return rows


async def answer_to(app: web.Application, request: bytes) -> bytes:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    protocol, transport = runner.server(), Capturing()
    protocol.connection_made(transport)
    protocol.data_received(request)
    await _settled(transport)
    await runner.cleanup()
    return b"".join(transport.chunks).partition(b"\r\n\r\n")[2]


async def captured_body(config: ServerConfig, stream: bool) -> bytes:
    """mocksrv's answer to the benchmark request: the bare server replays it, as in run.py."""
    runner = web.AppRunner(create_app(config, build_services(config)), access_log=None)
    await runner.setup()
    protocol, transport = runner.server(), Capturing()
    protocol.connection_made(transport)
    protocol.data_received(raw_request(stream))
    await _settled(transport)
    await runner.cleanup()
    answer = b"".join(transport.chunks).partition(b"\r\n\r\n")[2]
    return _unchunked(answer) if stream else answer


class Capturing(CountingTransport):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        super().write(data)
        self.chunks.append(bytes(data))


def _unchunked(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    arguments = parser.parse_args()
    try:
        import uvloop  # the loop both servers run on in the benchmark
    except ImportError:  # pragma: no cover
        asyncio.run(main(arguments.requests))
    else:
        uvloop.run(main(arguments.requests))
