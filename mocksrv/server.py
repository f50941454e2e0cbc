"""Run the app: bind, print where each dialect is served, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .app import build_services, create_app
from .config import ServerConfig
from .dialects import all_dialects
from .dialects.embedding_wire import prepare_vectors
from .heap import fix_malloc_thresholds
from .services import Services

log = logging.getLogger("mocksrv")

GC_THRESHOLDS = (200_000, 20, 20)  # CPython's default is (700, 10, 10)
# Connections waiting to be accepted. aiohttp's 128 overflows when a load test opens a thousand
# connections at once: the kernel drops the SYNs and clients retry after one to three seconds.
# (The kernel caps it at net.core.somaxconn, 4096 on current kernels.)
LISTEN_BACKLOG = 4096


MALFORMED_LOG_INTERVAL_S = 10.0


class MalformedRequestLog(logging.Filter):
    """aiohttp logs every request it cannot parse with a traceback: 500 bytes of log for each
    line of garbage a client sends. Instead: one short line, then at most one per interval
    with the count since the last."""

    def __init__(self, interval_s: float = MALFORMED_LOG_INTERVAL_S):
        super().__init__()
        self.interval_s = interval_s
        self.count = 0
        self.reported_at: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError) or not str(record.msg).startswith("Error handling"):
            return True
        self.count += 1
        now = time.monotonic()
        if self.reported_at is not None and now - self.reported_at < self.interval_s:
            return False
        lines = str(error.message or "").strip().splitlines()
        reason = lines[0][:100] if lines else "unparseable"  # the bytes it quotes: not echoed at length
        record.msg = "malformed HTTP requests: %d since the last report (the latest from %s: %s)"
        first = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        record.args = (self.count, first, reason)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        self.count, self.reported_at = 0, now
        return True


def quiet_malformed_requests() -> None:
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequestLog) for f in server_log.filters):
        server_log.addFilter(MalformedRequestLog())


def run(main: Coroutine[Any, Any, int]) -> int:
    """asyncio.run, on uvloop when it is installed: the same semantics, a faster event loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost"; anything else (0.0.0.0, ::, a LAN name) is exposed."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def exposure_problem(config: ServerConfig) -> str | None:
    """The control API can replace fixtures and read the journal: never open to a network."""
    if config.admin_token or is_loopback(config.host):
        return None
    return (
        f"mocksrv: refusing to bind {config.host} without an admin token: the /_mock/ control API "
        "would be open to the network. Pass --admin-token TOKEN (or MOCKSRV_ADMIN_TOKEN), "
        "or bind 127.0.0.1."
    )


def banner(config: ServerConfig, port: int) -> str:
    host = f"http://{config.host}:{port}"
    lines = [f"mocksrv listening on {host}"]
    for dialect in all_dialects():
        lines.append(f"  {dialect.name:<10} {host}{dialect.base_path}")
    if config.root_dialect:
        lines.append(f"  {config.root_dialect} native paths also at {host}/")
    lines.append(f"  control    {host}/_mock/")
    lines.append(f"  inspector  {host}/_mock/ui  (metrics: {host}/_mock/metrics)")
    return "\n".join(dict.fromkeys(lines))


def print_banner(config: ServerConfig, port: int) -> None:
    print(banner(config, port), flush=True)


async def serve(
    config: ServerConfig,
    services: Services | None = None,
    on_ready: Callable[[ServerConfig, int], None] = print_banner,
) -> int:
    """Serve until SIGTERM/SIGINT. A pre-fork worker passes the master's services and on_ready."""
    services = services or build_services(config)
    fix_malloc_thresholds()  # (heap.py)
    prepare_vectors(services.catalog, config.seed)  # (made already when a pre-fork master did)
    app = create_app(config, services)
    quiet_malformed_requests()
    # On stop: close the listener, let in-flight answers run up to the grace, then cancel them.
    # keepalive_timeout also bounds a connection that never completes its request headers.
    runner = web.AppRunner(
        app,
        handler_cancellation=True,
        access_log=None,
        shutdown_timeout=config.shutdown_grace_s,
        keepalive_timeout=config.idle_timeout_s,
    )
    await runner.setup()
    # SO_REUSEPORT: the kernel spreads connections over the workers bound to one port.
    reuse_port = config.workers > 1
    site = web.TCPSite(
        runner, config.host, config.port, reuse_address=True, reuse_port=reuse_port, backlog=LISTEN_BACKLOG
    )
    await site.start()
    # The garbage collector's full passes stop the loop for tens of milliseconds once a thousand
    # streams are open, which paced streams would show as jitter. Start-up objects (schemas,
    # fixtures, modules) live for good: frozen, no pass walks them again. A young pass walks
    # every live young object: with a thousand connections, their streams and the journal,
    # some 100,000 objects and 50 ms. So it runs only after 200,000 net new objects; journal
    # entries and finished streams die (by reference counting) before one is due, and a
    # thousand paced streams run without a pass (docs/benchmark.md). Cyclic garbage waits
    # that long too: a few tens of MB at worst.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    port = runner.addresses[0][1] if runner.addresses else config.port
    on_ready(config, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("stopping: no new connections; in-flight requests have %g s to finish", config.shutdown_grace_s)
    await stop_within(runner, config.shutdown_grace_s)
    return 0


async def stop_within(runner: web.AppRunner, grace_s: float) -> None:
    """runner.cleanup(), bounded by one grace. aiohttp waits up to its shutdown_timeout for
    in-flight handlers, then "cancels" them (only their body reads) and waits that long again:
    twice the grace. At the grace, closing the connections cancels the handlers for real
    (handler_cancellation), and the cleanup ends at once."""
    cleanup = asyncio.ensure_future(runner.cleanup())
    try:
        await asyncio.wait_for(asyncio.shield(cleanup), grace_s)
        return
    except TimeoutError:
        server = runner.server
        for connection in list(server.connections if server is not None else ()):
            connection.force_close()
    await cleanup
