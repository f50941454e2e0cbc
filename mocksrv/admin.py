"""The control API under /_mock/: journal, run-time fixtures and scenarios, reset, health."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from . import clock, guard, heartbeat, inspector, ledger, openapi
from .journal import select
from .loader import check_document
from .middleware import CAPTURE
from .model_book import RUNTIME_MODELS, entry_of
from .scenarios import RUNTIME_SCENARIOS, SERVER_SCENARIO, session_setting
from .services import SERVICES, Services
from .store import RUNTIME_FIXTURES


def problem(status: int, message: str, problems: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"error": {"message": message}}
    if problems:
        body["error"]["problems"] = problems
    return web.json_response(body, status=status)


def services_of(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


def holds_token(request: web.Request, token: str) -> bool:
    given = request.headers.get("x-mock-admin-token") or request.headers.get(
        "authorization", ""
    ).removeprefix("Bearer ")
    if request.path == "/_mock/events":  # EventSource cannot send headers
        given = given or request.query.get("token", "")
    # Header bytes that are not UTF-8 arrive surrogate-escaped: compare them as bytes.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def host_checked(request: web.Request) -> bool:
    """Health is for probes, which use whatever name the platform gives; a caller holding the
    admin token is no rebinding page (it cannot know the token), e.g. a Prometheus scrape."""
    token = services_of(request).config.admin_token
    return request.path != "/_mock/health" and not (token and holds_token(request, token))


@web.middleware
async def browser_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host, Origin and content-type rules of guard.py."""
    config = services_of(request).config
    host = request.headers.get("Host")
    names = guard.allowed_names(config.host, config.allowed_hosts)
    if not guard.host_allowed(host, names) and host_checked(request):
        return problem(403, f"Host {host!r} is not one this server answers to (see --allowed-host).")
    if not guard.origin_allowed(request.headers.get("Origin"), host):
        return problem(403, "Cross-origin requests to the control API are refused.")
    if guard.json_required(request.method, request.content_type):
        return problem(415, f"{request.method} {request.path} needs Content-Type: application/json.")
    return await handler(request)


@web.middleware
async def admin_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = services_of(request).config.admin_token
    guarded = token and request.path != "/_mock/health" and not inspector.is_public(request.path)
    if token and guarded and not holds_token(request, token):
        return problem(401, "This control API needs the admin token (X-Mock-Admin-Token header).")
    return await handler(request)


async def health(request: web.Request) -> web.Response:
    status, body = await heartbeat.health(services_of(request).state)  # every live worker
    body["tasks"] = len(asyncio.all_tasks())  # this worker's open tasks: soak and leak checks
    return web.json_response(body, status=status)


async def openapi_document(request: web.Request) -> web.Response:
    """GET /_mock/openapi.json: every dialect route, for fuzzers and client generators."""
    services = services_of(request)
    server = f"{request.scheme}://{request.host}"
    document = openapi.cached_document(services.schemas, services.config.root_dialect, server)
    return web.Response(body=document, content_type="application/json")


async def list_requests(request: web.Request) -> web.Response:
    entries = await services_of(request).state.journal_entries()
    chosen = select(entries, dict(request.query), request.config_dict[CAPTURE])
    return web.Response(body=orjson.dumps({"requests": chosen}), content_type="application/json")


async def clear_requests(request: web.Request) -> web.Response:
    await services_of(request).state.journal_clear()
    services_of(request).live.publish("reset")
    return web.json_response({"cleared": True})


async def read_whole(request: web.Request) -> bytes | None:
    """The whole body, however it arrives (segments, after 100-continue); None beyond the cap."""
    cap = services_of(request).config.max_control_body_bytes
    if (request.content_length or 0) > cap:
        return None
    chunks, size = [], 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(request: web.Request) -> web.Response:
    cap = services_of(request).config.max_control_body_bytes
    return problem(413, f"Control API bodies are limited to {cap} bytes.")


async def read_document(request: web.Request, key: str) -> dict[str, Any] | web.Response:
    """The checked `{key: [...]}` document, or the problem response that says what is wrong."""
    raw = await read_whole(request)
    if raw is None:
        return too_large(request)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return problem(400, f"Body is not valid JSON: {exc}")
    if not isinstance(document, dict) or key not in document:
        return problem(400, f'Body must be {{"{key}": [...]}}.')
    problems = check_document(services_of(request).schemas, {key: document[key]})
    if problems:
        return problem(400, f"Invalid {key}.", problems)
    return document


async def add_fixtures(request: web.Request) -> web.Response:
    document = await read_document(request, "fixtures")
    if isinstance(document, web.Response):
        return document
    with_files = [f["id"] for f in document["fixtures"] if "body_file" in (f.get("raw") or {})]
    if with_files:
        return problem(400, f"body_file is only allowed in fixture files, not at run time: {with_files}")
    state = services_of(request).state
    for fixture in document["fixtures"]:
        await state.put_document(RUNTIME_FIXTURES, fixture["id"], fixture)
    return web.json_response({"added": [f["id"] for f in document["fixtures"]]}, status=201)


async def list_fixtures(request: web.Request) -> web.Response:
    fixtures = await services_of(request).fixtures.all()
    return web.json_response({"fixtures": [f.source for f in fixtures]})


async def delete_document(request: web.Request, kind: str, key: str) -> web.Response:
    name = request.match_info[key]
    if not await services_of(request).state.delete_document(kind, name):
        return problem(404, f"No run-time {kind} entry {name!r} (entries from files are not removable).")
    return web.json_response({"deleted": name})


async def delete_fixture(request: web.Request) -> web.Response:
    return await delete_document(request, RUNTIME_FIXTURES, "id")


async def delete_scenario(request: web.Request) -> web.Response:
    return await delete_document(request, RUNTIME_SCENARIOS, "name")


async def add_scenarios(request: web.Request) -> web.Response:
    document = await read_document(request, "scenarios")
    if isinstance(document, web.Response):
        return document
    state = services_of(request).state
    for scenario in document["scenarios"]:
        await state.put_document(RUNTIME_SCENARIOS, scenario["name"], scenario)
    return web.json_response({"added": [s["name"] for s in document["scenarios"]]}, status=201)


async def list_scenarios(request: web.Request) -> web.Response:
    services = services_of(request)
    known = await services.scenarios.known()
    active = await services.state.get_setting(SERVER_SCENARIO) or services.config.scenario
    return web.json_response({"scenarios": sorted(known), "active": active})


async def switch_scenario(request: web.Request, setting: str) -> web.Response:
    """Store a scenario name (or null) under a setting, after checking the scenario exists."""
    services = services_of(request)
    raw = await read_whole(request)
    if raw is None:
        return too_large(request)
    try:
        name = orjson.loads(raw).get("name")
    except (orjson.JSONDecodeError, AttributeError):
        return problem(400, 'Body must be {"name": "<scenario>"} or {"name": null}.')
    if name is not None and name not in await services.scenarios.known():
        return problem(404, f"Unknown scenario {name!r}.")
    await services.state.set_setting(setting, name)
    if setting == SERVER_SCENARIO:
        services.live.publish("scenario", {"active": name})  # other open pages follow
    return web.json_response({"active": name})


async def set_scenario(request: web.Request) -> web.Response:
    """PUT /_mock/scenario {"name": "flaky"} switches the server-wide scenario (null: none)."""
    return await switch_scenario(request, SERVER_SCENARIO)


async def bind_session(request: web.Request) -> web.Response:
    """PUT /_mock/sessions/{session}/scenario {"name": ...}: one session runs under a scenario."""
    return await switch_scenario(request, session_setting(request.match_info["session"]))


async def reset(request: web.Request) -> web.Response:
    await services_of(request).state.reset()
    services_of(request).live.publish("reset")
    return web.json_response({"reset": True})


async def clock_body(request: web.Request) -> dict[str, float]:
    state = services_of(request).state
    moved = await clock.offset(state)
    return {"now": await clock.now(state), "offset_s": moved}


async def show_clock(request: web.Request) -> web.Response:
    """GET /_mock/clock: the mocksrv clock (real time plus the offset tests have moved it by)."""
    return web.json_response(await clock_body(request))


async def advance_clock(request: web.Request) -> web.Response:
    """POST /_mock/clock {"advance_s": N}: TTLs, windows and background runs see N more seconds."""
    raw = await read_whole(request)
    if raw is None:
        return too_large(request)
    try:
        seconds = orjson.loads(raw).get("advance_s")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("advance_s must be a number of seconds")
        await clock.advance(services_of(request).state, float(seconds))
    except (orjson.JSONDecodeError, AttributeError):
        return problem(400, 'Body must be {"advance_s": <seconds>}.')
    except ValueError as exc:
        return problem(400, str(exc))
    services_of(request).live.publish("clock", await clock_body(request))
    return web.json_response(await clock_body(request))


async def clear_cursors(request: web.Request) -> web.Response:
    """DELETE /_mock/cursors: every `replies` and scenario-step cursor starts again."""
    await services_of(request).state.cursors_clear()
    return web.json_response({"cleared": True})


async def usage_totals(request: web.Request) -> web.Response:
    """Tokens, cache hits and cost per session, key and model (ledger.py)."""
    filters = {k: v for k, v in request.query.items() if k in ("session", "key", "model")}
    secret = request.config_dict[CAPTURE].session_secret
    return web.json_response(await ledger.totals(services_of(request).state, secret, filters))


async def add_models(request: web.Request) -> web.Response:
    document = await read_document(request, "models")
    if isinstance(document, web.Response):
        return document
    for model in document["models"]:
        await services_of(request).state.put_document(RUNTIME_MODELS, model["id"], model)
    return web.json_response({"added": [m["id"] for m in document["models"]]}, status=201)


async def list_models(request: web.Request) -> web.Response:
    services = services_of(request)
    catalog = await services.model_book.current(services.state, services.catalog)
    return web.json_response({"models": [entry_of(m) for m in catalog.models.values()]})


def control_app() -> web.Application:
    app = web.Application(middlewares=[browser_guard, admin_auth])
    app.router.add_routes(
        [
            web.get("/health", health),
            web.get("/openapi.json", openapi_document),
            web.get("/requests", list_requests),
            web.delete("/requests", clear_requests),
            web.get("/fixtures", list_fixtures),
            web.post("/fixtures", add_fixtures),
            web.delete("/fixtures/{id}", delete_fixture),
            web.get("/scenarios", list_scenarios),
            web.post("/scenarios", add_scenarios),
            web.delete("/scenarios/{name}", delete_scenario),
            web.put("/scenario", set_scenario),
            web.put("/sessions/{session}/scenario", bind_session),
            web.post("/reset", reset),
            web.delete("/cursors", clear_cursors),
            web.get("/clock", show_clock),
            web.get("/usage", usage_totals),
            web.get("/models", list_models),
            web.post("/models", add_models),
            web.post("/clock", advance_clock),
            *inspector.routes(),
        ]
    )
    return app
