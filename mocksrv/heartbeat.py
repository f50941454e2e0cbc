"""Which process answers: a worker identity, its heartbeat in the state store, and health.

With a shared store (Redis) every worker and replica beats into it, so /_mock/health on any
of them lists all that are alive; with the memory store it lists this process only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from .errors import ConfigError
from .services import SERVICES
from .state import StateStore, StoreUnavailable

log = logging.getLogger("mocksrv")
HEARTBEAT_S = 2.0
LIVE_S = 3 * HEARTBEAT_S  # a worker missing three beats is no longer listed
WORKER_HEADER = "x-mocksrv-worker"
_me: dict[str, Any] = {}


def identity() -> dict[str, Any]:
    """host:pid of this process (pods often all have pid 1, hence the host)."""
    if not _me:
        host = socket.gethostname()
        _me.update(id=f"{host}:{os.getpid()}", host=host, pid=os.getpid(), started=time.time())
    return _me


os.register_at_fork(after_in_child=_me.clear)  # a forked worker is a new identity


async def heartbeat_ctx(app: web.Application) -> AsyncIterator[None]:
    """Beat once before serving (so an unreachable store stops start-up), then periodically."""
    state = app[SERVICES].state
    try:
        await state.heartbeat(identity()["id"], identity())
    except Exception as exc:  # whatever the store raises when it cannot be reached
        raise ConfigError([f"state store unreachable: {exc}"]) from exc
    task = asyncio.create_task(_beat(state))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _beat(state: StateStore) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            await state.heartbeat(identity()["id"], identity())
        except StoreUnavailable:  # keep serving; the store's own outage log says it is down
            pass
        except Exception as exc:  # keep serving; health reports the store as unavailable
            log.warning("heartbeat to the state store failed: %s", exc)


async def tag_response(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer names its worker, so users (and tests) see which process served it."""
    response.headers[WORKER_HEADER] = identity()["id"]


async def health(state: StateStore) -> tuple[int, dict[str, Any]]:
    me = identity()
    try:
        seen = await state.workers(LIVE_S)
    except Exception as exc:  # an unreachable store makes this worker unready
        return 503, {"status": "unavailable", "error": f"state store: {exc}", "worker": me["id"]}
    workers = {w["id"]: w for w in seen}
    workers.setdefault(me["id"], {**me, "seen": time.time()})
    listed = sorted(workers.values(), key=lambda w: w["id"])
    return 200, {"status": "ok", "worker": me["id"], "workers": listed}
