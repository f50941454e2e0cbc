"""MockServer: mocksrv running in a background thread, for tests (sync or async) and the plugin."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

from aiohttp import web

from .app import build_services, create_app
from .config import ServerConfig
from .dialects import all_dialects
from .errors import ConfigError
from .server import LISTEN_BACKLOG, exposure_problem
from .services import Services


class MockServer:
    """Start with `MockServer(config).start()`; `stop()` (or a `with` block) shuts it down."""

    def __init__(self, config: ServerConfig | None = None, **overrides: Any):
        config = config or ServerConfig(port=0)
        self.config = dataclasses.replace(config, **overrides) if overrides else config
        if problem := exposure_problem(self.config):  # the same rule as `mocksrv serve`
            raise ConfigError([problem])
        self.services: Services = build_services(self.config)  # raises ConfigError before any thread
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mocksrv", daemon=True)
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def base_url(self, dialect: str = "openai") -> str:
        for candidate in all_dialects():
            if candidate.name == dialect:
                return self.url + candidate.base_path
        raise KeyError(f"unknown dialect {dialect!r}")

    def start(self) -> MockServer:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._start())
        except BaseException as exc:  # surfaced to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        if self._runner is not None:
            self.loop.run_until_complete(self._runner.cleanup())
        self.loop.close()

    async def _start(self) -> None:
        app = create_app(self.config, self.services)
        self._runner = web.AppRunner(
            app,
            handler_cancellation=True,
            access_log=None,
            shutdown_timeout=1,
            keepalive_timeout=self.config.idle_timeout_s,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, backlog=LISTEN_BACKLOG)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def call(self, coroutine: Any) -> Any:
        """Run a coroutine on the server's loop (e.g. state access) and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
