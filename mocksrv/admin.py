"""The control API under /_mock/: journal, run-time fixtures and scenarios, reset, health."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from . import heartbeat, inspector, openapi
from .journal import select
from .loader import check_document
from .scenarios import RUNTIME_SCENARIOS, SERVER_SCENARIO, session_setting
from .services import SERVICES, Services
from .store import RUNTIME_FIXTURES

MAX_ADMIN_BODY = 4 * 1024 * 1024


def problem(status: int, message: str, problems: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"error": {"message": message}}
    if problems:
        body["error"]["problems"] = problems
    return web.json_response(body, status=status)


def services_of(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


@web.middleware
async def admin_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = services_of(request).config.admin_token
    if token and request.path != "/_mock/health" and not inspector.is_public(request.path):
        given = request.headers.get("x-mock-admin-token") or request.headers.get(
            "authorization", ""
        ).removeprefix("Bearer ")
        if request.path == "/_mock/events":  # EventSource cannot send headers
            given = given or request.query.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
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
    return web.Response(
        body=orjson.dumps({"requests": select(entries, dict(request.query))}), content_type="application/json"
    )


async def clear_requests(request: web.Request) -> web.Response:
    await services_of(request).state.journal_clear()
    services_of(request).live.publish("reset")
    return web.json_response({"cleared": True})


async def read_document(request: web.Request, key: str) -> dict[str, Any] | web.Response:
    """The checked `{key: [...]}` document, or the problem response that says what is wrong."""
    raw = await request.content.read(MAX_ADMIN_BODY + 1)
    if len(raw) > MAX_ADMIN_BODY:
        return problem(413, f"Body larger than {MAX_ADMIN_BODY} bytes.")
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
    try:
        name = orjson.loads(await request.content.read(64 * 1024)).get("name")
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


def control_app() -> web.Application:
    app = web.Application(middlewares=[admin_auth])
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
            *inspector.routes(),
        ]
    )
    return app
