"""Server configuration: every default lives here; flags and environment fill it in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODELS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "o3-mini",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
)

# Cursors a state store keeps per (session, fixture or scenario); past this the least recently
# used goes (~1.2 MiB). A session idle while 10,000 others advanced starts its steps over.
MAX_CURSORS = 10_000
# Records and tallies a state store keeps per kind (stored responses, cache entries, usage
# totals...): past this the oldest goes, so no client can grow the state without bound.
MAX_RECORDS = 10_000


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    fixture_dirs: tuple[Path, ...] = ()
    bundled_fixtures: bool = True
    root_dialect: str | None = None  # also serve this dialect's native paths at "/"
    scenario: str | None = None  # server-wide scenario
    relay_dialects: frozenset[str] = frozenset()  # OpenAI-style dialects that answer like relays (relay.py)
    seed: int = 0
    strict: bool = False
    api_keys: frozenset[str] | None = None  # None: any non-empty key is valid
    max_body_bytes: int = 8 * 1024 * 1024
    body_timeout_s: float = 30.0  # a request body must arrive within this (slow clients)
    shutdown_grace_s: float = 10.0  # SIGTERM/SIGINT: in-flight answers may finish within this
    idle_timeout_s: float = 75.0  # idle keep-alive, or never-finished request headers
    journal_limit: int = 1000
    journal_body_bytes: int = 64 * 1024
    max_delay_ms: float = 600_000  # no scripted pause lasts longer than this
    admin_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()  # Host names the control API answers besides loopback and `host`
    max_control_body_bytes: int = 8 * 1024 * 1024  # a /_mock/ body beyond this is a 413
    state_url: str | None = None  # None: in-process memory; redis://host:port/db shares state
    workers: int = 1  # processes sharing the port (SO_REUSEPORT)
    models: tuple[str, ...] = field(default=DEFAULT_MODELS)
