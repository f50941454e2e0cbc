"""From an aiohttp request to a checked Incoming: size, content type, JSON, auth, schema."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import orjson
from aiohttp import web

from .catalog import Catalog
from .config import ServerConfig
from .dialects.base import Dialect, Incoming, RouteSpec
from .errors import MockError
from .fast.memo import BodyCache, Parsed, Watched
from .journal import Trace
from .model import ErrorKind, Turn
from .schemas import SchemaRegistry

# Protobuf's default recursion limit, which Google's front ends enforce. Well below the depth
# at which jsonschema (Python recursion) or orjson.dumps (254 levels: journal, echoes) fail.
MAX_JSON_DEPTH = 100
NO_BODY = Parsed(None, None, kept=False)  # the entry of a request without a body (never written)


async def read_entry(
    request: web.Request, dialect: Dialect, config: ServerConfig, trace: Trace, memo: BodyCache
) -> Parsed:
    """The request body's entry (fast/memo.py: kept, or made for this request only)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return NO_BODY
    raw = body_at_hand(request, config.max_body_bytes)
    if raw is None:
        raw = await read_body(request, config.max_body_bytes, config.body_timeout_s)
    trace.raw_body = raw
    found = memo.get(dialect, request.path, raw)
    if found is None:
        decoded = trace.body = decode_json(raw, request)
        return memo.put(dialect, request.path, raw, decoded, dialect.accept(decoded))
    # these bytes were decoded before: only the content type is left to check
    check_content_type(request)
    trace.body = found.decoded
    return found


def incoming_of(request: web.Request, route: RouteSpec, entry: Parsed) -> Incoming:
    """The request as the dialect sees it."""
    return Incoming(
        method=request.method,
        path=request.path,
        match_info=dict(request.match_info),
        query=dict(request.query) if request.rel_url.raw_query_string else {},
        headers=request.headers,
        body=entry.body,
        route=route,
    )


def too_large(limit: int) -> MockError:
    return MockError(ErrorKind.TOO_LARGE, f"Request body too large: the limit is {limit} bytes.")


def body_at_hand(request: web.Request, limit: int) -> bytes | None:
    """The body, when it all came with the headers (nothing to wait for); else None."""
    if not request.content.is_eof():
        return None
    raw = request.content.read_nowait()
    if len(raw) > limit:
        raise too_large(limit)
    return raw


async def read_body(request: web.Request, limit: int, timeout_s: float | None = None) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)  # refused before a byte more is read
    chunks, size = [], 0
    try:
        # A client that trickles (or never finishes) its body must not hold a worker forever.
        async with asyncio.timeout(timeout_s):
            async for chunk in request.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise MockError(
            ErrorKind.BAD_REQUEST,
            f"Timed out reading the request body (limit {timeout_s:g} s).",
            detail="body_timeout",
        ) from None
    return b"".join(chunks)


def check_content_type(request: web.Request) -> None:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise MockError(
            ErrorKind.BAD_REQUEST,
            f"Invalid Content-Type header ({content_type}), expected application/json.",
            detail="content_type",
        )


def decode_json(raw: bytes, request: web.Request) -> dict[str, Any]:
    check_content_type(request)
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
    if too_deep(body, MAX_JSON_DEPTH):
        raise MockError(
            ErrorKind.BAD_REQUEST,
            f"We could not parse the JSON body of your request: nesting exceeds {MAX_JSON_DEPTH} levels.",
            detail="invalid_json",
        )
    return body


def too_deep(value: Any, limit: int) -> bool:
    """Iterative (no recursion): does any container sit more than `limit` levels down?"""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def check_auth(dialect: Dialect, incoming: Incoming, config: ServerConfig) -> str:
    credential = dialect.auth.credential(incoming)
    if not credential:
        raise MockError(ErrorKind.AUTH, "Missing credentials.", detail="missing")
    if config.api_keys is not None and credential not in config.api_keys:
        raise MockError(ErrorKind.AUTH, f"Incorrect API key provided: {mask(credential)}.", detail="invalid")
    return credential


def mask(key: str) -> str:
    return key[:3] + "*" * max(len(key) - 7, 3) + key[-4:] if len(key) > 8 else "***"


def check_schema(
    dialect: Dialect,
    operation: str,
    incoming: Incoming,
    schemas: SchemaRegistry,
    entry: Parsed,
) -> None:
    if incoming.body is None or entry.valid:
        return
    name = schemas.for_operation(dialect.schema_dir, operation, "request")
    if not schemas.has(name):
        return
    violation = schemas.first_violation(name, incoming.body)
    if violation is not None:
        raise MockError(ErrorKind.BAD_REQUEST, violation.message, param=violation.param, detail="schema")
    entry.valid = True


def parse_turn(dialect: Dialect, incoming: Incoming, entry: Parsed, catalog: Catalog) -> Turn:
    """dialect.parse, kept with a kept body entry unless it looked at headers or query. A turn
    kept under another catalog (models were added at run time since) is parsed again."""
    if entry.turn is not None:
        if entry.catalog is catalog:
            return entry.turn
        entry.forget_turn()
    if not entry.kept:
        return dialect.parse(incoming)
    headers, query = Watched(incoming.headers), Watched(incoming.query)
    turn = dialect.parse(dataclasses.replace(incoming, headers=headers, query=query))
    if not (headers.touched or query.touched):
        entry.turn, entry.catalog = turn, catalog
    return turn
