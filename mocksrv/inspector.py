"""The inspector's routes under /_mock/: the page (ui/), its live entry stream, and metrics."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from .live import CLOSE, HEARTBEAT, PREAMBLE, frame
from .metrics import CONTENT_TYPE
from .services import SERVICES

UI_DIR = Path(__file__).parent / "ui"
UI_FILES = frozenset({"index.html", "app.js", "detail.js", "util.js", "style.css"})
# Everything comes from this server: the page works offline and loads nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
}
PUBLIC_PATHS = ("/_mock/", "/_mock/ui")  # the page itself holds no data; its API calls need the token


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/_mock/ui/")


async def ui_root(request: web.Request) -> web.StreamResponse:
    query = f"?{request.query_string}" if request.query_string else ""
    raise web.HTTPFound(f"/_mock/ui{query}")


async def ui_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(UI_DIR / "index.html", headers=PAGE_HEADERS)


async def ui_asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in UI_FILES:  # a fixed list: no path ever reaches the file system unchecked
        raise web.HTTPNotFound()
    return web.FileResponse(UI_DIR / name, headers=PAGE_HEADERS)


async def events(request: web.Request) -> web.StreamResponse:
    """GET /_mock/events: journal entries as SSE (`entry`, `reset`, `dropped`), heartbeats between."""
    hub = request.config_dict[SERVICES].live
    response = web.StreamResponse(headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.content_type = "text/event-stream"
    await response.prepare(request)
    with hub.subscribe() as subscription:
        try:
            await response.write(PREAMBLE)
            while True:
                message = await subscription.next(hub.heartbeat_s)
                if message == CLOSE:
                    break
                if subscription.dropped:  # told before the next entry, or when things go quiet
                    await response.write(frame("dropped", {"count": subscription.dropped}))
                    subscription.dropped = 0
                await response.write(HEARTBEAT if message is None else frame(*message))
        except ConnectionResetError:  # the watcher went away; handler cancellation ends the rest
            return response
    await response.write_eof()
    return response


async def metrics(request: web.Request) -> web.Response:
    services = request.config_dict[SERVICES]
    size = await services.state.journal_size()  # a scrape must not build every entry's view
    return web.Response(body=services.metrics.render(size), headers={"Content-Type": CONTENT_TYPE})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/", ui_root),
        web.get("/ui", ui_page),
        web.get("/ui/", ui_page),
        web.get("/ui/{name}", ui_asset),
        web.get("/events", events),
        web.get("/metrics", metrics),
    ]
