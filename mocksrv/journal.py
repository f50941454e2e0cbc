"""The request journal: one entry per request, written once by middleware, bounded."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from aiohttp import web
from multidict import MultiMapping
from yarl import URL

from .config import CACHE_LIMITS, EVENTS_LOGGED

# Always redacted; each dialect's own credential headers and query keys are added at start-up.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "api-key", "cookie", "proxy-authorization", "x-mock-admin-token"}
)
SENSITIVE_QUERY = frozenset({"api_key", "token"})
EVENT_DATA_CHARS = 2000  # of each one's data
SESSION_HEADER = "X-Mock-Session"  # a session named by the client is a name, not a credential
SHOWN_PREFIX, SHOWN_SUFFIX = 3, 4  # "sk-proj-...a1b2" is shown as "sk-…a1b2"
SHOWN_MIN_LENGTH = 20  # shorter credentials are shown as "…" alone: 13+ characters stay hidden
# Keys each entry's hidden session; a fork inherits it, so pre-fork workers agree on it.
_PROCESS_SECRET = os.urandom(32)


@dataclass(slots=True)
class Trace:
    """What the handler learned about one request; the middleware turns it into an entry."""

    started: float = field(default_factory=time.perf_counter)  # the entry's wall time derives from it
    dialect: str | None = None
    session: str | None = None
    fixture: str | None = None
    scenario: str | None = None
    step: int | None = None  # the scenario step
    reply: int | None = None  # the fixture's reply index (for `replies:` sequences)
    faults: list[str] = field(default_factory=list)
    events: int = 0
    ended_by: str | None = None
    body: Any = None
    violations: list[str] = field(default_factory=list)
    first_byte: float | None = None
    raw_body: bytes = b""
    raw_size: int | None = None  # the body's length when the journal kept only raw_body's head
    # The answer, for the inspector: references only, turned into journal form once, at the end.
    response_body: Any = None  # a rendered JSON body
    response_raw: bytes = b""  # its bytes (bounds what the journal keeps)
    response_size: int | None = None  # the answer's length when only response_raw's head is kept
    stream: Any = None  # a streamed answer's sse.StreamOutcome (events sent, write times)
    # What a generated answer used and cost (ledger.py); None for everything else.
    model: str | None = None
    usage: dict[str, int] | None = None
    cost: float | None = None
    stored: str | None = None  # the id under which the answer was stored (stateful/)
    continues: str | None = None  # the stored response this request continued
    extra_headers: dict[str, str] = field(default_factory=dict)  # counted limits, misbehaviour
    misbehaviour: str | None = None  # the misbehaviour a scenario made the model show
    profile: str | None = None  # the selected scenario's profile ("relay": relay.py)

    @classmethod
    def arrived(cls, at: float | None) -> Trace:
        """A trace whose clock starts when the request's bytes were read (perf_counter `at`)."""
        return cls() if at is None else cls(started=at)

    def headers(self) -> dict[str, str]:
        """Response headers that say which fixture and scenario step produced the answer."""
        found = trace_headers(self.fixture, self.scenario, self.step, self.reply)
        return {**found, **self.extra_headers} if self.extra_headers else found

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()


TRACE = web.RequestKey("mocksrv.trace", Trace)


def trace_headers(
    fixture: str | None, scenario: str | None, step: int | None, reply: int | None
) -> dict[str, str]:
    found = {
        "x-mocksrv-fixture": fixture,
        "x-mocksrv-scenario": scenario,
        "x-mocksrv-step": None if step is None else str(step),
        "x-mocksrv-reply": None if reply is None else str(reply),
    }
    return {k: v for k, v in found.items() if v is not None}


def trace_of(request: web.Request) -> Trace:
    try:  # the middleware made it first (a request is not a dict: `in` would raise inside anyway)
        return request[TRACE]
    except KeyError:
        trace = request[TRACE] = Trace()
        return trace


def redact_headers(headers: MultiMapping[str], sensitive: frozenset[str]) -> dict[str, str]:
    return {str(k): ("[redacted]" if k.lower() in sensitive else v) for k, v in headers.items()}


def redact_query(query: MultiMapping[str], sensitive: frozenset[str]) -> dict[str, str]:
    return {str(k): ("[redacted]" if k.lower() in sensitive else v) for k, v in query.items()}


def redact_credential(value: str) -> str:
    """A credential as the journal shows it: its first 3 and last 4 characters, or nothing if short."""
    if len(value) < SHOWN_MIN_LENGTH:
        return "…"
    return f"{value[:SHOWN_PREFIX]}…{value[-SHOWN_SUFFIX:]}"


@functools.lru_cache(maxsize=8)  # one token per server: a hash per answer would show in the benchmark
def session_secret(admin_token: str | None) -> bytes:
    """What keys the session hash: the admin token when set (shared by every replica of a
    deployment), else a per-process secret (shared by the pre-fork workers)."""
    if admin_token:
        return hashlib.sha256(b"mocksrv-session\0" + admin_token.encode()).digest()
    return _PROCESS_SECRET


@functools.lru_cache(maxsize=CACHE_LIMITS.trace_lines)  # a few keys send most requests: one HMAC each
def session_key(secret: bytes, session: str) -> str:
    """A keyed hash of a session: lets `?session=<key>` find entries that show the key redacted."""
    return hmac.new(secret, session.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:32]


def bounded_body(body: Any, raw: bytes, limit: int, size: int | None = None) -> Any:
    """The body as sent, or (too long, or not JSON) its first `limit` bytes as text, marked.
    `size`: the length of a body the journal kept only the head of (shed())."""
    size = len(raw) if size is None else size
    if body is not None and size <= limit:
        return body
    if not raw:
        return None
    text = raw[:limit].decode("utf-8", "replace")
    return {"truncated": size > limit, "bytes": size, "text": text}


def shed(trace: Trace, limit: int) -> None:
    """Let go of what the journal will never show, before the entry is kept.

    An entry lives until the journal drops it (journal_limit entries later), and builds its
    view only when read: without this it would hold every body whole, parsed and raw (100
    requests of 7 MB: 1.4 GB). Bodies over `limit` keep their first `limit` bytes and length.
    """
    if len(trace.raw_body) > limit:
        trace.raw_size, trace.raw_body, trace.body = len(trace.raw_body), trace.raw_body[:limit], None
    if len(trace.response_raw) > limit:
        trace.response_size, trace.response_raw = len(trace.response_raw), trace.response_raw[:limit]
        trace.response_body = None


@dataclass(frozen=True, slots=True)
class Capture:
    """How the journal shows requests and answers: what to redact, how many body bytes to keep."""

    secret_headers: frozenset[str]
    secret_query: frozenset[str]
    body_limit: int
    session_secret: bytes = _PROCESS_SECRET


def captured_request(trace: Trace, headers: MultiMapping[str], url: URL, capture: Capture) -> dict[str, Any]:
    """What the journal shows of the request: headers and query with credentials redacted, the body."""
    shown = {
        "headers": redact_headers(headers, capture.secret_headers),
        "query": redact_query(url.query, capture.secret_query),
        "body": bounded_body(trace.body, trace.raw_body, capture.body_limit, trace.raw_size),
    }
    if trace.raw_size is not None:  # cut to the journal's per-body limit (ServerConfig.journal_body_bytes)
        shown["body_truncated"], shown["body_bytes"] = True, trace.raw_size
    return shown


def captured_response(trace: Trace, body_limit: int) -> dict[str, Any] | None:
    """What the journal shows of the answer: the body (bounded), or the first stream events."""
    if trace.stream is not None:
        return {"events": _events(trace), "omitted": max(trace.events - len(trace.stream.sent), 0)}
    if trace.response_raw:
        body = bounded_body(_decoded(trace), trace.response_raw, body_limit, trace.response_size)
        if trace.response_size is None:
            return {"body": body}
        return {"body": body, "body_truncated": True, "body_bytes": trace.response_size}
    return None


def _decoded(trace: Trace) -> Any:
    """The answer's JSON: kept by the handler, or decoded from its bytes now that it is read."""
    if trace.response_body is not None or trace.response_size is not None:
        return trace.response_body
    if len(trace.response_raw) > 1 << 20:  # journal_body_bytes set that high: not decoded
        return None
    try:
        return orjson.loads(trace.response_raw)
    except orjson.JSONDecodeError:  # a raw replay (an SSE transcript): shown as text
        return None


def _events(trace: Trace) -> list[dict[str, Any]]:
    """Stream events with their offsets in ms; built in one pass (this runs for every stream)."""
    sent, times, started = trace.stream.sent[:EVENTS_LOGGED], trace.stream.times, trace.started
    if len(times) == 1:  # the whole stream went out in one write
        at = round((times[0] - started) * 1000, 3)
        events = [{"t_ms": at, "event": name, "data": data} for name, data in sent]
    else:
        events = [
            {"t_ms": round((t - started) * 1000, 3), "event": name, "data": data}
            for (name, data), t in zip(sent, times, strict=False)
        ]
    for event in events:
        if len(event["data"]) > EVENT_DATA_CHARS:
            event["data"], event["truncated"] = event["data"][:EVENT_DATA_CHARS], True
    return events


class Journaled(Protocol):
    """What a store keeps in its journal: an id it assigns, and the entry as readers see it."""

    id: int | None

    def view(self) -> dict[str, Any]: ...


@dataclass(slots=True, eq=False)
class Entry:
    """One request as the journal keeps it: references and its timings, taken on the hot path.

    The dict that readers see (view()) is built when the entry is first read: most entries
    leave the bounded journal unread, and a stream's capture (dozens of events) costs more
    than the rest of the request. Stores and the live push call view() before an entry
    leaves the process or is read.
    """

    trace: Trace
    method: str
    path: str
    status: int
    time: float  # wall clock when the request arrived
    ttfb_s: float
    duration_s: float
    headers: MultiMapping[str]
    url: URL
    capture: Capture
    id: int | None = None  # the store assigns it (one sequence across processes)
    _view: dict[str, Any] | None = None

    def view(self) -> dict[str, Any]:
        """The entry as the journal shows it (built once; its id as the store last set it)."""
        if self._view is None:
            self._view = self._build()
        self._view["id"] = self.id
        return self._view

    def _session(self) -> dict[str, Any]:
        """A session the client named is shown as is; one that is its API key only redacted."""
        session = self.trace.session
        if session is None or session == self.headers.get(SESSION_HEADER):
            return {"session": session}
        return {
            "session": redact_credential(session),
            "session_key": session_key(self.capture.session_secret, session),
        }

    def _build(self) -> dict[str, Any]:
        trace = self.trace
        return {
            "id": self.id,
            "time": self.time,
            **self._session(),
            "dialect": trace.dialect,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "fixture": trace.fixture,
            "scenario": trace.scenario,
            "step": trace.step,
            "reply": trace.reply,
            "faults": trace.faults,
            "misbehaviour": trace.misbehaviour,
            "ttfb_ms": round(self.ttfb_s * 1000, 3),
            "duration_ms": round(self.duration_s * 1000, 3),
            "events": trace.events,
            "ended_by": trace.ended_by,
            "violations": trace.violations,
            "model": trace.model,
            "usage": trace.usage,
            "cost": trace.cost,
            "stored": trace.stored,
            "continues": trace.continues,
            "request": captured_request(trace, self.headers, self.url, self.capture),
            "response": captured_response(trace, self.capture.body_limit),
        }


def entry(
    trace: Trace,
    method: str,
    path: str,
    status: int,
    headers: MultiMapping[str],
    url: URL,
    capture: Capture,
) -> Entry:
    """The journal entry of a request whose answer ends now."""
    shed(trace, capture.body_limit)
    now = time.perf_counter()
    started = trace.started
    taken = now - started
    ttfb = (trace.first_byte or now) - started
    return Entry(trace, method, path, status, time.time() - taken, ttfb, taken, headers, url, capture)


def select(entries: list[dict[str, Any]], filters: dict[str, str], capture: Capture) -> list[dict[str, Any]]:
    """Apply ?session= ?dialect= ?fixture= ?status= ?limit= (newest entries kept by limit).

    ?session= takes a session's name or its full API key (matched through the keyed hash)."""
    chosen = entries
    if "session" in filters:
        named, hashed = filters["session"], session_key(capture.session_secret, filters["session"])
        chosen = [e for e in chosen if e.get("session") == named or e.get("session_key") == hashed]
    for key in ("dialect", "fixture", "scenario"):
        if key in filters:
            chosen = [e for e in chosen if str(e.get(key)) == filters[key]]
    if "status" in filters:
        chosen = [e for e in chosen if str(e["status"]) == filters["status"]]
    if "limit" in filters and filters["limit"].isdigit():
        chosen = chosen[-int(filters["limit"]) :] if int(filters["limit"]) else []
    return chosen
