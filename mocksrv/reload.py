"""`serve --watch`: reload fixture, scenario and model files when they change.

The new set is built by the same loader start-up uses (fileset.load_files), off the event loop,
and replaced in one assignment: a request sees the old set or the new one. A broken file
keeps the previous set serving and logs `file: JSON-pointer: message`. Every reload, kept or
rejected, is a journal entry (method RELOAD) and a live event for the inspector. Each process
watches for itself: pre-fork workers each reload their own copy (file-loaded documents are
per process, whatever the state store).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from .errors import ConfigError
from .fileset import load_files
from .loader import SUFFIXES
from .resources import FIXTURES_DIR, MODELS_DIR
from .services import SERVICES, Services

log = logging.getLogger("mocksrv")
DEBOUNCE_MS = 150  # an editor's save is often several writes (temp file, rename)
STEP_MS = 50
MAX_PROBLEMS_SHOWN = 20


def watched_roots(services: Services) -> list[Path]:
    """The served paths, and the bundled folders when they are a source checkout's (editable)."""
    roots = [Path(p) for p in services.config.fixture_dirs]
    if services.config.bundled_fixtures and "_data" not in FIXTURES_DIR.parts:
        roots.append(FIXTURES_DIR)
    if "_data" not in MODELS_DIR.parts:
        roots.append(MODELS_DIR)
    return [root.resolve() for root in roots if root.exists()]


def relevant(roots: list[Path]) -> Callable[[Any, str], bool]:
    """A watchfiles filter: fixture-like files under a watched folder, or a watched file itself."""
    files = {root for root in roots if root.is_file()}

    def keep(change: Any, path: str) -> bool:
        target = Path(path)
        if files and target in files:
            return True
        return target.suffix in SUFFIXES or "_files" in target.parts

    return keep


def watch_dirs(roots: list[Path]) -> list[Path]:
    """Folders to watch: a single file is watched through its folder (editors replace files)."""
    return sorted({root if root.is_dir() else root.parent for root in roots})


@dataclass(slots=True)
class ReloadEntry:
    """A journal entry for a reload (the Journaled protocol): shown among requests, by time."""

    files: list[str]
    problems: list[str]
    counts: dict[str, int]
    time: float
    id: int | None = None

    def view(self) -> dict[str, Any]:
        ok = not self.problems
        return {
            "id": self.id,
            "time": self.time,
            "session": None,
            "dialect": None,
            "method": "RELOAD",
            "path": ", ".join(self.files) or "(files)",
            "status": 200 if ok else 422,
            "fixture": None,
            "scenario": None,
            "step": None,
            "reply": None,
            "faults": [],
            "ttfb_ms": 0.0,
            "duration_ms": 0.0,
            "events": 0,
            "ended_by": None,
            "violations": self.problems,
            "reload": {"ok": ok, "files": self.files, "problems": self.problems, **self.counts},
            "worker": os.getpid(),
            "request": None,
            "response": None,
        }


def reload_now(services: Services, changed: list[str]) -> ReloadEntry:
    """Build the new set; swap it in (one assignment) only when every file is good."""
    try:
        loaded = load_files(services.config, services.schemas, services.state)
    except ConfigError as exc:
        log.error(
            "reload rejected, still serving the previous files:\n%s",
            "\n".join(exc.problems[:MAX_PROBLEMS_SHOWN]),
        )
        return ReloadEntry(changed, exc.problems[:MAX_PROBLEMS_SHOWN], {}, time.time())
    counts = {
        "fixtures": len(loaded.fixtures.directory) + len(loaded.fixtures.bundled),
        "scenarios": len(loaded.scenarios.files),
        "models": len(loaded.catalog.models),
    }
    services.loaded = loaded
    invalidate(services)
    log.info("reloaded %s: %s", ", ".join(changed), ", ".join(f"{v} {k}" for k, v in counts.items()))
    return ReloadEntry(changed, [], counts, time.time())


def invalidate(services: Services) -> None:
    """Answers remembered for the old set (decided.py) hold for a state epoch: move it on.
    (A shared store has no epoch and remembers nothing.) Parses kept per body read the old
    model table (embedding sizes): drop them."""
    services.state.files_changed()
    services.memo.clear()


async def watch(services: Services) -> None:
    import watchfiles

    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # our own line says what changed
    roots = watched_roots(services)
    if not roots:
        return
    log.info("watching %s for changes", ", ".join(map(str, watch_dirs(roots))))
    changes = watchfiles.awatch(
        *watch_dirs(roots), watch_filter=relevant(roots), debounce=DEBOUNCE_MS, step=STEP_MS
    )
    async for batch in changes:
        changed = sorted({path for _, path in batch})
        record = await asyncio.to_thread(reload_now, services, changed)
        await services.state.journal_add(record)
        services.live.publish("entry", record.view())
        services.live.publish("reload", record.view()["reload"])
        services.live.publish("scenario", None)  # the inspector lists the scenarios again


async def watch_ctx(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context: watch while the app runs, stop with it."""
    task = asyncio.create_task(_guarded(app[SERVICES]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _guarded(services: Services) -> None:
    try:
        await watch(services)
    except asyncio.CancelledError:
        raise
    except Exception:  # the watcher must never take the server down
        log.exception("file watching stopped")
