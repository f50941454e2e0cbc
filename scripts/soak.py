"""Soak test: mixed traffic with faults and disconnects against `python -m mocksrv serve`.

Starts the server on a free loopback port with scripts/soak_fixtures, drives it for N minutes
with bounded concurrency (stream and non-stream, several dialects, scenarios that error, cut,
stall, hang and garble, clients that hang up mid-stream or time out, malformed bodies), and
samples the server every interval: RSS, open fds, open tasks, journal size, requests/s.

Exits non-zero when RSS after warm-up grows by more than --threshold, when fds or tasks do
not return to their idle level once traffic stops, or when the server logged a traceback.
Usage: python scripts/soak.py --minutes 10   (make soak DURATION=10)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
from soak_report import Sample, write_report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "soak_fixtures"
SCENARIOS = [None] * 6 + [
    "soak-errors",
    "soak-midstream",
    "soak-cut",
    "soak-garbage",
    "soak-truncated",
    "soak-latency",
    "soak-stall",
    "soak-chaos",
    "soak-hang",
    "soak-reset",
    "soak-empty",
]
PROMPTS = ["What's the weather?", "a sequence please", "use a tool", "Hello!", "Tell me about {}"]
WORDS = ["otters", "rivers", "compilers", "tea", "volcanoes", "jazz", "bridges", "moss"]
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": ""}]}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(rng: random.Random) -> tuple[str, str, dict[str, str], object, bool]:
    """(method, path, headers, JSON body or raw bytes, streamed) of one random request."""
    text = rng.choice(PROMPTS).format(rng.choice(WORDS))
    stream = rng.random() < 0.5
    bearer = {"Authorization": "Bearer sk-soak"}
    chat = {**CHAT, "messages": [{"role": "user", "content": text}], "stream": stream}
    if "tool" in text:
        chat["tools"] = TOOLS
    kind = rng.choice(
        ["openai", "openai", "responses", "anthropic", "gemini", "wuinai", "opeai", "wrapped", "maisi"]
    )
    if kind == "responses":
        return (
            "POST",
            "/openai/v1/responses",
            bearer,
            {"model": "gpt-4o", "input": text, "stream": stream},
            stream,
        )
    if kind in ("anthropic", "maisi"):
        body = {
            "model": "claude-sonnet-4-5",
            "max_tokens": 256,
            "messages": chat["messages"],
            "stream": stream,
        }
        headers = (
            {"x-api-key": "sk-soak", "anthropic-version": "2023-06-01"} if kind == "anthropic" else bearer
        )
        return "POST", f"/{kind}/v1/messages", headers, body, stream
    if kind == "gemini":
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        body = {"contents": [{"role": "user", "parts": [{"text": text}]}]}
        return (
            "POST",
            f"/gemini/v1beta/models/gemini-2.5-flash:{method}",
            {"x-goog-api-key": "k"},
            body,
            stream,
        )
    if kind == "wuinai":
        headers = {"wuinai-access-key": "k", "wuinai-access-token": "t"}
        return "POST", "/wuinai/api/ai/openai/chat/completions", headers, chat, stream
    prefix = {"openai": "/openai/v1", "opeai": "/opeai/v1", "wrapped": "/wrapped/api/v1"}[kind]
    return "POST", f"{prefix}/chat/completions", bearer, chat, stream


async def one(session: aiohttp.ClientSession, base: str, rng: random.Random, outcomes: Counter) -> None:
    method, path, headers, body, stream = call(rng)
    headers = dict(headers)
    if scenario := rng.choice(SCENARIOS):
        headers["X-Mock-Scenario"] = scenario
    # Mostly a bounded pool of sessions; some fresh ones, as test suites with a key per test make.
    fresh = rng.random() < 0.3
    headers["X-Mock-Session"] = f"fresh-{rng.getrandbits(64):x}" if fresh else f"s{rng.randrange(300)}"
    roll = rng.random()
    if roll < 0.04:  # unreadable body
        body, headers["Content-Type"] = b'{"model": "gpt-4o", "messages": [', "application/json"
    elif roll < 0.05:
        method, path, body = "GET", "/_mock/requests?limit=20", None
    hang_up = stream and rng.random() < 0.15
    timeout = aiohttp.ClientTimeout(total=1.0 if scenario == "soak-hang" else 15)
    kwargs = {"data": body} if isinstance(body, bytes) else {"json": body}
    try:
        async with session.request(
            method, base + path, headers=headers, timeout=timeout, **kwargs
        ) as response:
            if hang_up:
                await response.content.readline()
                response.close()  # the client leaves mid-stream
                outcomes["hung up"] += 1
                return
            await response.read()
            outcomes[f"HTTP {response.status}"] += 1
    except TimeoutError:  # asyncio.TimeoutError is TimeoutError on 3.11+
        outcomes["client timeout"] += 1
    except aiohttp.ClientError:
        outcomes["connection cut"] += 1  # scripted disconnects and resets


async def worker(base: str, seed: int, end: float, outcomes: Counter, done: list[int]) -> None:
    rng = random.Random(seed)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        while time.monotonic() < end:
            await one(session, base, rng, outcomes)
            done[0] += 1


def proc_stats(pid: int) -> tuple[int, int]:
    """(RSS in KiB, open fds) of the server process."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def sample(session: aiohttp.ClientSession, base: str, pid: int, elapsed: float, done: int) -> Sample:
    rss, fds = proc_stats(pid)
    async with session.get(base + "/_mock/health") as response:
        tasks = (await response.json())["tasks"]
    async with session.get(base + "/_mock/requests") as response:
        journal = len((await response.json())["requests"])
    return Sample(elapsed, rss, fds, tasks, journal, done)


async def drive(
    base: str, pid: int, args: argparse.Namespace
) -> tuple[list[Sample], Sample, Sample, Counter]:
    outcomes: Counter = Counter()
    done = [0]
    async with aiohttp.ClientSession() as probe:
        idle = await sample(probe, base, pid, 0.0, 0)
        start = time.monotonic()
        end = start + args.minutes * 60
        workers = [
            asyncio.create_task(worker(base, args.seed + i, end, outcomes, done))
            for i in range(args.concurrency)
        ]
        samples = []
        while time.monotonic() < end:
            await asyncio.sleep(min(args.interval, max(end - time.monotonic(), 0)))
            samples.append(await sample(probe, base, pid, time.monotonic() - start, done[0]))
            print(samples[-1].row(samples[-2] if len(samples) > 1 else None), flush=True)
        await asyncio.gather(*workers)
        await asyncio.sleep(args.settle)  # hung requests end, connections close
        after = await sample(probe, base, pid, time.monotonic() - start, done[0])
    return samples, idle, after, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("DURATION", "10")))
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=0.2, help="fraction of the run ignored for RSS")
    parser.add_argument("--threshold", type=float, default=0.10, help="allowed RSS growth after warm-up")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds idle before the final sample")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "soak-results.md")
    args = parser.parse_args()
    port = free_port()
    log_path = Path(os.environ.get("SOAK_LOG", "/tmp/mocksrv-soak-server.log"))
    command = [sys.executable, "-m", "mocksrv", "serve", "--port", str(port), "--fixtures", str(FIXTURES)]
    with log_path.open("w") as log:
        server = subprocess.Popen([*command, "--log-level", "WARNING"], stdout=log, stderr=log, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server)
        print(f"soak: {args.minutes:g} min, {args.concurrency} clients, server pid {server.pid} on {base}")
        print(Sample.header(), flush=True)
        samples, idle, after, outcomes = asyncio.run(drive(base, server.pid, args))
    finally:
        server.terminate()
        code = server.wait(30)
    tracebacks = log_path.read_text().count("Traceback")
    verdict = write_report(args, samples, idle, after, outcomes, tracebacks, code)
    print(verdict.summary)
    print(f"report written to {args.out}")
    return 0 if verdict.ok else 1


def wait_ready(base: str, server: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            urllib.request.urlopen(base + "/_mock/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server never answered /_mock/health")


if __name__ == "__main__":
    sys.exit(main())
