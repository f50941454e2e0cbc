"""The request journal: one entry per request, written once by middleware, bounded."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiMapping

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "wuinai-access-key",
        "wuinai-access-token",
        "cookie",
        "proxy-authorization",
        "x-mock-admin-token",
    }
)
SENSITIVE_QUERY = frozenset({"key", "api_key", "token"})
_ids = itertools.count(1)


@dataclass
class Trace:
    """What the handler learned about one request; the middleware turns it into an entry."""

    started: float = field(default_factory=time.perf_counter)
    wall: float = field(default_factory=time.time)
    dialect: str | None = None
    session: str | None = None
    fixture: str | None = None
    scenario: str | None = None
    step: int | None = None
    faults: list[str] = field(default_factory=list)
    events: int = 0
    ended_by: str | None = None
    body: Any = None
    violations: list[str] = field(default_factory=list)
    first_byte: float | None = None
    raw_body: bytes = b""

    def headers(self) -> dict[str, str]:
        """Response headers that say which fixture and scenario step produced the answer."""
        found = {"x-mocksrv-fixture": self.fixture, "x-mocksrv-scenario": self.scenario}
        if self.step is not None:
            found["x-mocksrv-step"] = str(self.step)
        return {k: v for k, v in found.items() if v is not None}

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()


TRACE = web.RequestKey("mocksrv.trace", Trace)


def trace_of(request: web.Request) -> Trace:
    if TRACE not in request:
        request[TRACE] = Trace()
    return request[TRACE]


def redact_headers(headers: MultiMapping[str]) -> dict[str, str]:
    return {str(k): ("[redacted]" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def redact_query(query: MultiMapping[str]) -> dict[str, str]:
    return {str(k): ("[redacted]" if k.lower() in SENSITIVE_QUERY else v) for k, v in query.items()}


def bounded_body(body: Any, raw: bytes, limit: int) -> Any:
    if body is not None and len(raw) <= limit:
        return body
    if not raw:
        return None
    text = raw[:limit].decode("utf-8", "replace")
    return {"truncated": len(raw) > limit, "bytes": len(raw), "text": text}


def entry(
    trace: Trace,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    query: dict[str, str],
    body: Any,
) -> dict[str, Any]:
    now = time.perf_counter()
    ttfb = (trace.first_byte or now) - trace.started
    return {
        "id": next(_ids),
        "time": trace.wall,
        "session": trace.session,
        "dialect": trace.dialect,
        "method": method,
        "path": path,
        "status": status,
        "fixture": trace.fixture,
        "scenario": trace.scenario,
        "step": trace.step,
        "faults": trace.faults,
        "ttfb_ms": round(ttfb * 1000, 3),
        "duration_ms": round((now - trace.started) * 1000, 3),
        "events": trace.events,
        "ended_by": trace.ended_by,
        "violations": trace.violations,
        "request": {"headers": headers, "query": query, "body": body},
    }


def select(entries: list[dict[str, Any]], filters: dict[str, str]) -> list[dict[str, Any]]:
    """Apply ?session= ?dialect= ?fixture= ?status= ?limit= (newest entries kept by limit)."""
    chosen = entries
    for key in ("session", "dialect", "fixture", "scenario"):
        if key in filters:
            chosen = [e for e in chosen if str(e.get(key)) == filters[key]]
    if "status" in filters:
        chosen = [e for e in chosen if str(e["status"]) == filters["status"]]
    if "limit" in filters and filters["limit"].isdigit():
        chosen = chosen[-int(filters["limit"]) :] if int(filters["limit"]) else []
    return chosen
