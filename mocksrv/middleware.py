"""Cross-cutting request handling: the journal entry, and errors for paths no route serves."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from .dialects.base import Dialect
from .errors import MockError
from .handler import error_response
from .journal import bounded_body, entry, redact_headers, redact_query, trace_of
from .model import ErrorKind
from .services import SERVICES

log = logging.getLogger("mocksrv")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DIALECT_BY_PREFIX = web.AppKey("mocksrv.dialect_by_prefix", list)
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
    status = 0
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        response = _http_error(request, exc)
        status = response.status
        return response
    except (ConnectionResetError, asyncio.CancelledError):
        trace_of(request).ended_by = trace_of(request).ended_by or "client_disconnect"
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        response = _unexpected(request)
        status = response.status
        return response
    finally:
        await _record(request, status)


def _http_error(request: web.Request, exc: web.HTTPException) -> web.StreamResponse:
    dialect = owner_of(request.app, request.path)
    kind = HTTP_ERROR_KINDS.get(exc.status)
    if dialect is None or kind is None:
        return exc
    message = f"Unknown request URL: {request.method} {request.path}."
    if exc.status == 405:
        message = f"Method {request.method} is not allowed on {request.path}."
    trace = trace_of(request)
    trace.dialect = dialect.name
    return error_response(dialect, MockError(kind, message, detail="route"), _request_id(dialect), trace)


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


async def _record(request: web.Request, status: int) -> None:
    services = request.app[SERVICES]
    trace = trace_of(request)
    body = bounded_body(trace.body, trace.raw_body, services.config.journal_body_bytes)
    record = entry(
        trace,
        request.method,
        request.path,
        status,
        redact_headers(request.headers),
        redact_query(request.query),
        body,
    )
    # Shielded: a cancelled (disconnected) request is still journaled.
    await asyncio.shield(services.state.journal_add(record))
