"""Prometheus metrics, fed from journal entries (one call per request) and served at /_mock/metrics.

Counting is plain dictionary arithmetic on the request path; prometheus_client only sees the
tallies when /_mock/metrics is scraped (a custom collector), so a request pays no metric locks,
label lookups or per-bucket loops. Each server has its own CollectorRegistry, so several servers
in one process (tests) never clash.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from .journal import Entry

CONTENT_TYPE = CONTENT_TYPE_LATEST
# From a cached answer (ms) to a slow demo stream (a minute).
BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
NONE = "none"  # label value when an entry has no dialect or fixture


class Timings:
    """One histogram's tallies per label value: a count per bucket (the last is +Inf) and a sum."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}

    def observe(self, label: str, seconds: float) -> None:
        counts = self.counts.get(label)
        if counts is None:
            counts = self.counts[label] = [0] * (len(BUCKETS) + 1)
            self.sums[label] = 0.0
        counts[bisect_left(BUCKETS, seconds)] += 1
        self.sums[label] += seconds

    def family(self, name: str, documentation: str, label: str) -> HistogramMetricFamily:
        family = HistogramMetricFamily(name, documentation, labels=[label])
        for value, counts in self.counts.items():
            cumulative, buckets = 0, []
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            family.add_metric([value], buckets, self.sums[value])
        return family


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, int, str], int] = {}  # (dialect, status, fixture)
        self.events: dict[str, int] = {}
        self.faults: dict[str, int] = {}
        # model -> usage name (ledger.usage_view's, "input_tokens"...) -> tokens (ledger.py)
        self.tokens: dict[str, dict[str, int]] = {}
        self.cost: dict[str, float] = {}  # model -> US dollars
        self.ttfb = Timings()
        self.duration = Timings()
        self.journal_size = 0
        # answers written again without the pipeline: from the request's bytes (fast/replayed.py)
        # or from the parsed request (fast/answered.py)
        self.repeated = {"bytes": 0, "request": 0}
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(self)  # collect() below

    def observe(self, entry: Entry) -> None:
        """Count one journal entry (this runs for every request)."""
        trace = entry.trace
        dialect = trace.dialect or NONE
        key = (dialect, entry.status, trace.fixture or NONE)
        self.requests[key] = self.requests.get(key, 0) + 1
        if trace.events:
            self.events[dialect] = self.events.get(dialect, 0) + trace.events
        for kind in trace.faults:
            self.faults[kind] = self.faults.get(kind, 0) + 1
        if trace.usage is not None:
            self._bill(trace.model or NONE, trace.usage, trace.cost or 0.0)
        self.ttfb.observe(dialect, entry.ttfb_s)
        self.duration.observe(dialect, entry.duration_s)

    def _bill(self, model: str, usage: dict[str, int], cost: float) -> None:
        tokens = self.tokens.get(model)
        if tokens is None:
            tokens = self.tokens[model] = {}
        for kind, count in usage.items():  # zeros too: collect() leaves them out
            tokens[kind] = tokens.get(kind, 0) + count
        self.cost[model] = self.cost.get(model, 0.0) + cost

    def collect(self) -> Iterator[Any]:
        """prometheus_client's collector protocol: the tallies as metric families, at scrape time."""
        requests = CounterMetricFamily(
            "mocksrv_requests",
            "Requests answered, by dialect, HTTP status and fixture.",
            labels=["dialect", "status", "fixture"],
        )
        for (dialect, status, fixture), count in self.requests.items():
            requests.add_metric([dialect, str(status), fixture], count)
        yield requests
        yield _counter("mocksrv_stream_events", "SSE events written.", "dialect", self.events)
        yield _counter("mocksrv_faults", "Injected faults, by kind.", "kind", self.faults)
        tokens = CounterMetricFamily(
            "mocksrv_tokens",
            "Tokens of generated answers, by model and type (input, output, reasoning, cached, cache_write).",
            labels=["model", "type"],
        )
        for model, kinds in self.tokens.items():
            for kind, count in kinds.items():
                if count:
                    tokens.add_metric([model, kind.removesuffix("_tokens")], count)
        yield tokens
        yield _counter(
            "mocksrv_cost_usd", "What generated answers cost at catalog prices.", "model", self.cost
        )
        yield self.ttfb.family("mocksrv_ttfb_seconds", "Time to first byte.", "dialect")
        yield self.duration.family(
            "mocksrv_request_duration_seconds", "Time from request to the end of the answer.", "dialect"
        )
        yield _counter(
            "mocksrv_repeated_answers",
            "Answers to a repeated request written without walking the pipeline again: "
            "from the request's bytes, or from the parsed request.",
            "layer",
            self.repeated,
        )
        yield GaugeMetricFamily(
            "mocksrv_journal_entries", "Entries held in the request journal.", value=self.journal_size
        )

    def render(self, journal_size: int) -> bytes:
        self.journal_size = journal_size  # read at scrape time: the store knows, no bookkeeping here
        return generate_latest(self.registry)


def _counter(
    name: str, documentation: str, label: str, tallies: dict[str, int] | dict[str, float]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for value, count in tallies.items():
        family.add_metric([value], count)
    return family
