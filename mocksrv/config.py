"""Server configuration: every default lives here; flags and environment fill it in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Cursors a state store keeps per (session, fixture or scenario); past this the least recently
# used goes (~1.2 MiB). A session idle while 10,000 others advanced starts its steps over.
MAX_CURSORS = 10_000
# Records and tallies a state store keeps per kind (stored responses, cache entries, usage
# totals...): past this the oldest goes, so no client can grow the state without bound.
MAX_RECORDS = 10_000
FAST_PATH_VARIABLE = "MOCKSRV_FAST_PATH"
EVENTS_LOGGED = 200  # stream events a journal entry keeps (the SSE writer logs no more)


@dataclass(frozen=True)
class CacheLimits:
    """The speed layer's bounds (mocksrv/fast/): each cache there is a fast.bounded.BoundedTable
    (oldest out first) of one of these sizes; the trace lines, a pure function's, an lru_cache."""

    body_max_bytes: int = 16 * 1024  # bodies larger than this are never kept (parsed afresh)
    bodies: int = 1024  # request bodies kept: at most ~16 MiB of bodies, plus their parsed forms
    renders_per_body: int = 32  # per body: a sequence of replies, n choices, max_tokens cuts
    matched_turns: int = 4096  # fixture matches remembered (a turn per distinct body)
    single_choices: int = 4096  # fixtures with one reply, their (frozen) choice
    header_blocks: int = 64  # serialized header blocks, per dialect and JSON/SSE
    trace_lines: int = 4096  # serialized x-mocksrv-* lines: a few fixtures answer most requests
    replays: int = 256  # requests known by their bytes (replayed.py): at most body_max_bytes + 8 KiB each
    projections: int = 8  # embedding projections, per (seed, vector size): 2 MiB per 1,024 dimensions


CACHE_LIMITS = CacheLimits()


def fast_path_default() -> bool:
    """On unless MOCKSRV_FAST_PATH says off: servers embedded in tests (MockServer, the pytest
    plugin) follow the switch as `mocksrv serve` does."""
    return os.environ.get(FAST_PATH_VARIABLE, "").strip().lower() not in ("0", "false", "no", "off")


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
    lenient: bool = False  # accept conversations providers refuse (crossturn.py checks off)
    known_models: bool = False  # a model the catalog does not list gets the provider's not-found
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
    watch: bool = False  # reload fixture, scenario and model files when they change (reload.py)
    # The speed layer (mocksrv/fast/); off, every request takes the plain path: same answers.
    fast_path: bool = field(default_factory=fast_path_default)
