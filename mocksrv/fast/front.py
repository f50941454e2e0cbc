"""The app's entry point: fixed-path endpoints by one dictionary lookup, the rest through aiohttp.

aiohttp's Application resolves every request through its router, freezes a fresh match info
and composes the middleware chain. For the fixed paths that carry nearly all traffic
(`/openai/v1/chat/completions` and the like), all of that is known at start-up: the route,
its match info (shared, it is frozen) and the handler wrapped in the app's middlewares. Paths
with parameters, the control API and unknown paths go through aiohttp's own `_handle`, so
404s, 405s and sub-apps behave exactly as before.
"""

from __future__ import annotations

import functools

from aiohttp import web
from aiohttp.web_urldispatcher import ResourceRoute, UrlMappingMatchInfo

from . import seam
from .seam import Handler


class Front:
    def __init__(self, app: web.Application):
        self.app = app
        self.fallback: Handler = seam.app_entry(app)
        self.exact: dict[tuple[str, str], tuple[UrlMappingMatchInfo, Handler]] = {}

    def add(self, route: ResourceRoute, middlewares: list) -> None:
        """Index a route whose path has no parameters, wrapped in `middlewares` (outermost first)."""
        path = route.resource.canonical if route.resource is not None else ""
        if "{" in path or not path:
            return
        info = UrlMappingMatchInfo({}, route)
        info.add_app(self.app)
        info.freeze()
        handler: Handler = route.handler
        for middleware in reversed(middlewares):
            handler = functools.partial(middleware, handler=handler)
        self.exact.setdefault((route.method, path), (info, handler))

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        found = self.exact.get((request.method, request.rel_url.path_safe))
        if found is None or "Expect" in request.headers:  # 100-continue: aiohttp's expect handler
            return await self.fallback(request)
        info, handler = found
        seam.set_match_info(request, info)
        return await handler(request)


def install(app: web.Application, routes: list[ResourceRoute], middlewares: list) -> Front:
    """Make `app` answer through a Front (aiohttp's servers call `app._handle` for each request)."""
    front = Front(app)
    for route in routes:
        front.add(route, middlewares)
    seam.replace_app_entry(app, front)
    return front
