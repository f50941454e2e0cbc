"""A bounded HTTP/1.1 load client for the benchmark: raw asyncio protocols, keep-alive, loopback.

Why not an HTTP client library: aiohttp's or httpx's client costs more CPU per response than
the server under test spends producing it, so the client would be what is measured. A bare
`asyncio.Protocol` per connection (uvloop when installed) parses status line, headers,
Content-Length and chunked bodies and counts SSE events with `bytes.count`; it keeps well
ahead of one server core (`client_cpu` in the output says how busy it was).

Modes (one JSON object on stdout):

- `closed`: N keep-alive connections, each sending its next request as soon as the previous
  answer ends, for a warm-up and then a measured duration. Requests/s, events/s, latency and
  time-to-first-byte percentiles.
- `paced`: N connections, each running one stream at a time (or exactly one with `--once`),
  their first requests spread over `--stagger` seconds. Time to the first content event
  against the scripted `--ttft-ms`, peak number of streams open at once. The first content
  event's time is the kernel's receive timestamp of its bytes (SO_TIMESTAMPNS): when the server
  delivered it, not when this client's busy event loop got round to reading it (that figure is
  reported too, as `ttft_error_in_client_*`).

Every run is bounded: `--duration` for closed loops, `--timeout` for paced runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import socket
import struct
import sys
import time
from array import array
from pathlib import Path
from typing import Any

try:
    import uvloop
except ImportError:  # pragma: no cover - the client still works, only slower
    uvloop = None

perf = time.perf_counter

HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, TRAILER = range(5)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value where Python lacks the name
TIMESPEC = struct.Struct("qq")  # struct timespec on 64-bit Linux
VARY_MARK = b"#" * 12  # where --vary writes each request's number (as many digits: same length)


def request_body(stream: bool) -> dict:
    """The benchmark's chat request (run.py captures mocksrv's answer to this same body)."""
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "mocksrv benchmark: tell me something about foxes."},
        ],
        "temperature": 0.7,
        "max_tokens": 256,
    }
    if stream:
        body["stream"] = True
    return body


def build_request(
    host: str,
    port: int,
    path: str,
    stream: bool,
    scenario: str | None,
    body: bytes | None = None,
    system_words: int = 0,
    vary: bool = False,
) -> bytes:
    """`body`: the JSON to send (--body, --body-json: another route's request) instead of the chat
    one; `system_words`: the chat one with a system prompt this long (repeated: prompt caching);
    `vary`: each request carries its own X-Request-Id, as a gateway's requests do (no two requests
    are the same bytes)."""
    if body is None:
        chat = request_body(stream)
        if system_words:
            chat["messages"][0]["content"] = " ".join(f"rule{i % 97} applies." for i in range(system_words))
        body = json.dumps(chat, separators=(",", ":")).encode()
    raw = body.strip()
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Authorization: Bearer sk-bench-0000000000000000",
        "Content-Type: application/json",
        "Accept: application/json",
        "User-Agent: mocksrv-bench/1",
        f"Content-Length: {len(raw)}",
    ]
    if scenario:
        lines.append(f"X-Mock-Scenario: {scenario}")
    if vary:  # Conn.send writes each request's number in its place
        lines.append(f"X-Request-Id: {VARY_MARK.decode()}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


class Stats:
    def __init__(self) -> None:
        self.latency = array("d")
        self.ttfb = array("d")
        self.ttft = array("d")  # as this client's code saw it
        self.ttft_socket = array("d")  # by the kernel's receive timestamps
        self.done = 0
        self.events = 0
        self.errors = 0
        self.statuses: dict[int, int] = {}
        self.first_send = 0.0
        self.last_done = 0.0


class Client:
    def __init__(self, request: bytes, ttft_event: int) -> None:
        self.request = request
        self.varied = request.split(VARY_MARK) if VARY_MARK in request else None
        self.sent = 0
        self.ttft_event = ttft_event  # the n-th SSE event is the first content event
        self.stats = Stats()
        self.recording = False
        self.deadline = 0.0  # closed loop: no new request after this
        self.repeat = True
        self.busy = 0
        self.open_streams = 0
        self.peak_open = 0
        self.answered = 0  # warm-up included
        self.idle: asyncio.Future[None] | None = None

    def finished(self, conn: Conn, now: float, status: int) -> None:
        stats = self.stats
        self.open_streams -= 1
        self.answered += 1
        if self.recording:
            stats.done += 1
            stats.events += conn.events
            stats.latency.append(now - conn.t_send)
            stats.ttfb.append(conn.t_first - conn.t_send)
            if conn.t_event:
                stats.ttft.append(conn.t_event - conn.t_send)
            if conn.kernel_event:
                stats.ttft_socket.append(conn.kernel_event - conn.wall_send)
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if status != 200:
                stats.errors += 1
            stats.last_done = now
        if self.repeat and now < self.deadline:
            conn.send()
        else:
            self.release()

    def release(self) -> None:
        self.busy -= 1
        if self.busy == 0 and self.idle is not None and not self.idle.done():
            self.idle.set_result(None)


class Conn(asyncio.Protocol):
    def __init__(self, client: Client) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.state = HEAD
        self.active = False
        self.t_send = self.t_first = self.t_event = 0.0
        self.wall_send = self.kernel_event = 0.0  # CLOCK_REALTIME, as kernel timestamps are
        self.kernel_at = 0.0  # the receive timestamp of the data being handled (0: none)
        self.events = 0
        self.status = 0
        self.remaining = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self) -> None:
        client = self.client
        self.state, self.events, self.t_first, self.t_event = HEAD, 0, 0.0, 0.0
        self.kernel_event = 0.0
        self.active = True
        client.open_streams += 1
        if client.open_streams > client.peak_open:
            client.peak_open = client.open_streams
        self.t_send = perf()
        self.wall_send = time.time()
        if client.recording and not client.stats.first_send:
            client.stats.first_send = self.t_send
        if client.varied is None:
            self.transport.write(client.request)
        else:
            client.sent += 1
            self.transport.write(b"%b%012d%b" % (client.varied[0], client.sent, client.varied[1]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.active:
            self.active = False
            self.client.open_streams -= 1
            self.client.stats.errors += 1
            self.client.release()

    def data_received(self, data: bytes) -> None:
        now = perf()
        if not self.t_first:
            self.t_first = now
        buf = self.buf
        buf += data
        while True:
            state = self.state
            if state == CHUNK_DATA:
                need = self.remaining
                if len(buf) < need + 2:
                    return
                self.events += buf.count(b"data:", 0, need)
                if not self.t_event and self.events >= self.client.ttft_event:
                    self.t_event = now
                    self.kernel_event = self.kernel_at
                del buf[: need + 2]
                self.state = CHUNK_SIZE
            elif state == CHUNK_SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    return
                size = int(bytes(buf[:end]).split(b";")[0], 16)
                del buf[: end + 2]
                if size:
                    self.remaining, self.state = size, CHUNK_DATA
                else:
                    self.state = TRAILER
            elif state == HEAD:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buf[:end]).lower()
                del buf[: end + 4]
                self.status = int(head[9:12])
                if b"transfer-encoding: chunked" in head:
                    self.state = CHUNK_SIZE
                else:
                    at = head.find(b"content-length:")
                    end = head.find(b"\r\n", at)
                    self.remaining = int(head[at + 15 : end if end >= 0 else None]) if at >= 0 else 0
                    self.state = BODY
            elif state == BODY:
                need = self.remaining
                if len(buf) < need:
                    return
                self.events += buf.count(b"data:", 0, need)
                del buf[:need]
                self._done(now)
                return
            else:  # TRAILER: no trailers are sent; one empty line ends the message
                end = buf.find(b"\r\n")
                if end < 0:
                    return
                del buf[: end + 2]
                if end == 0:
                    self._done(now)
                    return

    def _done(self, now: float) -> None:
        self.active = False
        self.state = HEAD
        self.client.finished(self, now, self.status)


def pct(values: array, q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class TimestampedTransport:
    """Just enough of a transport for Conn, on a raw socket read with recvmsg, so that each read
    comes with the kernel's receive timestamp (SO_TIMESTAMPNS: for TCP, that of the newest
    segment read). The request is a few hundred bytes into an empty send buffer: one send."""

    def __init__(self, sock: socket.socket, conn: Conn, loop: asyncio.AbstractEventLoop) -> None:
        self.sock, self.conn, self.loop = sock, conn, loop
        loop.add_reader(sock.fileno(), self._readable)

    def write(self, data: bytes) -> None:
        if self.sock.send(data) != len(data):
            raise RuntimeError("a request did not fit the socket's send buffer")

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self.loop.remove_reader(self.sock.fileno())
            self.sock.close()

    def _readable(self) -> None:
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(262144, 64)
            except BlockingIOError:
                return
            except OSError as exc:
                self.close()
                self.conn.connection_lost(exc)
                return
            if not data:
                self.close()
                self.conn.connection_lost(None)
                return
            self.conn.kernel_at = received_at(ancillary)
            self.conn.data_received(data)


def received_at(ancillary: list[tuple[int, int, bytes]]) -> float:
    """The SO_TIMESTAMPNS receive time (CLOCK_REALTIME seconds) among recvmsg's ancillary data; 0: none."""
    for level, kind, raw in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = TIMESPEC.unpack(raw[: TIMESPEC.size])
            return seconds + nanoseconds / 1e9
    return 0.0


async def connect_timestamped(host: str, port: int, client: Client, count: int, parallel: int) -> list[Conn]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)

    async def one() -> Conn:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        async with gate:
            await loop.sock_connect(sock, (host, port))
        conn = Conn(client)
        conn.transport = TimestampedTransport(sock, conn, loop)
        return conn

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def connect_all(host: str, port: int, client: Client, count: int, parallel: int) -> list[Conn]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)  # stay under the server's listen backlog

    async def one() -> Conn:
        async with gate:
            _, conn = await loop.create_connection(lambda: Conn(client), host, port)
            return conn

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def run_phase(client: Client, conns: list[Conn], seconds: float, grace: float) -> None:
    loop = asyncio.get_running_loop()
    client.idle = loop.create_future()
    client.busy = len(conns)
    client.deadline = perf() + seconds
    for conn in conns:
        conn.send()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(client.idle), seconds + grace)


async def closed(args: argparse.Namespace, client: Client) -> dict[str, Any]:
    conns = await connect_all(args.host, args.port, client, args.conns, 100)
    if args.warmup > 0:
        await run_phase(client, conns, args.warmup, args.grace)
    client.recording = True
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    await run_phase(client, conns, args.duration, args.grace)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    stats = client.stats
    elapsed = max(stats.last_done - stats.first_send, 1e-9)
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    for conn in conns:
        conn.transport.close()
    return {
        "mode": "closed",
        "conns": args.conns,
        "stream": args.stream,
        "requests": stats.done,
        "requests_with_warmup": client.answered,
        "errors": stats.errors,
        "statuses": stats.statuses,
        "elapsed_s": elapsed,
        "rps": stats.done / elapsed,
        "events": stats.events,
        "events_per_s": stats.events / elapsed,
        "events_per_response": stats.events / stats.done if stats.done else 0,
        "latency_p50_ms": ms(pct(stats.latency, 0.50)),
        "latency_p99_ms": ms(pct(stats.latency, 0.99)),
        "ttfb_p50_ms": ms(pct(stats.ttfb, 0.50)),
        "ttfb_p99_ms": ms(pct(stats.ttfb, 0.99)),
        "client_cpu": cpu / elapsed,
    }


async def paced(args: argparse.Namespace, client: Client) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    started = perf()
    conns = await connect_timestamped(args.host, args.port, client, args.conns, 100)
    connect_s = perf() - started
    client.recording = True
    client.repeat = not args.once
    client.idle = loop.create_future()
    client.busy = len(conns)
    begin = perf()
    client.deadline = begin + args.duration
    step = args.stagger / len(conns)
    for i, conn in enumerate(conns):  # spread the first requests evenly over --stagger seconds
        delay = begin + i * step - perf()
        if delay > 0.001:
            await asyncio.sleep(delay)
        conn.send()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(client.idle), args.timeout)
    stats = client.stats
    # Without kernel timestamps (not Linux), the client's own reading times stand in.
    measured = stats.ttft_socket if stats.ttft_socket else stats.ttft
    errors = array("d", [t - args.ttft_ms / 1000 for t in measured])
    in_client = array("d", [t - args.ttft_ms / 1000 for t in stats.ttft])
    for conn in conns:
        conn.transport.close()
    return {
        "mode": "paced",
        "conns": args.conns,
        "streams": stats.done,
        "errors": stats.errors + client.busy,  # unfinished at the timeout count as errors
        "statuses": stats.statuses,
        "connect_s": connect_s,
        "wall_s": perf() - begin,
        "peak_open_streams": client.peak_open,
        "events_per_stream": stats.events / stats.done if stats.done else 0,
        "script_ttft_ms": args.ttft_ms,
        "ttft_p50_ms": ms(pct(measured, 0.50)),
        "ttft_p99_ms": ms(pct(measured, 0.99)),
        "ttft_error_p50_ms": ms(pct(errors, 0.50)),
        "ttft_error_p99_ms": ms(pct(errors, 0.99)),
        "ttft_abs_error_p99_ms": ms(pct(array("d", [abs(e) for e in errors]), 0.99)),
        "ttft_clock": "socket" if stats.ttft_socket else "client",
        "ttft_error_in_client_p50_ms": ms(pct(in_client, 0.50)),
        "ttft_error_in_client_p99_ms": ms(pct(in_client, 0.99)),
        "ttfb_p50_ms": ms(pct(stats.ttfb, 0.50)),
        "ttfb_p99_ms": ms(pct(stats.ttfb, 0.99)),
    }


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/openai/v1/chat/completions")
    parser.add_argument("--mode", choices=("closed", "paced"), default="closed")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--conns", type=int, default=100)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--grace", type=float, default=10.0, help="closed: wait this long for stragglers")
    parser.add_argument("--scenario", help="X-Mock-Scenario header")
    parser.add_argument("--body", help="the request body (JSON) for another dialect's --path")
    parser.add_argument("--ttft-ms", type=float, default=0.0, help="paced: the scripted time to first token")
    parser.add_argument("--ttft-event", type=int, default=2, help="the first content event is the n-th")
    parser.add_argument("--stagger", type=float, default=1.0, help="paced: spread first requests (s)")
    parser.add_argument("--once", action="store_true", help="paced: one stream per connection")
    parser.add_argument("--timeout", type=float, default=60.0, help="paced: give up after this long")
    parser.add_argument("--body-json", type=Path, help="send this request body (default: the chat one)")
    parser.add_argument("--system-words", type=int, default=0, help="a system prompt this many words long")
    parser.add_argument("--vary", action="store_true", help="a new X-Request-Id header on every request")
    args = parser.parse_args()
    if args.mode == "paced":
        args.stream = True
    client = Client(
        build_request(
            args.host,
            args.port,
            args.path,
            args.stream,
            args.scenario,
            args.body.encode() if args.body else args.body_json.read_bytes() if args.body_json else None,
            args.system_words,
            args.vary,
        ),
        args.ttft_event,
    )
    run = paced if args.mode == "paced" else closed
    result = uvloop.run(run(args, client)) if uvloop else asyncio.run(run(args, client))
    result["loop"] = "uvloop" if uvloop else "asyncio"
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
