"""create_app(config): services, the route table built from the dialect table, the control API."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import heartbeat, reload
from .admin import control_app
from .config import ServerConfig
from .dialects import all_dialects, route_table
from .dialects.base import Dialect, RouteSpec
from .fast import arrival, front
from .fast.memo import body_cache
from .fast.replayed import REPLAYS, Replays
from .fileset import load_files
from .handler import handle
from .journal import SENSITIVE_HEADERS, SENSITIVE_QUERY, Capture, session_secret
from .middleware import CAPTURE, DIALECT_BY_PREFIX, ROUTE_OWNER, journal_middleware
from .schemas import SchemaRegistry
from .services import SERVICES, Services
from .signing import signer_for
from .state import StateStore, open_state
from .stateful.api import serve as serve_stored


def build_services(config: ServerConfig, state: StateStore | None = None) -> Services:
    """Load and validate everything up front; raises ConfigError and never half-loads."""
    schemas = SchemaRegistry(fast_path=config.fast_path)
    schemas.compile_all()
    state = state or open_state(config.state_url, config.journal_limit)
    memo = body_cache(config.fast_path)
    return Services(config, schemas, state, load_files(config, schemas, state), memo=memo)


def handler_of(route: RouteSpec) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Generation goes through the one handler; stored responses and conversations through stateful/."""
    return serve_stored if route.stored else handle


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
    # The catalog as the request being parsed sees it: the loaded one (a --watch reload swaps it)
    # with the models added at run time (model_book.py); embedding sizes read it when parsing.
    dialects = all_dialects(
        signer_for(config.seed, config.admin_token),
        config.seed,
        lambda: services.model_book.latest(services.catalog),
    )
    table = route_table(dialects, config.root_dialect)
    routes = [
        app.router.add_route(route.method, path, functools.partial(handler_of(route), dialect, route))
        for path, dialect, route in table
    ]
    app[ROUTE_OWNER] = {added: dialect for added, (_, dialect, _) in zip(routes, table, strict=True)}
    if config.fast_path:  # the route index (mocksrv/fast/front.py)
        front.install(app, routes, middlewares)  # type: ignore[arg-type]  # add_route gives ResourceRoutes
    capture = app[CAPTURE] = capture_of(dialects, config)
    replays = None
    if config.fast_path:  # requests known by their bytes (mocksrv/fast/replayed.py)
        replays = app[REPLAYS] = Replays(services, capture, steady=(heartbeat.tag_response,))
    arrival.install(app, replays)  # not for speed: scripted latency counts from arrival either way
    prefixes: dict[str, Dialect] = {}
    for dialect in dialects:
        prefixes.setdefault(dialect.prefix, dialect)
    if config.root_dialect:
        prefixes.setdefault("", next(d for d in dialects if d.name == config.root_dialect))
    app[DIALECT_BY_PREFIX] = sorted(prefixes.items(), key=lambda item: -len(item[0]))
    app.add_subapp("/_mock", control_app())
    app.cleanup_ctx.append(heartbeat.heartbeat_ctx)
    if config.watch:
        app.cleanup_ctx.append(reload.watch_ctx)
    app.on_response_prepare.append(heartbeat.tag_response)
    app.on_shutdown.append(_end_live_streams)
    app.on_cleanup.append(_close_state)
    return app


async def _end_live_streams(app: web.Application) -> None:
    app[SERVICES].live.close()  # open inspector pages must not hold up shutdown


async def _close_state(app: web.Application) -> None:
    await app[SERVICES].state.close()
