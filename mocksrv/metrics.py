"""Prometheus metrics, fed from journal entries (one call per request) and served at /_mock/metrics.

Each server has its own CollectorRegistry, so several servers in one process (tests) never clash.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
# From a cached answer (ms) to a slow demo stream (a minute).
BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
NONE = "none"  # label value when an entry has no dialect or fixture


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = Counter(
            "mocksrv_requests",
            "Requests answered, by dialect, HTTP status and fixture.",
            ["dialect", "status", "fixture"],
            registry=reg,
        )
        self.events = Counter("mocksrv_stream_events", "SSE events written.", ["dialect"], registry=reg)
        self.faults = Counter("mocksrv_faults", "Injected faults, by kind.", ["kind"], registry=reg)
        self.ttfb = Histogram(
            "mocksrv_ttfb_seconds", "Time to first byte.", ["dialect"], buckets=BUCKETS, registry=reg
        )
        self.duration = Histogram(
            "mocksrv_request_duration_seconds",
            "Time from request to the end of the answer.",
            ["dialect"],
            buckets=BUCKETS,
            registry=reg,
        )
        self.journal = Gauge("mocksrv_journal_entries", "Entries held in the request journal.", registry=reg)
        self._requests: dict[tuple[Any, ...], Any] = {}
        self._per_dialect: dict[str, tuple[Any, ...]] = {}

    def observe(self, entry: dict[str, Any]) -> None:
        """Count one journal entry (label children are cached: this runs for every request)."""
        dialect = entry.get("dialect") or NONE
        key = (dialect, entry.get("status"), entry.get("fixture"))
        requests = self._requests.get(key)
        if requests is None:
            requests = self._requests[key] = self.requests.labels(dialect, str(key[1]), key[2] or NONE)
        requests.inc()
        per_dialect = self._per_dialect.get(dialect)
        if per_dialect is None:
            per_dialect = self._per_dialect[dialect] = tuple(
                metric.labels(dialect) for metric in (self.events, self.ttfb, self.duration)
            )
        events, ttfb, duration = per_dialect
        if entry.get("events"):
            events.inc(entry["events"])
        for kind in entry.get("faults") or ():
            self.faults.labels(kind).inc()
        ttfb.observe(entry.get("ttfb_ms", 0) / 1000)
        duration.observe(entry.get("duration_ms", 0) / 1000)

    def render(self, journal_size: int) -> bytes:
        self.journal.set(journal_size)  # read at scrape time: the store knows, no bookkeeping here
        return generate_latest(self.registry)
