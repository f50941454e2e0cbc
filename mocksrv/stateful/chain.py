"""The handler's hooks: a Responses request continues a stored chain or conversation, and is kept.

A request with `previous_response_id` or `conversation` is answered on the whole conversation
(the stored items, then its own input), so fixture rules, `replies` sequences and tool-result
rules see every earlier turn. Such a request gets a new Turn object, which keeps it out of
the remembered answers (decided.py / rendered.py key them to the body's own Turn): the same
body continuing a different chain can never get a stale answer. So do background runs and
requests asking for sealed reasoning.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

from aiohttp import web

from .. import clock
from ..dialects.base import Dialect, Incoming
from ..dialects.openai.responses import RESPONSE_ERROR_CODES
from ..dialects.openai.responses_sealed import unseal
from ..dialects.openai.wire import conversation_of, response_id
from ..errors import MockError
from ..faults import Plan
from ..ids import new_hex_id
from ..journal import trace_of
from ..model import Completion, ErrorKind, Turn, Usage
from ..services import Services
from ..signing import Signer, signer_for
from . import conversations, records
from .items import messages_of, resources

ENCRYPTED = "reasoning.encrypted_content"
MAX_HISTORY_ITEMS = 2000  # a chain past this is the API's context-length error


@dataclasses.dataclass(frozen=True)
class Context:
    dialect: str
    body: dict[str, Any]
    turn: Turn
    store: bool
    background: bool
    previous: str | None
    conversation: str | None
    history: tuple[dict[str, Any], ...]


# The request's Context, between prepare and keep/failed.
CONTEXT = web.RequestKey("mocksrv.stateful", Context)


@functools.lru_cache(maxsize=8)
def signer(seed: int, secret: str | None) -> Signer:
    return signer_for(seed, secret)


def signer_of(services: Services) -> Signer:
    return signer(services.config.seed, services.config.admin_token)


async def prepare(
    services: Services, dialect: Dialect, incoming: Incoming, turn: Turn, request: web.Request
) -> Turn:
    """The turn a Responses request is answered on (the chain's items first); others unchanged."""
    if not dialect.stateful or incoming.route.operation != "generate" or not isinstance(incoming.body, dict):
        return turn
    body = incoming.body
    check_sealed(services, body.get("input"))
    background = bool(body.get("background"))
    store = body.get("store") is not False
    previous, conversation = body.get("previous_response_id"), conversation_of(body)
    if background and not store:
        raise MockError(
            ErrorKind.BAD_REQUEST, "Background mode requires `store` to be true.", param="background"
        )
    if previous and conversation:
        raise MockError(
            ErrorKind.BAD_REQUEST,
            "Mutually exclusive parameters: Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'.",
            param="previous_response_id",
        )
    history = await _history(services, previous, conversation)
    trace_of(request).continues = previous
    include = body.get("include") or ()
    fresh = bool(previous or conversation or background or ENCRYPTED in include)
    if fresh:  # a new Turn object: no remembered answer applies to it
        messages = messages_of(body.get("instructions"), [*history, *resources(body.get("input"), "input")])
        extras = {**turn.extras, **({"signer": signer_of(services)} if ENCRYPTED in include else {})}
        turn = dataclasses.replace(turn, messages=messages, extras=extras)
    request[CONTEXT] = Context(
        dialect.name, body, turn, store, background, previous, conversation, tuple(history)
    )
    return turn


async def _history(services: Services, previous: Any, conversation: str | None) -> list[dict[str, Any]]:
    if not (previous or conversation):
        return []  # (no clock read: most requests continue nothing)
    now = await clock.now(services.state)
    if previous:
        record = await services.state.record_get(records.RESPONSE, str(previous), now)
        if record is None:
            raise MockError(
                ErrorKind.BAD_REQUEST,
                f"Previous response with id '{previous}' not found.",
                param="previous_response_id",
                detail="previous_response_not_found",
            )
        history = records.context_items(record)
    else:
        assert conversation is not None
        history = (await conversations.fetch(services, conversation, now, param="conversation"))["items"]
    if len(history) > MAX_HISTORY_ITEMS:
        raise MockError(
            ErrorKind.CONTEXT_LENGTH,
            f"The conversation holds more than {MAX_HISTORY_ITEMS} items; start a new one.",
            param="input",
        )
    return history


def check_sealed(services: Services, raw: Any) -> None:
    """Reasoning items sent back with `encrypted_content` must carry one this install issued."""
    if not isinstance(raw, list):
        return
    for index, item in enumerate(raw):
        sealed = item.get("encrypted_content") if isinstance(item, dict) else None
        if (
            sealed is not None
            and item.get("type") == "reasoning"
            and unseal(signer_of(services), sealed) is None
        ):
            raise MockError(
                ErrorKind.BAD_REQUEST,
                "The encrypted content for item could not be verified. Reason: Encrypted content "
                "could not be decrypted or parsed.",
                param=f"input[{index}].encrypted_content",
                detail="invalid_encrypted_content",
            )


async def keep(
    services: Services, request: web.Request, completion: Completion, turn: Turn, plan: Plan
) -> dict[str, Any] | None:
    """Store the answer (unless `store: false`); a background run's queued body to answer with."""
    context: Context | None = request.get(CONTEXT)
    if context is None or not context.store:
        return None
    queued_s, run_s = records.phases(plan, completion) if context.background else (0.0, 0.0)
    if context.background and turn.stream:  # the stream itself is the run: it ends with it
        paced = plan.latency is not None and plan.latency.paces
        queued_s, run_s = 0.0, (queued_s + run_s) if paced else 0.0
    record = await _store(services, request, context, completion, turn, queued_s, run_s, None)
    if context.background and not turn.stream:
        return records.render(record, record["created_at"], turn.extras.get("signer"))
    return None


async def failed(services: Services, request: web.Request, error: MockError) -> dict[str, Any] | None:
    """A background run whose request failed (a scripted error): stored as a run that ends failed."""
    context: Context | None = request.get(CONTEXT)
    if context is None or not context.background or error.detail == "schema":
        return None

    turn = context.turn
    completion = Completion(new_hex_id()[:29], int(time.time()), turn.model, (), Usage(0, 0))
    reason = {"code": RESPONSE_ERROR_CODES.get(error.kind, "server_error"), "message": error.text}
    queued_s, run_s = records.DEFAULT_QUEUED_S, records.DEFAULT_RUN_S
    record = await _store(services, request, context, completion, turn, queued_s, run_s, reason)
    return records.render(record, record["created_at"])


async def _store(
    services: Services,
    request: web.Request,
    context: Context,
    completion: Completion,
    turn: Turn,
    queued_s: float,
    run_s: float,
    error: dict[str, Any] | None,
) -> dict[str, Any]:
    rid = response_id(completion)
    now = await clock.now(services.state)
    record = {
        "id": rid,
        "dialect": context.dialect,
        "created_at": now,
        "completion": records.completion_json(completion),
        "echo": turn.extras.get("echo") or {},
        "show_reasoning": turn.show_reasoning,
        "input": resources(context.body.get("input"), rid),
        "history": list(context.history),
        "background": context.background,
        "queued_s": queued_s,
        "run_s": run_s,
        "error": error,
        "cancelled_at": None,
        "previous": context.previous,
        "conversation": context.conversation,
    }
    await services.state.record_put(records.RESPONSE, rid, record, now + records.RETENTION_S)
    trace_of(request).stored = rid
    if context.conversation:
        inputs: list[Any] = record["input"]  # type: ignore[assignment]  # the record's JSON
        added = [*inputs, *records.outputs(record)]
        await conversations.append(services, context.conversation, added, now)
    return record
