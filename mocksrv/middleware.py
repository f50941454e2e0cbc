"""Cross-cutting request handling: the journal entry, and errors for paths no route serves."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from .dialects.base import Dialect
from .errors import MockError
from .fast.arrival import received_at
from .journal import TRACE, Capture, Entry, Trace, entry, trace_of
from .model import ErrorKind
from .services import SERVICES, Services
from .state import StoreUnavailable, settled
from .writing import error_response

log = logging.getLogger("mocksrv")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CAPTURE = web.AppKey("mocksrv.capture", Capture)  # what the journal redacts and keeps
DIALECT_BY_PREFIX = web.AppKey("mocksrv.dialect_by_prefix", list)
ROUTE_OWNER = web.AppKey("mocksrv.route_owner", dict)  # added route -> the dialect it serves
CONTROL_PREFIX = "/_mock"

# aiohttp's own HTTP errors, as a provider would name them.
HTTP_ERROR_KINDS = {
    404: ErrorKind.NOT_FOUND,
    405: ErrorKind.METHOD_NOT_ALLOWED,
    413: ErrorKind.TOO_LARGE,
}


def owner_of(app: web.Application, path: str) -> Dialect | None:
    """The dialect whose mount prefix holds this path (longest prefix first)."""
    for prefix, dialect in app[DIALECT_BY_PREFIX]:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return dialect
    return None


@web.middleware
async def journal_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    trace = request[TRACE] = Trace.arrived(received_at(request))
    status = 0
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        response = await _http_error(request, exc)
        status = response.status
        return response
    except asyncio.CancelledError:
        trace_of(request).ended_by = trace_of(request).ended_by or "client_disconnect"
        raise
    except ConnectionResetError:
        # The client left (or a scripted reset/hang closed the connection): nothing to answer,
        # nothing to log. Re-raised, aiohttp would log it as a 500 with a traceback; this
        # response cannot be written, so aiohttp just drops the connection.
        trace_of(request).ended_by = trace_of(request).ended_by or "client_disconnect"
        if request.transport is None or request.transport.is_closing():
            return web.Response(status=499)
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        response = _unexpected(request)
        status = response.status
        return response
    finally:
        await _record(request, trace, status)


async def _http_error(request: web.Request, exc: web.HTTPException) -> web.StreamResponse:
    route_owner = await _route_owner(request) if exc.status == 405 else None
    dialect = route_owner or owner_of(request.app, request.path)
    kind = HTTP_ERROR_KINDS.get(exc.status)
    if dialect is None or kind is None:
        return exc
    message = f"Unknown request URL: {request.method} {request.path}."
    if exc.status == 405:
        message = f"Method {request.method} is not allowed on {request.path}."
    trace = trace_of(request)
    trace.dialect = dialect.name
    return error_response(dialect, MockError(kind, message, detail="route"), _request_id(dialect), trace)


async def _route_owner(request: web.Request) -> Dialect | None:
    """For a 405, the dialect that serves this path with another method: its envelope, not the
    prefix owner's (under /maisi, /v1/messages answers like Anthropic, /v1/chat like OpenAI)."""
    for resource in request.app.router.resources():
        match, allowed = await resource.resolve(request)
        if match is None and allowed:
            owners = request.app.get(ROUTE_OWNER, {})
            for route in resource:
                if route in owners:
                    return owners[route]
    return None


def _unexpected(request: web.Request) -> web.StreamResponse:
    dialect = owner_of(request.app, request.path)
    if dialect is None:
        return web.json_response(
            {"error": {"message": "Internal error.", "type": "server_error"}}, status=500
        )
    error = MockError(ErrorKind.SERVER_ERROR)
    return error_response(dialect, error, _request_id(dialect), trace_of(request))


def _request_id(dialect: Dialect) -> str:
    return dialect.new_request_id(uuid.uuid4().hex)


async def _record(request: web.Request, trace: Trace, status: int) -> None:
    app = request.app
    services = app[SERVICES]
    headers, url = request.headers, request.rel_url
    record = entry(trace, request.method, request.path, status, headers, url, app[CAPTURE])
    if services.state.immediate:  # never waits, so a cancellation cannot cut it short
        journal_now(services, record)
    else:  # shielded: a cancelled (disconnected) request is still journaled, and still pushed
        services.metrics.observe(record)
        await asyncio.shield(_keep(services, record))


def journal_now(services: Services, record: Entry) -> None:
    """Count and journal an entry in a store that never waits (StateStore.immediate)."""
    services.metrics.observe(record)
    settled(services.state.journal_add(record))
    _push(services, record)


async def _keep(services: Services, record: Entry) -> None:
    try:
        await services.state.journal_add(record)
    except StoreUnavailable:  # the entry is lost, the answer stands (the store logs the outage)
        return
    _push(services, record)


def _push(services: Services, record: Entry) -> None:
    if services.live.subscribers:  # after the store gave the entry its id
        services.live.publish("entry", record.view())
