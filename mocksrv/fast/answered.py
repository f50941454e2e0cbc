"""A repeated request answered as it was last time, without walking the pipeline again.

A load test sends one request thousands of times: the same bytes, the same headers. When
every input of an answer equals one answered before (the body, through its memo entry; the
headers and query string, as sent; the state's epoch), and nothing else went into that answer
(no scenario, no fixture cursor, no stored response, no counted limit, no prompt-cache state,
no lenient-mode note, no extra header), then the checks and decisions between reading the
body and writing the answer (auth, schema, cross-turn and model limits, plan, choice, shape,
the ledger's arithmetic) would come out the same again. This layer keeps what they produced,
with the body's memo entry, and the handler goes straight to writing the answer under a fresh
id and timestamp, posting the same ledger line. AnswerKey names every input; anything the
pipeline learns from outside the request and the state must keep the answer out of here.
Since the key holds every header, this holds too for a dialect whose parse reads headers
(Anthropic's `anthropic-version`), whose turn the memo does not keep. A store shared with
other processes has no epoch; then nothing is kept.
"""

from __future__ import annotations

import dataclasses

from aiohttp import web

from ..ledger import Line
from ..model import Turn
from .decided import Shaped

# Headers that no part of mocksrv reads: tracing, correlation and retry bookkeeping, which
# gateways and SDKs send with a new value on every request. They cannot change an answer, so
# the key leaves them out (the journal still shows them as sent).
UNREAD_HEADERS = frozenset(
    name.encode()
    for name in (
        "x-request-id",
        "request-id",
        "x-correlation-id",
        "correlation-id",
        "idempotency-key",
        "traceparent",
        "tracestate",
        "baggage",
        "b3",
        "x-b3-traceid",
        "x-b3-spanid",
        "x-b3-parentspanid",
        "x-b3-sampled",
        "x-amzn-trace-id",
        "x-cloud-trace-context",
        "sentry-trace",
        "uber-trace-id",
        "x-datadog-trace-id",
        "x-datadog-parent-id",
        "x-stainless-retry-count",
    )
)


@dataclasses.dataclass(frozen=True, slots=True)
class AnswerKey:
    """Every input of an answer but the body: a kept answer holds only for an equal key."""

    epoch: int | None  # the state's version; None: shared state, never kept
    query: str  # the raw query string (api-version, alt=sse, key=...)
    headers: tuple[tuple[bytes, bytes], ...]  # every header as sent, in order (UNREAD_HEADERS aside)


@dataclasses.dataclass(frozen=True, slots=True)
class Answered:
    """What the pipeline made of one request: enough to write the same answer again."""

    key: AnswerKey
    credential: str
    session: str
    turn: Turn
    shaped: Shaped
    fixture: str | None  # the trace's fixture and reply, as the pipeline set them
    reply: int | None
    line: Line | None  # the ledger line (usage and cost) posted for each answer


def answer_key(epoch: int | None, request: web.Request) -> AnswerKey:
    headers = tuple(item for item in request.raw_headers if item[0].lower() not in UNREAD_HEADERS)
    return AnswerKey(epoch, request.rel_url.raw_query_string, headers)


def recalled(kept: Answered | None, key: AnswerKey) -> Answered | None:
    """The answer kept for this body, if it holds for this key."""
    if kept is None or key.epoch is None or kept.key != key:
        return None
    return kept
