"""The soak test's samples, verdict and Markdown report (docs/soak-results.md)."""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections import Counter
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Sample:
    elapsed: float  # seconds since traffic started
    rss_kib: int
    fds: int
    tasks: int
    journal: int
    done: int  # requests completed so far

    @staticmethod
    def header() -> str:
        return (
            f"{'t (s)':>7} {'RSS MiB':>8} {'fds':>5} {'tasks':>6} {'journal':>8} {'requests':>9} {'req/s':>7}"
        )

    def rate(self, previous: Sample | None) -> float:
        if previous is None:
            return self.done / self.elapsed if self.elapsed else 0.0
        return (self.done - previous.done) / max(self.elapsed - previous.elapsed, 1e-9)

    def row(self, previous: Sample | None) -> str:
        return (
            f"{self.elapsed:7.0f} {self.rss_kib / 1024:8.1f} {self.fds:5d} {self.tasks:6d} "
            f"{self.journal:8d} {self.done:9d} {self.rate(previous):7.0f}"
        )


@dataclass(frozen=True)
class Verdict:
    ok: bool
    summary: str


def rss_growth(samples: list[Sample], warmup: float) -> tuple[float, float, float]:
    """(baseline MiB, final MiB, growth) from the medians of 3 samples after warm-up and at the end."""
    total = samples[-1].elapsed
    steady = [s for s in samples if s.elapsed >= warmup * total] or samples
    baseline = statistics.median(s.rss_kib for s in steady[:3]) / 1024
    final = statistics.median(s.rss_kib for s in steady[-3:]) / 1024
    return baseline, final, final / baseline - 1


# What the page says before the run's figures: what the soak does and when it fails.
ABOUT = [
    "# Soak test",
    "",
    "`make soak` (`scripts/soak.py`, `DURATION` minutes, default 10) starts `mocksrv serve` on a free",
    "loopback port and drives it with mixed traffic: several dialects, streamed and not, scenarios",
    "that error, cut, stall, hang and garble, clients that hang up mid-stream or time out, malformed",
    "bodies. It samples the server every interval (RSS, open file descriptors, open tasks, journal",
    "size, requests/s) and fails when RSS after warm-up grows by more than the threshold (10% by",
    "default), when descriptors or tasks do not return to their idle level once traffic stops, when",
    "the server logs a traceback, or when it does not exit 0 on SIGTERM.",
]


def write_report(
    args: argparse.Namespace,
    samples: list[Sample],
    idle: Sample,
    after: Sample,
    outcomes: Counter,
    tracebacks: int,
    exit_code: int,
) -> Verdict:
    baseline, final, growth = rss_growth(samples, args.warmup)
    peak = max(s.rss_kib for s in samples) / 1024
    checks = [
        (
            growth <= args.threshold,
            f"RSS after warm-up {baseline:.1f} -> {final:.1f} MiB "
            f"({growth:+.1%}, limit {args.threshold:.0%})",
        ),
        (after.fds <= idle.fds + 2, f"open fds idle before {idle.fds}, idle after {after.fds}"),
        (after.tasks <= idle.tasks + 2, f"open tasks idle before {idle.tasks}, idle after {after.tasks}"),
        (tracebacks == 0, f"tracebacks in the server log: {tracebacks}"),
        (exit_code == 0, f"server exit code on SIGTERM: {exit_code}"),
    ]
    ok = all(passed for passed, _ in checks)
    minutes = samples[-1].elapsed / 60
    lines = [
        *ABOUT,
        "",
        "## Latest results",
        "",
        f"`make soak DURATION={args.minutes:g}` (scripts/soak.py) on {time.strftime('%Y-%m-%d')}, "
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}, {platform.machine()}: "
        f"{args.concurrency} concurrent loopback clients for {minutes:.1f} min, one sample every "
        f"{args.interval:g} s. Traffic: 9 dialect routes, half streamed; 11 scenarios (error steps, "
        "mid-stream errors, disconnects, malformed and truncated events, latency, stalls, seeded "
        "chaos, hangs, resets, empty answers); 15% of streams abandoned after the first event, "
        "client timeouts on hangs, 4% malformed bodies, 1% journal reads; 30% of requests on a "
        "fresh session id.",
        "",
        f"**Verdict: {'PASS' if ok else 'FAIL'}**",
        "",
        *[f"- {'ok' if passed else 'FAILED'}: {text}" for passed, text in checks],
        f"- RSS: idle {idle.rss_kib / 1024:.1f} MiB before traffic, peak {peak:.1f} MiB, "
        f"{after.rss_kib / 1024:.1f} MiB idle after",
        f"- requests: {samples[-1].done} in {minutes:.1f} min "
        f"({samples[-1].done / samples[-1].elapsed:.0f}/s); "
        f"journal holds {after.journal} (bounded by --journal-limit)",
        "- client-side outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
        "",
        "| t (s) | RSS MiB | fds | tasks | journal | requests | req/s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous = None
    for s in samples:
        lines.append(
            f"| {s.elapsed:.0f} | {s.rss_kib / 1024:.1f} | {s.fds} | {s.tasks} | {s.journal} | {s.done} "
            f"| {s.rate(previous):.0f} |"
        )
        previous = s
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    return Verdict(ok, "\n".join(f"{'ok    ' if p else 'FAILED'} {t}" for p, t in checks))
