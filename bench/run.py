"""`make bench`: mocksrv against a bare aiohttp server, side by side, on this machine.

Both servers run pinned to one core (`taskset -c 1` by default), the load client to the other
(`taskset -c 0`), everything on loopback. Rounds are interleaved (reference then mocksrv,
mocksrv then reference, ...) so drift in the machine hits both alike; each figure in the
table is the median over rounds, and each ratio is mocksrv's median over the reference's.
The paced rows (1,000 and 10,000 streams under a scripted latency) run against mocksrv alone:
their targets are absolute (RSS, time-to-first-token error against the script).

Results: a Markdown table on stdout and in bench/results/latest.md, raw numbers in
bench/results/latest.json. Every load run is bounded in time; the whole run takes about 5 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from load import request_body  # bench/ is the script's directory, so on sys.path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
PATH = "/openai/v1/chat/completions"
PACED_SCENARIO = "bench-slow"
PACED_TTFT_MS = 800.0  # must match bench/fixtures/bench.yaml
PACED_TOKEN_MS = 40.0
TTFT_EVENT = 2  # the first content event of the benchmark's OpenAI stream (load.py --ttft-event)

STAGGER = ["--stagger", "2.8", "--duration", "8"]
# paced rows: streams, load.py arguments, runs (the run with the median p99 is reported)
PACED_ROWS: list[tuple[int, list[str], int]] = [(100, STAGGER, 1), (1000, STAGGER, 3), (10000, ["--once"], 1)]
HELLO = "mocksrv benchmark: tell me something about foxes."
# Non-streaming rows on other dialects' routes (the bare server answers any path alike).
DIALECT_ROWS: dict[str, list[str]] = {
    "vertex-gemini": [
        "--path",
        "/vertex/v1beta1/projects/bench/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
        "--body",
        json.dumps({"contents": [{"role": "user", "parts": [{"text": HELLO}]}]}),
    ],
    "bedrock-converse": [
        "--path",
        "/bedrock/model/anthropic.claude-3-5-haiku-20241022-v1:0/converse",
        "--body",
        json.dumps({"messages": [{"role": "user", "content": [{"text": HELLO}]}]}),
    ],
}
EMBED_PATH = "/openai/v1/embeddings"
REQUESTS = HERE / "requests"
# Embeddings (docs/embeddings.md): one short input at 1536 dimensions in base64, the same body
# every time; and a batch of 100 inputs (18 KB: over the memo's body limit, so every answer is
# computed afresh). name, path, request body, load.py arguments
EMBED_ROWS: list[tuple[str, str, Path, list[str]]] = [
    ("embed-1", EMBED_PATH, REQUESTS / "embed-1.json", ["--conns", "100", "--duration", "3"]),
    ("embed-100", EMBED_PATH, REQUESTS / "embed-100.json", ["--conns", "10", "--duration", "3"]),
]
# name, load.py arguments
THROUGHPUT_ROWS: list[tuple[str, list[str]]] = [
    ("nonstream", ["--conns", "100", "--duration", "3"]),
    # ~2,000-token prompts, repeated: prompt-cache lookups and the ledger on every answer
    ("nonstream-cached", ["--conns", "100", "--duration", "3", "--system-words", "700"]),
    # a new X-Request-Id on each request, as gateways send: no request is the bytes of another
    ("nonstream-varied", ["--conns", "100", "--duration", "3", "--vary"]),
    ("stream-1", ["--stream", "--conns", "1", "--duration", "2"]),
    ("stream-100", ["--stream", "--conns", "100", "--duration", "3"]),
    ("stream-1000", ["--stream", "--conns", "1000", "--duration", "3", "--warmup", "1"]),
    *((name, [*route, "--conns", "100", "--duration", "3"]) for name, route in DIALECT_ROWS.items()),
    *((row, ["--path", path, "--body-json", str(body), *extra]) for row, path, body, extra in EMBED_ROWS),
]
# mocksrv only (the reference server has no such routes): name, load.py arguments
PROVIDER_ROWS: list[tuple[str, list[str]]] = [
    (
        "azure-stream-100",
        [
            "--path",
            "/azure/openai/deployments/d/chat/completions?api-version=2024-10-21",
            "--stream",
            "--conns",
            "100",
            "--duration",
            "3",
        ],
    ),
    ("ollama-stream-100", ["--path", "/ollama/api/chat", "--stream", "--conns", "100", "--duration", "3"]),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpus: str | None, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpus, *argv] if cpus else argv


class Server:
    def __init__(self, name: str, argv: list[str], port: int, log: Path):
        self.name, self.port = name, port
        self.log = log.open("wb")
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} exited during start-up; see {log}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
            time.sleep(0.1)
        raise SystemExit(f"{name} did not start listening within 30 s; see {log}")

    def pids(self) -> list[int]:
        """The server process and its descendants (workers)."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in task.read_text().split())
        return found

    def peak_rss_mib(self) -> float:
        """VmHWM summed over the process tree (the kernel's high-water mark of resident memory)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process tree so far (from /proc/<pid>/stat)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / os.sysconf("SC_CLK_TCK")

    def reset_peak(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def load(
    port: int, args: list[str], cpus: str | None, timeout: float = 120, server: Server | None = None
) -> dict[str, Any]:
    argv = pinned(cpus, [PY, str(HERE / "load.py"), "--port", str(port), "--path", PATH, *args])
    cpu = server.cpu_seconds() if server else 0.0
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"load client failed: {done.stderr.decode()[-2000:]}")
    result = json.loads(done.stdout)
    if server is not None and result.get("requests_with_warmup"):
        # Server CPU per answer: unlike throughput, it hardly moves when other processes compete
        # for the server's core.
        result["server_cpu_us"] = (server.cpu_seconds() - cpu) / result["requests_with_warmup"] * 1e6
    return result


def capture(port: int, stream: bool, path: str = PATH, body: bytes | None = None) -> bytes:
    """What mocksrv answers to the benchmark request: the reference server replays these bytes."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body if body is not None else json.dumps(request_body(stream)).encode(),
        headers={"Authorization": "Bearer sk-bench-capture", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False
        ).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    versions = subprocess.run(
        [
            PY,
            "-c",
            "import aiohttp, importlib.util as u; print(aiohttp.__version__, bool(u.find_spec('uvloop')))",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": versions[0] if versions else "?",
        "loop": "uvloop" if versions[1:] == ["True"] else "asyncio",
    }


def median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def server_side_ttft(port: int) -> dict[str, float | None]:
    """The same TTFT error seen from the server: the journal's own write time of each stream's
    first content event (the same n-th event the client waits for) against the script, for the
    streams the journal still holds. It leaves out the loopback and the load client's own delays."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_mock/requests?scenario={PACED_SCENARIO}") as r:
        entries = json.loads(r.read())["requests"]
    errors = sorted(
        events[TTFT_EVENT - 1]["t_ms"] - PACED_TTFT_MS
        for e in entries
        if len(events := (e.get("response") or {}).get("events") or []) >= TTFT_EVENT
    )
    return {
        "streams": len(errors),
        "ttft_error_p50_ms": quantile(errors, 0.50),
        "ttft_error_p99_ms": quantile(errors, 0.99),
    }


def quantile(ordered: list[float], q: float) -> float | None:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else None


def has_workers_flag() -> bool:
    done = subprocess.run([PY, "-m", "mocksrv", "serve", "--help"], cwd=ROOT, capture_output=True, text=True)
    return "--workers" in done.stdout


@contextlib.contextmanager
def servers(tmp: Path, server_cpus: str | None) -> Iterator[tuple[Server, Server]]:
    started: list[Server] = []
    try:
        mock_port = free_port()
        mock_argv = [
            PY,
            "-m",
            "mocksrv",
            "serve",
            "--port",
            str(mock_port),
            "--fixtures",
            str(HERE / "fixtures"),
        ]
        mock = Server(
            "mocksrv", pinned(server_cpus, [*mock_argv, "--log-level", "WARNING"]), mock_port, tmp / "m.log"
        )
        started.append(mock)
        (tmp / "body.json").write_bytes(capture(mock_port, stream=False))
        (tmp / "stream.sse").write_bytes(capture(mock_port, stream=True))
        ref_port = free_port()
        ref_argv = [PY, str(HERE / "reference_server.py"), "--port", str(ref_port)]
        ref_argv += ["--body", str(tmp / "body.json"), "--stream-body", str(tmp / "stream.sse")]
        for row, path, body, _ in EMBED_ROWS:
            (tmp / f"{row}.json").write_bytes(capture(mock_port, False, path, body.read_bytes().strip()))
            ref_argv += ["--answer", f"{body}={tmp / f'{row}.json'}"]
        ref = Server("reference", pinned(server_cpus, ref_argv), ref_port, tmp / "r.log")
        started.append(ref)
        yield ref, mock
    finally:
        for server in started:
            server.stop()


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "rounds": args.rounds, "rows": {}, "paced": {}}
    results["load_average_before"] = os.getloadavg()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmpdir, servers(Path(tmpdir), args.server_cpus) as (ref, mock):
        stream_events = (Path(tmpdir) / "stream.sse").read_bytes().count(b"data:")
        results["events_per_stream"] = stream_events
        results["body_bytes"] = len((Path(tmpdir) / "body.json").read_bytes())
        results["stream_bytes"] = len((Path(tmpdir) / "stream.sse").read_bytes())
        log(f"servers up; a stream has {stream_events} events; warming up")
        for server in (ref, mock):
            load(server.port, ["--conns", "50", "--duration", "1"], args.client_cpus)
            load(server.port, ["--stream", "--conns", "50", "--duration", "1"], args.client_cpus)
        for row, _ in THROUGHPUT_ROWS:
            results["rows"][row] = {"reference": [], "mocksrv": []}
        for round_no in range(args.rounds):
            for row, row_args in THROUGHPUT_ROWS:
                order = (ref, mock) if round_no % 2 == 0 else (mock, ref)
                for server in order:
                    outcome = load(server.port, row_args, args.client_cpus, server=server)
                    results["rows"][row][server.name].append(outcome)
            log(f"round {round_no + 1}/{args.rounds} done ({time.monotonic() - began:.0f} s)")
        results["providers"] = {
            row: load(mock.port, row_args, args.client_cpus, server=mock) for row, row_args in PROVIDER_ROWS
        }
        results["peak_rss_mib"] = {"reference": ref.peak_rss_mib(), "mocksrv": mock.peak_rss_mib()}
        ref.stop()
        for count, extra, runs in PACED_ROWS:
            outcomes = [paced_run(mock, count, extra, args.client_cpus) for _ in range(runs)]
            # A single run's p99 is its 30th-worst stream: one hiccup of the machine moves it.
            outcome = sorted(outcomes, key=lambda o: o["ttft_abs_error_p99_ms"] or 0.0)[len(outcomes) // 2]
            outcome["runs"] = runs
            results["paced"][str(count)] = outcome
            log(f"{count} paced streams done ({time.monotonic() - began:.0f} s)")
    results["workers"] = workers_row(args) if has_workers_flag() else None
    results["seconds"] = round(time.monotonic() - began, 1)
    results["load_average_after"] = os.getloadavg()
    return results


def paced_run(mock: Server, count: int, extra: list[str], client_cpus: str | None) -> dict[str, Any]:
    mock.reset_peak()
    argv = ["--mode", "paced", "--conns", str(count), "--scenario", PACED_SCENARIO]
    argv += ["--ttft-ms", str(PACED_TTFT_MS), "--timeout", "60", *extra]
    outcome = load(mock.port, argv, client_cpus, timeout=180)
    outcome["peak_rss_mib"] = mock.peak_rss_mib()
    outcome["server_side"] = server_side_ttft(mock.port)
    return outcome


def workers_row(args: argparse.Namespace) -> dict[str, Any]:
    """Non-streaming requests/s and server CPU per answer, --workers 1 and --workers N."""
    row: dict[str, Any] = {"cpus": args.workers_cpus, "runs": {}, "cpu_us": {}}
    with tempfile.TemporaryDirectory() as tmpdir:
        for workers in (1, args.workers):
            port = free_port()
            argv = [PY, "-m", "mocksrv", "serve", "--port", str(port), "--fixtures", str(HERE / "fixtures")]
            argv += ["--workers", str(workers), "--log-level", "WARNING"]
            server = Server(
                f"workers-{workers}", pinned(args.workers_cpus, argv), port, Path(tmpdir) / "w.log"
            )
            try:
                load(port, ["--conns", "100", "--duration", "1"], args.client_cpus)
                runs = [
                    load(port, ["--conns", "100", "--duration", "3"], args.client_cpus, server=server)
                    for _ in range(3)
                ]
                row["runs"][str(workers)] = median(runs, "rps")
                row["cpu_us"][str(workers)] = median(runs, "server_cpu_us")
            finally:
                server.stop()
    log("workers row done")
    return row


def log(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def ratio(mine: float | None, theirs: float | None) -> str:
    return f"{mine / theirs:.2f}x" if mine and theirs else "-"


def at_least(mine: float | None, theirs: float | None, share: float) -> bool:
    return bool(mine and theirs and mine / theirs >= share)


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def embed_lines(both: Any) -> list[str]:
    """The embeddings rows (a run from before they existed has none)."""
    lines = []
    ref_rps, mock_rps = both("embed-1", "rps")
    lines.append(
        f"| embeddings requests/s, 1 input, 1536 dims, base64 (100 connections) | {fmt(ref_rps)} | "
        f"{fmt(mock_rps)} | {ratio(mock_rps, ref_rps)} | "
        f">= 0.70x: {verdict(at_least(mock_rps, ref_rps, 0.7))} |"
    )
    ref_cpu, mock_cpu = both("embed-100", "server_cpu_us")
    within = mock_cpu is not None and mock_cpu <= 5000
    lines.append(
        f"| server CPU per embeddings answer, batch of 100 inputs (µs) | {fmt(ref_cpu, 1)} | "
        f"{fmt(mock_cpu, 1)} | {ratio(ref_cpu, mock_cpu)} | <= 5000 µs: {verdict(within)} |"
    )
    return lines


def table(results: dict[str, Any]) -> str:
    rows = results["rows"]
    m = results["machine"]
    lines = [
        "# mocksrv benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Linux {m['kernel']}; Python {m['python']}; "
        f"aiohttp {m['aiohttp']}; event loop {m['loop']} (both servers).",
        f"Servers pinned to core(s) {results['server_cpus']}, "
        f"load client to core(s) {results['client_cpus']}; "
        f"loopback; {results['rounds']} interleaved rounds, medians; request validation on. "
        f"Streams: {results['events_per_stream']} SSE events ({results['stream_bytes']:,} bytes); "
        f"non-streaming body {results['body_bytes']:,} bytes. Run took {results['seconds']:.0f} s.",
        "",
        "| measure | bare aiohttp | mocksrv | ratio | target |",
        "|---|---:|---:|---:|---|",
    ]

    def both(row: str, key: str) -> tuple[float | None, float | None]:
        return median(rows[row]["reference"], key), median(rows[row]["mocksrv"], key)

    ref_rps, mock_rps = both("nonstream", "rps")
    lines.append(
        f"| non-streaming requests/s (100 connections) | {fmt(ref_rps)} | {fmt(mock_rps)} | "
        f"{ratio(mock_rps, ref_rps)} | >= 0.70x: {verdict(at_least(mock_rps, ref_rps, 0.7))} |"
    )
    ref_cpu, mock_cpu = both("nonstream", "server_cpu_us")
    lines.append(
        f"| server CPU per non-streaming answer (µs; ratio = bare / mocksrv) | {fmt(ref_cpu, 1)} | "
        f"{fmt(mock_cpu, 1)} | {ratio(ref_cpu, mock_cpu)} | |"
    )
    (r50, m50), (r99, m99) = both("nonstream", "latency_p50_ms"), both("nonstream", "latency_p99_ms")
    lines.append(
        f"| non-streaming latency p50 / p99 (ms) | {fmt(r50, 2)} / {fmt(r99, 2)} | "
        f"{fmt(m50, 2)} / {fmt(m99, 2)} | | |"
    )
    ref_rps, mock_rps = both("nonstream-cached", "rps")
    lines.append(
        f"| the same, a ~2,000-token prompt (prompt cache and ledger on each answer): requests/s | "
        f"{fmt(ref_rps)} | {fmt(mock_rps)} | {ratio(mock_rps, ref_rps)} | |"
    )
    ref_rps, mock_rps = both("nonstream-varied", "rps")
    ref_cpu, mock_cpu = both("nonstream-varied", "server_cpu_us")
    lines += [
        f"| the same, a new X-Request-Id header on each request: requests/s | {fmt(ref_rps)} | "
        f"{fmt(mock_rps)} | {ratio(mock_rps, ref_rps)} | |",
        f"| the same: server CPU per answer (µs; ratio = bare / mocksrv) | {fmt(ref_cpu, 1)} | "
        f"{fmt(mock_cpu, 1)} | {ratio(ref_cpu, mock_cpu)} | |",
    ]
    for count in ("1", "100", "1000"):
        row = f"stream-{count}"
        ref_eps, mock_eps = both(row, "events_per_s")
        target = ""
        if count != "1":
            target = f">= 0.80x: {verdict(at_least(mock_eps, ref_eps, 0.8))}"
        lines.append(
            f"| streaming events/s, {int(count):,} concurrent stream{'s' if count != '1' else ''} | "
            f"{fmt(ref_eps)} | {fmt(mock_eps)} | {ratio(mock_eps, ref_eps)} | {target} |"
        )
        ref_cpu, mock_cpu = both(row, "server_cpu_us")
        lines.append(
            f"| server CPU per {results['events_per_stream']}-event stream (µs; ratio = bare / mocksrv) | "
            f"{fmt(ref_cpu, 1)} | {fmt(mock_cpu, 1)} | {ratio(ref_cpu, mock_cpu)} | |"
        )
        (r50, m50), (r99, m99) = both(row, "ttfb_p50_ms"), both(row, "ttfb_p99_ms")
        lines.append(
            f"| time to first byte p50 / p99 (ms), {int(count):,} stream{'s' if count != '1' else ''} | "
            f"{fmt(r50, 2)} / {fmt(r99, 2)} | {fmt(m50, 2)} / {fmt(m99, 2)} | | |"
        )
    for row in DIALECT_ROWS:
        ref_rps, mock_rps = both(row, "rps")
        lines.append(
            f"| {row} non-streaming requests/s (100 connections) | {fmt(ref_rps)} | {fmt(mock_rps)} | "
            f"{ratio(mock_rps, ref_rps)} | |"
        )
    lines += embed_lines(both) if "embed-1" in rows else []
    rss = results["peak_rss_mib"]
    lines.append(
        f"| peak RSS over the rows above (MiB) | {fmt(rss['reference'], 1)} | {fmt(rss['mocksrv'], 1)} | "
        f"{ratio(rss['mocksrv'], rss['reference'])} | |"
    )
    paced = results["paced"]
    p100, p1, p10 = paced["100"], paced["1000"], paced["10000"]
    seen = p1.get("server_side") or {"streams": 0, "ttft_error_p50_ms": None, "ttft_error_p99_ms": None}
    script = f"ttft {PACED_TTFT_MS:.0f} ms, token {PACED_TOKEN_MS:.0f} ms"
    lines += [
        "",
        f"Paced streams (mocksrv alone; scenario `{PACED_SCENARIO}`: {script}; "
        "TTFT from the client sending the request to the first content event reaching the client's socket, "
        "by the kernel's receive timestamp):",
        "",
        "| measure | mocksrv | target |",
        "|---|---:|---|",
        f"| 100 concurrent paced streams: TTFT error vs script p50 / p99 (ms) | "
        f"{fmt(p100['ttft_error_p50_ms'], 2)} / {fmt(p100['ttft_error_p99_ms'], 2)} | "
        f"p99 within 10 ms: {verdict((p100['ttft_abs_error_p99_ms'] or 1e9) <= 10)} |",
        f"| 1,000 concurrent paced streams: TTFT error vs script p50 / p99 (ms; median of "
        f"{p1.get('runs', 1)} runs) | "
        f"{fmt(p1['ttft_error_p50_ms'], 2)} / {fmt(p1['ttft_error_p99_ms'], 2)} | "
        f"p99 within 5 ms: {verdict((p1['ttft_abs_error_p99_ms'] or 1e9) <= 5)} |",
        f"| the same, as the load client's own event loop read it p50 / p99 (ms) | "
        f"{fmt(p1.get('ttft_error_in_client_p50_ms'), 2)} / "
        f"{fmt(p1.get('ttft_error_in_client_p99_ms'), 2)} | |",
        f"| the same, seen by the server (journal write times, last {seen['streams']:,} streams) "
        f"p50 / p99 (ms) | {fmt(seen['ttft_error_p50_ms'], 2)} / {fmt(seen['ttft_error_p99_ms'], 2)} | |",
        f"| 1,000 paced: time to first byte at the client p50 / p99 (ms) | {fmt(p1.get('ttfb_p50_ms'), 2)} / "
        f"{fmt(p1.get('ttfb_p99_ms'), 2)} | |",
        f"| 1,000 paced: streams completed / errors / peak RSS (MiB) | {p1['streams']:,} / {p1['errors']} / "
        f"{fmt(p1['peak_rss_mib'], 1)} | |",
        f"| 10,000 concurrent paced streams: peak RSS (MiB) | {fmt(p10['peak_rss_mib'], 1)} | "
        f"<= 1024 MiB: {verdict(p10['peak_rss_mib'] <= 1024 and p10['peak_open_streams'] >= 10000)} |",
        f"| 10,000 paced: peak open at once / completed / errors | {p10['peak_open_streams']:,} / "
        f"{p10['streams']:,} / {p10['errors']} | |",
        f"| 10,000 paced: TTFT error vs script p50 / p99 (ms) | {fmt(p10['ttft_error_p50_ms'], 1)} / "
        f"{fmt(p10['ttft_error_p99_ms'], 1)} | (none; one core serving 10,000 streams) |",
    ]
    workers = results.get("workers")
    lines += ["", "| `--workers` (non-streaming) | 1 worker | N workers | scaling |", "|---|---:|---:|---:|"]
    if workers is None:
        lines.append("| TODO: `mocksrv serve --workers` does not exist yet; row skipped | - | - | - |")
    else:
        runs, cpu_us = workers["runs"], workers["cpu_us"]
        n = next((k for k in runs if k != "1"), "?")
        lines.append(
            f"| requests/s, workers on cores {workers['cpus']}, N = {n} | {fmt(runs.get('1'))} | "
            f"{fmt(runs.get(n))} | {ratio(runs.get(n), runs.get('1'))} |"
        )
        lines.append(
            f"| server CPU per answer (µs; ratio = 1 / N: 1.00x is linear) | {fmt(cpu_us.get('1'), 1)} | "
            f"{fmt(cpu_us.get(n), 1)} | {ratio(cpu_us.get('1'), cpu_us.get(n))} |"
        )
    cpu = max(
        (r.get("client_cpu", 0) for row in rows.values() for runs in row.values() for r in runs), default=0
    )
    before, after = results["load_average_before"], results["load_average_after"]
    lines += [
        "",
        f"Busiest load-client core: {cpu:.0%} (below 100%: the client was not the bottleneck). "
        f"Load average (1 min) before / after the run: {before[0]:.2f} / {after[0]:.2f}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="mocksrv vs bare aiohttp")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server-cpus", default="1", help="taskset list for the servers ('' for none)")
    parser.add_argument("--client-cpus", default="0", help="taskset list for the load client")
    parser.add_argument("--workers", type=int, default=2, help="N for the --workers row")
    parser.add_argument("--workers-cpus", default="0,1", help="taskset list for the --workers row")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:  # nothing to pin to, or with
        args.server_cpus = args.client_cpus = args.workers_cpus = ""
    results = run(args)
    results["server_cpus"], results["client_cpus"] = args.server_cpus or "any", args.client_cpus or "any"
    text = table(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(text)
    (args.out / "latest.json").write_text(json.dumps(results, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
