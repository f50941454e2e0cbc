"""From an aiohttp request to a checked Incoming: size, content type, JSON, auth, schema."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from .config import ServerConfig
from .dialects.base import Dialect, Incoming, RouteSpec
from .errors import MockError
from .journal import trace_of
from .model import ErrorKind
from .schemas import SchemaRegistry


async def read_incoming(
    request: web.Request, dialect: Dialect, route: RouteSpec, config: ServerConfig
) -> Incoming:
    body: Any = None
    if request.method in ("POST", "PUT", "PATCH"):
        body = dialect.normalize(decode_json(await read_body(request, config.max_body_bytes), request))
    return Incoming(
        method=request.method,
        path=request.path,
        match_info=dict(request.match_info),
        query=dict(request.query),
        headers=request.headers,
        body=body,
        route=route,
    )


async def read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise MockError(ErrorKind.TOO_LARGE, f"Request body too large: the limit is {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise MockError(ErrorKind.TOO_LARGE, f"Request body too large: the limit is {limit} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    trace_of(request).raw_body = raw
    return raw


def decode_json(raw: bytes, request: web.Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise MockError(
            ErrorKind.BAD_REQUEST,
            f"Invalid Content-Type header ({content_type}), expected application/json.",
            detail="content_type",
        )
    if not raw.strip():
        raise MockError(
            ErrorKind.BAD_REQUEST, "We could not parse the JSON body of your request: the body is empty."
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MockError(
            ErrorKind.BAD_REQUEST,
            f"We could not parse the JSON body of your request. ({exc})",
            detail="invalid_json",
        ) from None
    if not isinstance(body, dict):
        raise MockError(
            ErrorKind.BAD_REQUEST, "The request body must be a JSON object.", detail="invalid_json"
        )
    trace_of(request).body = body
    return body


def check_auth(dialect: Dialect, incoming: Incoming, config: ServerConfig) -> str:
    credential = dialect.auth.credential(incoming)
    if not credential:
        raise MockError(ErrorKind.AUTH, "Missing credentials.", detail="missing")
    if config.api_keys is not None and credential not in config.api_keys:
        raise MockError(ErrorKind.AUTH, f"Incorrect API key provided: {mask(credential)}.", detail="invalid")
    return credential


def mask(key: str) -> str:
    return key[:3] + "*" * max(len(key) - 7, 3) + key[-4:] if len(key) > 8 else "***"


def check_schema(dialect: Dialect, operation: str, incoming: Incoming, schemas: SchemaRegistry) -> None:
    name = f"{dialect.schema_dir}/request"
    if incoming.body is None or not schemas.has(name):
        return
    violation = schemas.first_violation(name, incoming.body)
    if violation is not None:
        raise MockError(ErrorKind.BAD_REQUEST, violation.message, param=violation.param, detail="schema")
