"""create_app(config): services, the route table built from the dialect table, the control API."""

from __future__ import annotations

import functools

from aiohttp import web

from . import arrival, front, heartbeat, loader
from .admin import control_app
from .catalog import load_catalog
from .config import ServerConfig
from .dialects import all_dialects, route_table
from .dialects.base import Dialect
from .handler import handle
from .journal import SENSITIVE_HEADERS, SENSITIVE_QUERY, Capture, session_secret
from .middleware import CAPTURE, DIALECT_BY_PREFIX, ROUTE_OWNER, journal_middleware
from .resources import FIXTURES_DIR
from .scenarios import ScenarioBook
from .schemas import SchemaRegistry
from .services import SERVICES, Services
from .state import StateStore, open_state
from .store import FixtureStore


def build_services(config: ServerConfig, state: StateStore | None = None) -> Services:
    """Load and validate everything up front; raises ConfigError and never half-loads."""
    schemas = SchemaRegistry()
    schemas.compile_all()
    bundled = loader.load([FIXTURES_DIR], schemas) if config.bundled_fixtures else loader.Documents()
    custom = loader.load(list(config.fixture_dirs), schemas)
    state = state or open_state(config.state_url, config.journal_limit)
    scenarios = ScenarioBook(
        state,
        bundled.scenarios + custom.scenarios,
        {**bundled.keys, **custom.keys},
        config.scenario,
        config.seed,
        config.max_delay_ms,
        custom.limits or bundled.limits,
    )
    if config.scenario and config.scenario not in scenarios.files:
        from .errors import ConfigError

        raise ConfigError([f"--scenario: no scenario named {config.scenario!r} is loaded"])
    fixtures = FixtureStore(state, custom, bundled)
    catalog = load_catalog(bundled.models + custom.models, schemas)
    return Services(config, schemas, state, fixtures, scenarios, catalog=catalog)


def capture_of(dialects: tuple[Dialect, ...], config: ServerConfig) -> Capture:
    """Redact every header and query key that carries a credential in some dialect."""
    headers = SENSITIVE_HEADERS.union(*(d.auth.secret_headers() for d in dialects))
    query = SENSITIVE_QUERY.union(d.auth.query for d in dialects if d.auth.query)
    return Capture(headers, query, config.journal_body_bytes, session_secret(config.admin_token))


def create_app(config: ServerConfig, services: Services | None = None) -> web.Application:
    services = services or build_services(config)
    middlewares = [journal_middleware]
    app = web.Application(middlewares=middlewares, client_max_size=config.max_body_bytes)
    app[SERVICES] = services
    dialects = all_dialects()
    table = route_table(dialects, config.root_dialect)
    routes = [
        app.router.add_route(route.method, path, functools.partial(handle, dialect, route))
        for path, dialect, route in table
    ]
    app[ROUTE_OWNER] = {added: dialect for added, (_, dialect, _) in zip(routes, table, strict=True)}
    front.install(app, routes, middlewares)  # type: ignore[arg-type]  # add_route gives ResourceRoutes
    arrival.install(app)
    prefixes: dict[str, Dialect] = {}
    for dialect in dialects:
        prefixes.setdefault(dialect.prefix, dialect)
    if config.root_dialect:
        prefixes.setdefault("", next(d for d in dialects if d.name == config.root_dialect))
    app[DIALECT_BY_PREFIX] = sorted(prefixes.items(), key=lambda item: -len(item[0]))
    app[CAPTURE] = capture_of(dialects, config)
    app.add_subapp("/_mock", control_app())
    app.cleanup_ctx.append(heartbeat.heartbeat_ctx)
    app.on_response_prepare.append(heartbeat.tag_response)
    app.on_shutdown.append(_end_live_streams)
    app.on_cleanup.append(_close_state)
    return app


async def _end_live_streams(app: web.Application) -> None:
    app[SERVICES].live.close()  # open inspector pages must not hold up shutdown


async def _close_state(app: web.Application) -> None:
    await app[SERVICES].state.close()
