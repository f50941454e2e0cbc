"""The one generation handler: auth, validation, scenario, fixture, render, write."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable

from aiohttp import web

from . import limits, misbehave, prebuilt, relay, rendered
from .decided import recalled, remember
from .dialects.base import Dialect, ErrorResponse, RouteSpec
from .errors import MockError
from .faults import Plan
from .generate import conversation_key, generate_reply, seed_for
from .intake import check_auth, check_schema, parse_turn, read_incoming
from .journal import Trace, trace_of
from .model import Completion, ErrorKind, Reply, Turn
from .prebuilt import PrebuiltResponse
from .replay import replay
from .scenarios import NO_PLAN, with_fixture_defaults
from .services import SERVICES, Services
from .shaping import shape
from .sse import StreamOutcome, write_events
from .state import StoreUnavailable
from .store import Choice
from .timing import Pacer

SESSION_HEADER = "X-Mock-Session"
SCENARIO_HEADER = "X-Mock-Scenario"
# The state store is down (state.Outage logs it): the dialect's own "try again" answer.
STORE_DOWN = MockError(ErrorKind.OVERLOADED, "The server is temporarily unavailable. Please try again later.")


async def handle(dialect: Dialect, route: RouteSpec, request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    trace = trace_of(request)
    trace.dialect = dialect.name
    request_id = dialect.new_request_id(new_hex_id())
    trace.session = request.headers.get(SESSION_HEADER)  # known even when auth fails
    try:
        incoming, parsed = await read_incoming(request, dialect, route, services.config, trace, services.memo)
        credential = check_auth(dialect, incoming, services.config)
        trace.session = trace.session or credential
        if route.operation in BILLING:  # one-api's dashboard endpoints (relay.py)
            return json_response(dialect, BILLING[route.operation](), request_id, trace)
        if route.operation == "models":
            models = dialect.render_models(list(services.config.models), int(time.time()))
            return json_response(dialect, models, request_id, trace)
        if route.operation == "model":
            return json_response(
                dialect, dialect.render_model(incoming.match_info["model"]), request_id, trace
            )
        check_schema(dialect, route.operation, incoming, services.schemas, parsed)
        turn = parse_turn(dialect, incoming, parsed)
        if route.operation == "count_tokens":
            return json_response(dialect, dialect.render_count(turn), request_id, trace)
        renders = parsed.renders if parsed is not None and parsed.turn is turn else None
        return await answer(services, dialect, request, trace, turn, credential, request_id, renders)
    except MockError as error:
        if error.detail == "schema":
            trace.violations.append(f"{error.param}: {error.text}")
        # A scenario's error lives in its plan, a local of the frames in its own traceback: a
        # cycle holding the whole request until a full GC pass. Dropping the traceback ends it.
        error.with_traceback(None)  # (the C-level setter: MockError is a frozen dataclass)
        return error_response(dialect, error, request_id, trace, services.config.relay_dialects)
    except StoreUnavailable:
        return error_response(dialect, STORE_DOWN, request_id, trace, services.config.relay_dialects)


async def answer(
    services: Services,
    dialect: Dialect,
    request: web.Request,
    trace: Trace,
    turn: Turn,
    credential: str,
    request_id: str,
    renders: dict | None,
) -> web.StreamResponse:
    """`renders`: the memo's table for this turn (rendered.py), when the turn came from the memo."""
    session = trace.session or credential
    key = _key_of(turn)
    header = request.headers.get(SCENARIO_HEADER)
    # Counting limits change each answer's headers: nothing is answered from memory under them.
    counting = services.scenarios.limits is not None
    decided = (
        None if counting else recalled(renders, services.state.epoch, credential, session, header is not None)
    )
    selection = None
    if decided is not None:  # this body, caller and state were answered before: the same way
        plan, choice, shaped = NO_PLAN, decided.choice, decided.shaped
        if choice is not None:
            trace.fixture, trace.reply = choice.fixture.id, choice.step_index
    else:
        epoch = services.state.epoch  # read first: what is decided below holds for this epoch
        selection = await services.scenarios.select(header, credential, session)
        key_text = str(key()) if selection is not None and selection.scenario.random else ""
        trace.profile = selection.scenario.profile if selection is not None else None
        plan = await services.scenarios.plan(selection, session, key_text, events_hint=8)
        trace.scenario, trace.step, trace.faults = plan.scenario, plan.step, plan.fault_names
        # Scenario errors and faults come first, so they do not use up a fixture's next reply.
        if plan.error is not None:
            raise plan.error
        if plan.fault is not None:
            return await request_fault(plan, request, trace)
        choice = await services.fixtures.choose(turn, session, recurs=renders is not None)
        if choice is not None:
            trace.fixture, trace.reply = choice.fixture.id, choice.step_index
            personal = bool(selection and selection.personal)
            latency, stream = choice.fixture.latency, choice.fixture.stream
            plan = with_fixture_defaults(plan, personal, latency, stream, services.config.max_delay_ms)
            trace.faults = plan.fault_names
        if choice is not None and choice.fixture.raw is not None:
            trace.mark_first_byte()
            trace.events = len(choice.fixture.raw.chunks) if choice.fixture.raw.streamed else 0
            trace.response_raw = choice.fixture.raw.body  # shown as text, streams included
            return await replay(request, choice.fixture.raw, trace.headers())
        replies = await pick_replies(services, turn, choice, key() if choice is None else 0, renders)
        replies = await misbehave.apply(services, trace, selection, choice, turn, replies, session, key)
        shaped = rendered.kept(renders, ("shape", *map(id, replies)), replies, lambda: shape(turn, replies))
        if not counting and misbehave.spec_of(selection, choice) is None:  # each answer draws again
            remember(renders, epoch, credential, session, plan, choice, shaped)
    await limits.charge(services, dialect, trace, selection, credential, session, shaped[1])
    completion = Completion(new_hex_id()[:29], int(time.time()), turn.model, *shaped)
    pacer = None
    if plan.latency and plan.latency.paces:
        # Seeded per conversation, made only for jitter (hashing the conversation costs).
        rng = random.Random(seed_for(services.config.seed, key(), "timing")) if plan.latency.jitter else None
        pacer = Pacer(plan.latency, arrival_on_loop(trace), rng)
    if turn.stream:
        return await stream_response(
            dialect, request, trace, completion, turn, plan, pacer, request_id, renders
        )
    if pacer is not None:
        await asyncio.sleep(pacer.total_ms(max(len(r.content_pieces) for r in completion.choices)) / 1000)
    raw = rendered.body(renders, dialect, completion, turn)
    body = dialect.render(completion, turn) if raw is None else None  # the journal decodes raw if read
    return json_response(dialect, body, request_id, trace, raw)


def _key_of(turn: Turn) -> Callable[[], int]:
    """The conversation's key, hashed only when something needs it (it costs)."""
    keys: list[int] = []

    def request_key() -> int:
        if not keys:
            keys.append(conversation_key(turn))
        return keys[0]

    return request_key


async def pick_replies(
    services: Services, turn: Turn, choice: Choice | None, request_key: int, renders: dict | None = None
) -> list[Reply]:
    if choice is not None:
        step = choice.step
        if step.error is not None:
            raise MockError(ErrorKind(step.error), retry_after=step.retry_after)
        assert step.reply is not None
        return [step.reply] * turn.n
    if services.config.strict:
        misses = await services.fixtures.explain_miss(turn)
        closest = "; ".join(m.describe() for m in misses) or "no fixtures are loaded"
        raise MockError(
            ErrorKind.NOT_FOUND, f"No fixture matches this request. Closest: {closest}.", detail="no_fixture"
        )
    seed = seed_for(services.config.seed, request_key)
    return rendered.kept(
        renders, ("generated", seed), (), lambda: [generate_reply(turn, seed, i) for i in range(turn.n)]
    )


def new_hex_id() -> str:
    """32 random hex digits, like uuid4().hex. Not os.urandom: a system call per id shows up in
    the benchmark; this generator is seeded from the OS, and again in every forked worker.
    (randbytes().hex() takes a third less time than formatting a 128-bit integer.)"""
    return _ids.randbytes(16).hex()


_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def arrival_on_loop(trace: Trace) -> float:
    """When the request arrived (arrival.py), on the event loop's clock: the script counts from
    there, so neither the wait for the handler nor the time spent validating and choosing the
    answer is added to the scripted latency."""
    return asyncio.get_running_loop().time() - (time.perf_counter() - trace.started)


async def stream_response(
    dialect: Dialect,
    request: web.Request,
    trace: Trace,
    completion: Completion,
    turn: Turn,
    plan: Plan,
    pacer: Pacer | None,
    request_id: str,
    renders: dict | None = None,
) -> web.StreamResponse:
    faults = plan.stream
    events = rendered.stream(renders, dialect, completion, turn) if faults is None else None
    response = streaming_response(dialect, request_id, trace)
    await response.prepare(request)
    trace.mark_first_byte()
    if events is None:
        events = dialect.render_stream(completion, turn)  # one at a time (paced: as they go out)
    if faults is not None:
        events = list(events)
        faults = faults.placed(events)
    error_event = None
    if faults is not None and faults.error_after is not None:
        error_event = dialect.stream_error_event(
            MockError(faults.error), request_id, completion, turn, faults.error_after
        )
    trace.stream = StreamOutcome()  # filled as events go out: kept even if the client leaves
    outcome = await write_events(
        response,
        events,
        pacer,
        faults,
        error_event,
        dialect.keepalive(),
        abort=lambda: _abort(request),
        outcome=trace.stream,
    )
    trace.events, trace.ended_by = outcome.events, outcome.ended_by
    if outcome.ended_by != "disconnect":
        await response.write_eof()
    return response


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


def streaming_response(dialect: Dialect, request_id: str, trace: Trace) -> web.StreamResponse:
    head = prebuilt.head(dialect, request_id, True, trace)
    if head is not None:
        return PrebuiltResponse(head)
    headers = {**dialect.response_headers(request_id), **trace.headers(), "Cache-Control": "no-cache"}
    response = web.StreamResponse(headers=headers)
    response.content_type = dialect.stream_content_type.split(";")[0]
    response.charset = "utf-8"
    return response


def json_response(
    dialect: Dialect, body: dict | None, request_id: str, trace: Trace, raw: bytes | None = None
) -> web.StreamResponse:
    """Send `body`, or bytes already rendered for it (`raw`)."""
    trace.response_body, trace.response_raw = body, raw if raw is not None else dialect.encode_body(body)
    head = prebuilt.head(dialect, request_id, False, trace)
    if head is not None:
        return PrebuiltResponse(head, trace.response_raw)
    return web.Response(
        body=trace.response_raw,
        headers={**dialect.response_headers(request_id), **trace.headers()},
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


BILLING = {"billing_subscription": relay.subscription, "billing_usage": lambda: relay.usage(0.0)}
