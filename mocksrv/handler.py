"""The one generation handler: intake, plan, choose, shape, render, write.

`handle` reads straight through that pipeline for one request (an Exchange). The speed layer
(mocksrv/fast/) wraps it at four points, each a no-op when the body is not kept or the fast
path is off: the body's cache entry (intake), the last whole answer to the very same request
(from intake straight to write), the kept decision (plan and choose), and the rendered
templates and prebuilt header blocks (render and write). writing.py writes the answer.
"""

from __future__ import annotations

import asyncio
import random
import time

from aiohttp import web

from . import ledger, misbehave, prompt_cache, rate_limits, relay
from .crossturn import check_turns
from .dialects.base import Dialect, RouteSpec
from .errors import MockError
from .exchange import SCENARIO_HEADER, SESSION_HEADER, Exchange
from .fast import rendered
from .fast.answered import Answered, answer_key
from .fast.answered import recalled as recalled_answer
from .fast.decided import Decided, Shaped, recalled, worth_keeping
from .fast.memo import Parsed
from .fast.replayed import REPLAYS
from .faults import Plan
from .generate import NO_TEXT_ENDPOINTS, generate_reply, seed_for
from .ids import new_hex_id
from .intake import check_auth, check_schema, incoming_of, parse_turn, read_entry
from .journal import session_secret, trace_of
from .limits import admit
from .listing import models_answer
from .model import Completion, ErrorKind, Reply
from .replay import replay
from .scenarios import NO_PLAN, with_fixture_defaults
from .services import SERVICES
from .shaping import shape
from .state import StoreUnavailable
from .stateful import chain as stateful
from .store import Choice
from .timing import Pacer
from .writing import STORE_DOWN, error_response, json_response, request_fault, stream_response


async def handle(dialect: Dialect, route: RouteSpec, request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    trace = trace_of(request)
    trace.dialect = dialect.name
    ex = Exchange(services, dialect, request, trace, dialect.new_request_id(new_hex_id()))
    trace.session = request.headers.get(SESSION_HEADER)  # known even when auth fails
    try:
        entry = await read_entry(request, dialect, services.config, trace, services.memo)
        if entry.kept:  # the key is read first: what is decided below holds for this epoch
            ex.body_entry, ex.answer_key = entry, answer_key(services.state.epoch, request)
            kept = recalled_answer(entry.answered, ex.answer_key)
            if kept is not None and services.scenarios.limits is None:
                return await answer_again(ex, entry, kept)
        incoming = incoming_of(request, route, entry)
        ex.credential = check_auth(dialect, incoming, services.config)
        trace.session = ex.session = trace.session or ex.credential
        if route.operation in relay.BILLING:  # one-api's dashboard endpoints
            secret = session_secret(services.config.admin_token)
            return json_response(
                ex, await relay.billing(route.operation, services.state, secret, ex.credential)
            )
        catalog = await services.model_book.current(services.state, services.catalog)
        if route.operation in ("models", "model"):
            known = services.config.known_models
            return json_response(ex, models_answer(dialect, route.operation, catalog, incoming, known))
        check_schema(dialect, route.operation, incoming, services.schemas, entry)
        check_turns(dialect, incoming, services.config, catalog, trace, entry)
        if route.operation == "info":  # a provider's own read-only answer (Ollama's show, version)
            return json_response(ex, dialect.render_info(incoming))
        turn = ex.turn = dialect.resolve(parse_turn(dialect, incoming, entry, catalog), catalog)
        turn = ex.turn = await stateful.prepare(services, dialect, incoming, turn, request)  # stored chains
        if route.operation == "count_tokens":
            return json_response(ex, dialect.render_count(turn))
        ex.info = admit(dialect, catalog, turn, incoming, services.config.known_models)  # limits.py
        if entry.kept and entry.turn is turn:  # the speed layer's entry for this body and turn
            ex.cached, ex.renders = entry, entry.renders
        return await answer(ex)
    except MockError as error:
        if error.detail == "schema":
            trace.violations.append(f"{error.param}: {error.text}")
        # A scenario's error lives in its plan, a local of the frames in its own traceback: a
        # cycle holding the whole request until a full GC pass. Dropping the traceback ends it.
        error.with_traceback(None)  # (the C-level setter: MockError is a frozen dataclass)
        ended = await stateful.failed(services, request, error)  # a background run ends `failed`
        if ended is not None:
            return json_response(ex, ended)
        return error_response(dialect, error, ex.request_id, trace, services.config.relay_dialects)
    except StoreUnavailable:
        return error_response(dialect, STORE_DOWN, ex.request_id, trace, services.config.relay_dialects)


async def answer(ex: Exchange) -> web.StreamResponse:
    """Plan, choose and shape (or recall how this body was answered), then render and write."""
    assert ex.turn is not None
    ex.stateful_usage = prompt_cache.applies(ex.dialect, ex.turn, ex.info)
    if ex.stateful_usage:  # the usage depends on the prompt cache's state: no template holds it
        ex.renders = None
    key = ex.decision_key()  # read first: what is decided below holds for this epoch
    # Counting limits change each answer's headers: nothing is answered from memory under them.
    counting = ex.services.scenarios.limits is not None
    kept = None if counting else recalled(ex.cached.decided if ex.cached is not None else None, key)
    if kept is not None:  # this body, caller and state were answered before: the same way
        plan, choice, shaped = NO_PLAN, kept.choice, kept.shaped
        ex.repeatable = True
        if choice is not None:
            ex.trace.fixture, ex.trace.reply = choice.fixture.id, choice.step_index
    else:
        decision = await decide(ex)
        if isinstance(decision, web.StreamResponse):
            return decision
        plan, choice, shaped = decision
        draws_again = counting or misbehave.spec_of(ex.selection, choice) is not None
        if not draws_again and worth_keeping(key, plan, choice):
            ex.repeatable = True  # (a turn parsed from headers too: the answer's key holds them)
            if ex.cached is not None:
                ex.cached.decided = Decided(key, choice, shaped)
    ex.choice = choice
    return await render_and_write(ex, plan, shaped)


async def decide(ex: Exchange) -> tuple[Plan, Choice | None, Shaped] | web.StreamResponse:
    """The scenario's plan, the fixture's choice and the shaped replies; or a response already
    (a request fault, a recording replayed)."""
    services, trace, turn = ex.services, ex.trace, ex.turn
    assert turn is not None
    header = ex.request.headers.get(SCENARIO_HEADER)
    selection = ex.selection = await services.scenarios.select(header, ex.credential, ex.session)
    trace.profile = selection.scenario.profile if selection is not None else None
    key_text = str(ex.conversation_key()) if selection is not None and selection.scenario.random else ""
    plan = await services.scenarios.plan(selection, ex.session, key_text, events_hint=8)
    trace.scenario, trace.step, trace.faults = plan.scenario, plan.step, plan.fault_names
    # Scenario errors and faults come first, so they do not use up a fixture's next reply.
    if plan.error is not None:
        raise plan.error
    if plan.fault is not None:
        return await request_fault(plan, ex.request, trace)
    choice = await services.fixtures.choose(turn, ex.session, recurs=ex.cached is not None)
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
        return await replay(ex.request, choice.fixture.raw, trace.headers())
    replies = await pick_replies(ex, choice)
    replies = await misbehave.apply(
        services, trace, selection, choice, turn, replies, ex.session, ex.conversation_key
    )
    shaped = rendered.kept(ex.renders, ("shape", *map(id, replies)), replies, lambda: shape(turn, replies))
    return plan, choice, shaped


async def render_and_write(ex: Exchange, plan: Plan, shaped: Shaped) -> web.StreamResponse:
    turn = ex.turn
    assert turn is not None
    ex.dialect.screen(shaped[0])
    try:
        await rate_limits.charge(
            ex.services, ex.dialect, ex.trace, ex.selection, ex.credential, ex.session, shaped[1]
        )
    except MockError:  # refused: the retry gets the reply this request would have had
        await ex.services.fixtures.give_back(ex.choice, ex.session)
        raise
    completion = Completion(new_hex_id()[:29], int(time.time()), turn.model, *shaped)
    if ex.stateful_usage and ex.info is not None:
        info, table = ex.info, ex.cached.renders if ex.cached is not None else None
        points = rendered.kept(
            table, ("cache points",), (turn, info), lambda: prompt_cache.points_for(ex.dialect, info, turn)
        )
        completion = await prompt_cache.with_cache_usage(
            ex.services.state, ex.dialect, info, ex.session, points, completion
        )
    line = None
    if ex.info is not None:
        named_session = ex.request.headers.get(SESSION_HEADER)
        line = ledger.line_for(ex.services, ex.trace, ex.info, completion.usage, ex.credential, named_session)
        await ledger.post(ex.services.state, ex.trace, line)
    queued = await stateful.keep(ex.services, ex.request, completion, turn, plan)  # stored responses
    if queued is not None:  # a background run answers at once; polling shows its progress
        return json_response(ex, queued)
    if ex.body_entry is not None and ex.answer_key is not None and keeps_nothing_else(ex, plan):
        ex.body_entry.answered = Answered(
            ex.answer_key, ex.credential, ex.session, turn, shaped, ex.trace.fixture, ex.trace.reply, line
        )
    pacer = None
    if plan.latency and plan.latency.paces:
        # Seeded per conversation, made only for jitter (hashing the conversation costs).
        seed = seed_for(ex.services.config.seed, ex.conversation_key(), "timing")
        rng = random.Random(seed) if plan.latency.jitter else None
        pacer = Pacer(plan.latency, ex.trace.started, rng)  # from the arrival (arrival.py)
    return await write_answer(ex, completion, plan, pacer)


async def write_answer(
    ex: Exchange, completion: Completion, plan: Plan, pacer: Pacer | None
) -> web.StreamResponse:
    turn = ex.turn
    assert turn is not None
    if turn.stream:
        return await stream_response(ex, completion, plan, pacer)
    if pacer is not None:
        await asyncio.sleep(pacer.total_ms(max(len(r.content_pieces) for r in completion.choices)) / 1000)
    raw = rendered.body(ex.renders, ex.dialect, completion, turn)
    body = ex.dialect.render(completion, turn) if raw is None else None  # the journal decodes raw if read
    return json_response(ex, body, raw)


def keeps_nothing_else(ex: Exchange, plan: Plan) -> bool:
    """Whether this answer came of the request and the state alone (fast/answered.py): no
    scenario, cursor, counted limit, prompt-cache state, stored response, note or extra header."""
    trace = ex.trace
    return (
        ex.repeatable
        and plan is NO_PLAN
        and not ex.stateful_usage
        and not ex.dialect.stateful
        and ex.services.scenarios.limits is None
        and not trace.violations
        and not trace.extra_headers
        and trace.misbehaviour is None
    )


async def answer_again(ex: Exchange, entry: Parsed, kept: Answered) -> web.StreamResponse:
    """The answer this very request got last time (fast/answered.py), under a new id and time."""
    ex.credential, ex.session, ex.turn = kept.credential, kept.session, kept.turn
    ex.cached, ex.renders = entry, entry.renders
    trace = ex.trace
    trace.session = trace.session or kept.credential
    trace.fixture, trace.reply = kept.fixture, kept.reply
    if kept.line is not None:
        await ledger.post(ex.services.state, trace, kept.line)
    completion = Completion(new_hex_id()[:29], int(time.time()), kept.turn.model, *kept.shaped)
    response = await write_answer(ex, completion, NO_PLAN, None)
    ex.services.metrics.repeated["request"] += 1
    replays = ex.request.app.get(REPLAYS)
    if replays is not None:  # the next time these very bytes come, from them (fast/replayed.py)
        replays.learn(ex.request, ex.dialect, entry, kept, trace)
    return response


async def pick_replies(ex: Exchange, choice: Choice | None) -> list[Reply]:
    services, turn = ex.services, ex.turn
    assert turn is not None
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
    if turn.endpoint in NO_TEXT_ENDPOINTS:  # vectors and verdicts are made when rendering: no seed
        return [generate_reply(turn, 0)] * turn.n
    seed = seed_for(services.config.seed, ex.conversation_key())
    return rendered.kept(
        ex.renders, ("generated", seed), (), lambda: [generate_reply(turn, seed, i) for i in range(turn.n)]
    )
