"""Writing an answer: a JSON body or a stream with the dialect's headers (prebuilt when the
speed layer can), a scripted request fault, or an error in the dialect's envelope."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web

from . import relay
from .dialects.base import Dialect, ErrorResponse
from .errors import MockError
from .exchange import Exchange
from .fast import prebuilt, rendered
from .fast.streamed import write_rendered
from .faults import Plan, StreamFaults
from .journal import Trace
from .model import Completion, ErrorKind, SSEEvent
from .sse import StreamOutcome, write_events
from .timing import Pacer

# The state store is down (state.Outage logs it): the dialect's own "try again" answer.
STORE_DOWN = MockError(ErrorKind.OVERLOADED, "The server is temporarily unavailable. Please try again later.")


async def stream_response(
    ex: Exchange, completion: Completion, plan: Plan, pacer: Pacer | None
) -> web.StreamResponse:
    dialect, request, trace, turn = ex.dialect, ex.request, ex.trace, ex.turn
    assert turn is not None
    faults = plan.stream
    ahead = rendered.stream(ex.renders, dialect, completion, turn) if faults is None else None
    response = streaming_response(ex)
    await response.prepare(request)
    trace.mark_first_byte()
    trace.stream = StreamOutcome()  # filled as events go out: kept even if the client leaves
    if ahead is not None:
        outcome = await write_rendered(response, ahead, pacer, dialect.keepalive(), trace.stream)
    else:
        outcome = await write_fresh(ex, response, completion, faults, pacer)
    trace.events, trace.ended_by = outcome.events, outcome.ended_by
    if outcome.ended_by != "disconnect":
        await response.write_eof()
    return response


async def write_fresh(
    ex: Exchange,
    response: web.StreamResponse,
    completion: Completion,
    faults: StreamFaults | None,
    pacer: Pacer | None,
) -> StreamOutcome:
    """The stream rendered event by event (paced: as they go out), faults applied."""
    dialect, turn = ex.dialect, ex.turn
    assert turn is not None and ex.trace.stream is not None
    events: Iterable[SSEEvent] = dialect.render_stream(completion, turn)
    if faults is not None:
        events = list(events)
        faults = faults.placed(events)
    error_event = None
    if faults is not None and faults.error_after is not None:
        error_event = dialect.stream_error_event(
            MockError(faults.error), ex.request_id, completion, turn, faults.error_after
        )
    return await write_events(
        response,
        events,
        pacer,
        faults,
        error_event,
        dialect.keepalive(),
        abort=lambda: _abort(ex.request),
        outcome=ex.trace.stream,
    )


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


async def request_fault(plan: Plan, request: web.Request, trace: Trace) -> web.StreamResponse:
    if plan.fault == "hang":
        await asyncio.sleep(plan.hang_ms / 1000)
        trace.ended_by = "hang"
        _abort(request)
    elif plan.fault == "reset":
        trace.ended_by = "reset"
        _abort(request)
    else:
        trace.ended_by = "empty"
        trace.mark_first_byte()
        return web.Response(status=200, body=b"", content_type="application/json")
    raise ConnectionResetError(plan.fault)


def streaming_response(ex: Exchange) -> web.StreamResponse:
    dialect, trace = ex.dialect, ex.trace
    if ex.services.config.fast_path and (found := prebuilt.response(dialect, ex.request_id, trace, True)):
        return found
    headers = {**dialect.response_headers(ex.request_id), **trace.headers(), "Cache-Control": "no-cache"}
    headers["Content-Type"] = dialect.stream_content_type  # as given: a binary stream has no charset
    return web.StreamResponse(headers=headers)


def json_response(ex: Exchange, body: dict | None, raw: bytes | None = None) -> web.StreamResponse:
    """Send `body`, or bytes already rendered for it (`raw`)."""
    dialect, trace = ex.dialect, ex.trace
    if raw is None:
        assert body is not None  # an answer is either rendered already or has a body to render
        raw = dialect.encode_body(body)
    trace.response_body, trace.response_raw = body, raw
    if ex.services.config.fast_path and (
        found := prebuilt.response(dialect, ex.request_id, trace, False, trace.response_raw)
    ):
        return found
    return web.Response(
        body=trace.response_raw,
        headers={**dialect.response_headers(ex.request_id), **trace.headers()},
        content_type="application/json",
    )


def error_response(
    dialect: Dialect, error: MockError, request_id: str, trace: Trace, relays: frozenset[str] = frozenset()
) -> web.Response:
    if relay.is_on(dialect, relays, trace.profile):
        return relay_error_response(dialect, error, request_id, trace)
    rendered: ErrorResponse = dialect.render_error(error, request_id)
    headers = {**dialect.response_headers(request_id), **trace.headers(), **rendered.headers}
    trace.response_body, trace.response_raw = rendered.body, dialect.encode_body(rendered.body)
    return web.Response(
        body=trace.response_raw,
        status=rendered.status,
        headers=headers,
        content_type="application/json",
    )


def relay_error_response(dialect: Dialect, error: MockError, request_id: str, trace: Trace) -> web.Response:
    model = trace.body.get("model") if isinstance(trace.body, dict) else None
    headers = {**dialect.response_headers(request_id), **trace.headers()}
    status, raw, content_type, headers, body = relay.error_response(
        dialect, error, request_id, str(model or ""), headers
    )
    trace.response_body, trace.response_raw = body, raw
    return web.Response(body=raw, status=status, headers=headers, content_type=content_type)
