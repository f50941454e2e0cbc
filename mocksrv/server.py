"""Run the app: bind, print where each dialect is served, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

from .app import build_services, create_app
from .config import ServerConfig
from .dialects import all_dialects

SHUTDOWN_GRACE_S = 10.0


def banner(config: ServerConfig, port: int) -> str:
    host = f"http://{config.host}:{port}"
    lines = [f"mocksrv listening on {host}"]
    for dialect in all_dialects():
        lines.append(f"  {dialect.name:<10} {host}{dialect.base_path}")
    if config.root_dialect:
        lines.append(f"  {config.root_dialect} native paths also at {host}/")
    lines.append(f"  control    {host}/_mock/")
    return "\n".join(dict.fromkeys(lines))


async def serve(config: ServerConfig) -> int:
    app = create_app(config, build_services(config))
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else config.port
    print(banner(config, port), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()
    return 0
