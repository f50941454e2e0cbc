"""`mocksrv record`: a proxy in front of a real provider that writes what it sees as raw fixtures.

Requests arrive on the dialect's mock paths (e.g. /openai/v1/chat/completions), go upstream to
`--upstream` + the provider's native path, and come back to the client unchanged while their
bytes, HTTP chunk boundaries and timing are captured. Credentials are never written: request
headers are not stored, and only an allow-list of response headers is kept.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

from .dialects import all_dialects
from .dialects.base import Dialect, Incoming, RouteSpec
from .errors import MockError
from .model import ErrorKind

HOP_BY_HOP = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "accept-encoding",
        "te",
        "upgrade",
    }
)
KEPT_RESPONSE_HEADERS = (
    "content-type",
    "x-request-id",
    "request-id",
    "openai-version",
    "anthropic-version",
    "x-amzn-requestid",
    "x-amzn-errortype",  # botocore reads the error's name from it
)
UPSTREAM = web.AppKey("mocksrv.upstream", str)
OUT = web.AppKey("mocksrv.out", Path)
SESSION = web.AppKey("mocksrv.session", aiohttp.ClientSession)
_counter = itertools.count(1)


def traversing_segment(match_info: dict[str, str]) -> str | None:
    """A path parameter that would climb out of its place in the upstream path (`..%2F`)."""
    for value in match_info.values():
        if "/" in value or "\\" in value or value.strip(".") == "":
            return value
    return None


def refused(dialect: Dialect, value: str) -> web.Response:
    """The dialect's own not-found answer; nothing goes upstream."""
    error = MockError(ErrorKind.NOT_FOUND, f"{value!r} is not a valid resource name.")
    rendered = dialect.render_error(error, dialect.new_request_id(uuid.uuid4().hex))
    return web.Response(
        body=dialect.encode_body(rendered.body),
        status=rendered.status,
        headers=rendered.headers,
        content_type="application/json",
    )


async def forward(dialect: Dialect, route: RouteSpec, request: web.Request) -> web.StreamResponse:
    unsafe = traversing_segment(dict(request.match_info))
    if unsafe is not None:
        return refused(dialect, unsafe)
    body = await request.read()
    native_path = request.path.removeprefix(dialect.prefix)
    url = request.app[UPSTREAM].rstrip("/") + native_path
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    started = time.perf_counter()
    async with request.app[SESSION].request(
        request.method, url, params=request.query, data=body, headers=headers, auto_decompress=True
    ) as upstream:
        kept = {k.lower(): v for k, v in upstream.headers.items() if k.lower() in KEPT_RESPONSE_HEADERS}
        response = web.StreamResponse(status=upstream.status, headers=kept)
        await response.prepare(request)
        chunks, delays, last = [], [], started
        buffer = b""
        async for data, end_of_chunk in upstream.content.iter_chunks():
            buffer += data
            if buffer and (end_of_chunk or not upstream.headers.get("transfer-encoding")):
                now = time.perf_counter()
                chunks.append(buffer)
                delays.append(round((now - last) * 1000, 1))
                last = now
                await response.write(buffer)
                buffer = b""
        if buffer:
            chunks.append(buffer)
            delays.append(0.0)
            await response.write(buffer)
    # Written before the response ends, so a client that got its answer finds the file there.
    # Stored-response reads and writes are forwarded, not recorded: they answer no prompt.
    if not route.stored:
        out = request.app[OUT]
        write_fixture(out, dialect, route, request, body, upstream.status, kept, chunks, delays)
    await response.write_eof()
    return response


def write_fixture(
    out: Path,
    dialect: Dialect,
    route: RouteSpec,
    request: web.Request,
    body: bytes,
    status: int,
    headers: dict[str, str],
    chunks: list[bytes],
    delays: list[float],
) -> Path | None:
    """The exchange as a raw fixture; None for a binary answer (an event stream), which a text
    fixture cannot hold: it is passed through to the client but not recorded."""
    try:
        b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        return None
    match: dict[str, Any] = {"dialect": dialect.name}
    last_user = _last_user(dialect, route, request, body)
    if last_user:
        match["last_user"] = {"equals": last_user}
    streamed = headers.get("content-type", "").startswith(("text/event-stream", "application/x-ndjson"))
    raw: dict[str, Any] = {"dialect": dialect.name, "status": status, "headers": headers}
    texts = [c.decode("utf-8", "replace") for c in chunks]
    if streamed:
        raw.update(chunks=texts, timing_ms=delays)
    else:
        raw["body"] = "".join(texts)
    digest = hashlib.sha256(body).hexdigest()[:10]
    fixture_id = f"rec-{dialect.name}-{next(_counter):04d}-{digest}"
    path = out / f"{fixture_id}.yaml"
    document = {"fixtures": [{"id": fixture_id, "match": match, "raw": raw}]}
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _last_user(dialect: Dialect, route: RouteSpec, request: web.Request, body: bytes) -> str:
    import orjson

    try:
        parsed = dialect.accept(orjson.loads(body)) if body else None
        incoming = Incoming(
            request.method,
            request.path,
            dict(request.match_info),
            dict(request.query),
            request.headers,
            parsed,
            route,
        )
        return dialect.parse(incoming).last_user
    except Exception:  # an unparseable request is still recorded, just without a text match
        return ""


async def _open_session(app: web.Application) -> AsyncIterator[None]:
    app[SESSION] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600), auto_decompress=True)
    yield
    await app[SESSION].close()


def recorder_app(upstream: str, dialect_name: str, out: Path) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[UPSTREAM], app[OUT] = upstream, out
    out.mkdir(parents=True, exist_ok=True)
    dialects = [d for d in all_dialects() if d.name == dialect_name]
    if not dialects:
        raise ValueError(f"unknown dialect {dialect_name!r}")
    for dialect in dialects:
        for route in dialect.routes:
            app.router.add_route(
                route.method, dialect.prefix + route.path, functools.partial(forward, dialect, route)
            )
    app.cleanup_ctx.append(_open_session)
    return app


async def run_recorder(upstream: str, dialect_name: str, out: Path, host: str, port: int) -> int:
    runner = web.AppRunner(recorder_app(upstream, dialect_name, out), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    actual = runner.addresses[0][1]
    print(f"mocksrv record: http://{host}:{actual} -> {upstream}, writing fixtures to {out}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return 0
