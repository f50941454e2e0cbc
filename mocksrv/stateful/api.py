"""The stored-response and conversation endpoints: same intake, auth, errors and journal as generation.

GET/DELETE a response, its input items, cancel a background run, resume its stream; create,
read, update and delete conversations and their items. Records are not scoped by API key
(one mock account): any key reads what any key stored, as in one OpenAI project.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from .. import clock
from ..dialects.base import Dialect, Incoming, RouteSpec
from ..errors import MockError
from ..exchange import SESSION_HEADER, Exchange
from ..fast.memo import Parsed
from ..ids import new_hex_id
from ..intake import check_auth, check_schema, decode_json, read_body
from ..journal import trace_of
from ..model import ErrorKind, SSEEvent
from ..services import SERVICES, Services
from ..sse import StreamOutcome, write_events
from ..state import StoreUnavailable
from ..writing import STORE_DOWN, error_response, json_response, streaming_response
from . import conversations, records
from .chain import ENCRYPTED, signer_of
from .items import page, resources

MAX_ITEMS_PER_ADD = 20  # POST .../items takes up to 20 items at a time, as the API documents


class Call:
    """One call of a stateful endpoint: what its operation reads."""

    def __init__(self, services: Services, dialect: Dialect, request: web.Request, body: Any, now: float):
        self.services, self.dialect, self.request, self.body, self.now = services, dialect, request, body, now
        self.state = services.state

    def arg(self, name: str) -> str:
        return self.request.match_info[name]

    def includes(self) -> list[str]:
        query = self.request.query
        return [*query.getall("include[]", []), *query.getall("include", [])]

    async def response(self) -> dict[str, Any]:
        rid = self.arg("response_id")
        record = await self.state.record_get(records.RESPONSE, rid, self.now)
        if record is None:
            raise MockError(
                ErrorKind.NOT_FOUND, f"Response with id '{rid}' not found.", detail="stored_not_found"
            )
        return record

    def signer(self) -> Any:
        return signer_of(self.services) if ENCRYPTED in self.includes() else None


async def serve(dialect: Dialect, route: RouteSpec, request: web.Request) -> web.StreamResponse:

    services = request.app[SERVICES]
    trace = trace_of(request)
    trace.dialect = dialect.name
    request_id = dialect.new_request_id(new_hex_id())
    trace.session = request.headers.get(SESSION_HEADER)
    try:
        body = await _body(request, services, trace)
        incoming = Incoming(
            request.method,
            request.path,
            dict(request.match_info),
            dict(request.query),
            request.headers,
            body,
            route,
        )
        credential = check_auth(dialect, incoming, services.config)
        trace.session = trace.session or credential
        name = services.schemas.for_operation(dialect.schema_dir, route.operation, "request")
        if body is not None and name.endswith(f"/{route.operation}.request"):  # its own schema only
            check_schema(dialect, route.operation, incoming, services.schemas, Parsed(body, body, kept=False))
        call = Call(services, dialect, request, body, await clock.now(services.state))
        answer = await OPERATIONS[route.operation](call)
        if isinstance(answer, web.StreamResponse):
            return answer
        return json_response(Exchange(services, dialect, request, trace, request_id), answer)
    except MockError as error:
        error.with_traceback(None)
        return error_response(dialect, error, request_id, trace)
    except StoreUnavailable:
        return error_response(dialect, STORE_DOWN, request_id, trace)


async def _body(request: web.Request, services: Services, trace: Any) -> Any:
    """The JSON body, or None when there is none (cancel and deletes are sent without one)."""
    if request.method != "POST":
        return None
    raw = await read_body(request, services.config.max_body_bytes, services.config.body_timeout_s)
    trace.raw_body = raw
    if not raw.strip():
        return None
    body = trace.body = decode_json(raw, request)  # bounded in size and depth
    return body


# ---- responses ------------------------------------------------------------------------------
async def response_get(call: Call) -> Any:
    record = await call.response()
    if call.request.query.get("stream") == "true":
        return await resume(call, record)
    return records.render(record, call.now, call.signer())


async def response_delete(call: Call) -> Any:
    record = await call.response()
    await call.state.record_delete(records.RESPONSE, record["id"])
    return {"id": record["id"], "object": "response", "deleted": True}


async def response_input_items(call: Call) -> Any:
    record = await call.response()
    return page(record["input"], call.request.query)


async def response_cancel(call: Call) -> Any:
    record = await call.response()
    if not record["background"]:
        raise MockError(
            ErrorKind.BAD_REQUEST,
            "Only responses created with background mode can be cancelled.",
            param="response_id",
        )
    if records.status_at(record, call.now) in records.UNFINISHED:  # a finished run stays as it ended
        record["cancelled_at"] = call.now
        expires = record["created_at"] + records.RETENTION_S
        await call.state.record_put(records.RESPONSE, record["id"], record, expires)
    return records.render(record, call.now, call.signer())


async def resume(call: Call, record: dict[str, Any]) -> web.StreamResponse:
    """The response's stream from event `starting_after` + 1, rendered again from the record."""

    text = call.request.query.get("starting_after", "-1")
    if not text.lstrip("-").isdigit():
        raise MockError(
            ErrorKind.BAD_REQUEST, "Invalid 'starting_after': expected an integer.", param="starting_after"
        )
    after = int(text)
    events = [e for n, e in enumerate(_events(call, record)) if n > after]
    trace = trace_of(call.request)
    request_id = call.dialect.new_request_id(new_hex_id())
    response = streaming_response(Exchange(call.services, call.dialect, call.request, trace, request_id))
    await response.prepare(call.request)
    trace.mark_first_byte()
    trace.stream = StreamOutcome()
    outcome = await write_events(
        response, events, None, None, None, call.dialect.keepalive(), lambda: None, outcome=trace.stream
    )
    trace.events, trace.ended_by = outcome.events, outcome.ended_by
    await response.write_eof()
    return response


def _events(call: Call, record: dict[str, Any]) -> list[SSEEvent]:
    completion, turn = records.completion_of(record["completion"]), records.turn_of(record, call.signer())
    events = list(call.dialect.render_stream(completion, turn))
    status = records.status_at(record, call.now)
    if status in ("completed", "incomplete"):
        return events
    body = records.render(record, call.now, call.signer())
    kind = "response.failed" if status == "failed" else f"response.{status}"
    if status in records.UNFINISHED:
        kind = "response.in_progress"
    last = {"type": kind, "sequence_number": 2, "response": body}
    return [*events[:2], SSEEvent(orjson.dumps(last).decode(), event=kind, terminal=status == "failed")]


# ---- conversations --------------------------------------------------------------------------
async def conversation_create(call: Call) -> Any:
    body = call.body or {}
    items = body.get("items") or []
    if len(items) > MAX_ITEMS_PER_ADD:
        raise MockError(ErrorKind.BAD_REQUEST, "You may add up to 20 items at a time.", param="items")
    cid = conversations.new_id()
    record = {
        "id": cid,
        "created_at": call.now,
        "metadata": conversations.check_metadata(body.get("metadata")),
        "items": resources(items, cid),
    }
    await conversations.save(call.services, record, call.now)
    trace_of(call.request).stored = cid
    return conversations.resource(record)


async def conversation_get(call: Call) -> Any:
    return conversations.resource(
        await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    )


async def conversation_update(call: Call) -> Any:
    record = await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    if not isinstance(call.body, dict) or "metadata" not in call.body:
        raise MockError(ErrorKind.BAD_REQUEST, "Missing required parameter: 'metadata'.", param="metadata")
    record["metadata"] = conversations.check_metadata(call.body["metadata"])
    await conversations.save(call.services, record, call.now)
    return conversations.resource(record)


async def conversation_delete(call: Call) -> Any:
    record = await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    await call.state.record_delete(records.CONVERSATION, record["id"])
    return {"id": record["id"], "object": "conversation.deleted", "deleted": True}


async def conversation_items(call: Call) -> Any:
    record = await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    return page(record["items"], call.request.query)


async def conversation_items_create(call: Call) -> Any:
    record = await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    items = call.body.get("items") if isinstance(call.body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS_PER_ADD:
        raise MockError(ErrorKind.BAD_REQUEST, "'items' must hold 1 to 20 items.", param="items")
    added = resources(items, f"{record['id']}/{time.time_ns()}", len(record["items"]))
    record["items"] = [*record["items"], *added]
    await conversations.save(call.services, record, call.now)
    return {
        "object": "list",
        "data": added,
        "first_id": added[0]["id"],
        "last_id": added[-1]["id"],
        "has_more": False,
    }


def _item(record: dict[str, Any], item_id: str) -> dict[str, Any]:
    for item in record["items"]:
        if item.get("id") == item_id:
            return item
    raise MockError(ErrorKind.NOT_FOUND, f"Item with id '{item_id}' not found.", detail="stored_not_found")


async def conversation_item_get(call: Call) -> Any:
    record = await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    return _item(record, call.arg("item_id"))


async def conversation_item_delete(call: Call) -> Any:
    record = await conversations.fetch(call.services, call.arg("conversation_id"), call.now)
    item = _item(record, call.arg("item_id"))
    record["items"] = [i for i in record["items"] if i is not item]
    await conversations.save(call.services, record, call.now)
    return conversations.resource(record)


OPERATIONS: dict[str, Callable[[Call], Awaitable[Any]]] = {
    "response_get": response_get,
    "response_delete": response_delete,
    "response_input_items": response_input_items,
    "response_cancel": response_cancel,
    "conversation_create": conversation_create,
    "conversation_get": conversation_get,
    "conversation_update": conversation_update,
    "conversation_delete": conversation_delete,
    "conversation_items": conversation_items,
    "conversation_items_create": conversation_items_create,
    "conversation_item_get": conversation_item_get,
    "conversation_item_delete": conversation_item_delete,
}
