"""`serve --workers N`: a master forks N workers that share one port through SO_REUSEPORT.

The master loads and validates everything once (workers inherit it by fork), prints the banner
when every worker listens, forwards SIGTERM/SIGINT, and exits 0 after a requested stop. A
worker that dies on its own is replaced (like gunicorn's arbiter) while the others keep serving;
one that keeps dying right after its start is restarted with a growing back-off, then given up
on with a clear log (the master exits 1 when no worker is left). A worker that fails during
start-up stops the server at once: its replacement would fail alike (a port in use).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from .app import build_services
from .config import ServerConfig
from .dialects.embedding_wire import prepare_vectors
from .server import banner, run, serve
from .services import Services

log = logging.getLogger("mocksrv")
POLL_S = 0.2
READY_TIMEOUT_S = 60.0
# A worker that dies is restarted: at once after a healthy run; after a back-off (0.5 s, 1 s,
# 2 s...) when it died within QUICK_DEATH_S of its start; never again after MAX_QUICK_DEATHS
# such deaths in a row (it cannot stay up: a loop of restarts would hide that).
QUICK_DEATH_S = 5.0
MAX_QUICK_DEATHS = 5
BACKOFF_S = 0.5
BACKOFF_MAX_S = 10.0


def concrete_port(config: ServerConfig) -> int:
    """Port 0 would give every worker its own port: pick one free port for all of them."""
    if config.port:
        return config.port
    with socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET) as probe:
        probe.bind((config.host, 0))
        return probe.getsockname()[1]


def _exit_with_master(master_pid: int) -> None:
    """A worker whose master was killed (SIGKILL, OOM) stops instead of serving on, orphaned."""
    while os.getppid() == master_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker(config: ServerConfig, services: Services, ready: Connection, master_pid: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the master's handlers are not ours
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    threading.Thread(target=_exit_with_master, args=(master_pid,), daemon=True).start()

    def on_ready(config: ServerConfig, port: int) -> None:
        ready.send(port)
        ready.close()

    sys.exit(run(serve(config, services, on_ready)))


@dataclass(eq=False)
class Slot:
    """One of the N worker places: its current process and how its recent ones ended."""

    index: int
    proc: BaseProcess | None = None
    ready: Connection | None = None  # until the worker says it listens
    started: float = 0.0
    quick_deaths: int = 0  # in a row, each within QUICK_DEATH_S of its start
    restart_at: float | None = None  # a restart is due then (back-off)


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def _backoff_s(quick_deaths: int) -> float:
    return 0.0 if quick_deaths == 0 else min(BACKOFF_S * 2 ** (quick_deaths - 1), BACKOFF_MAX_S)


class Master:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.stopping = False
        self.slots = [Slot(index) for index in range(config.workers)]
        self.announced = False  # the banner is out: every first worker listened
        self._spawn: Callable[[Slot], None] = lambda slot: None

    @property
    def procs(self) -> list[BaseProcess]:
        return [slot.proc for slot in self.slots if slot.proc is not None]

    def on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def start(self, services: Services) -> None:
        context = multiprocessing.get_context("fork")  # workers inherit the loaded services

        def spawn(slot: Slot) -> None:
            reader, writer = context.Pipe(duplex=False)
            proc = context.Process(
                target=_worker,
                args=(self.config, services, writer, os.getpid()),
                name=f"mocksrv-worker-{slot.index}",
            )
            proc.start()
            writer.close()
            slot.proc, slot.ready, slot.started, slot.restart_at = proc, reader, time.monotonic(), None

        self._spawn = spawn
        for slot in self.slots:
            spawn(slot)

    def supervise(self) -> int:
        """Run until a stop signal (0), a failed start-up or no worker left to restart (1).
        A worker that dies is replaced, after a back-off when it died soon after its start."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.stopping:
            self._restart_due()
            running = {s.proc.sentinel: s for s in self.slots if s.proc is not None and s.restart_at is None}
            readers = {s.ready: s for s in self.slots if s.ready is not None}
            for ready in wait([*readers, *running], timeout=self._wait_s()):
                if ready in running and not self._on_death(running[ready]):
                    return 1
                if ready in readers:
                    self._mark_ready(readers[ready], ready)
            if not self.announced and time.monotonic() > deadline:
                log.error("workers did not start within %.0f s", READY_TIMEOUT_S)
                return 1
        return 0

    def _wait_s(self) -> float:
        due = [s.restart_at for s in self.slots if s.restart_at is not None]
        return max(0.0, min([POLL_S, *(at - time.monotonic() for at in due)]))

    def _restart_due(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if slot.restart_at is not None and slot.restart_at <= now:
                self._spawn(slot)
                log.warning("worker %d restarted (pid %s)", slot.index, slot.proc.pid if slot.proc else None)

    def _on_death(self, slot: Slot) -> bool:
        """Schedule the dead worker's replacement; False when the server should stop instead."""
        assert slot.proc is not None
        proc, lived = slot.proc, time.monotonic() - slot.started
        proc.join(1)  # reaped (no zombie), its exit code known: the sentinel can come first
        if slot.ready is not None:  # it never listened
            slot.ready.close()
            slot.ready = None
        what = f"worker {slot.index} (pid {proc.pid}) {_how_it_ended(proc.exitcode)}"
        if not self.announced:  # start-up failed (a port in use...): a restart would fail alike
            log.error("%s during start-up", what)
            return False
        slot.quick_deaths = slot.quick_deaths + 1 if lived < QUICK_DEATH_S else 0
        if slot.quick_deaths >= MAX_QUICK_DEATHS:
            log.error(
                "%s; it died %d times in a row within %g s of its start: not restarting it again",
                what,
                slot.quick_deaths,
                QUICK_DEATH_S,
            )
            slot.proc = None
            if not self.procs:
                log.error("no worker left: stopping")
            return bool(self.procs)
        delay = _backoff_s(slot.quick_deaths)
        log.error("%s after %.1f s; restarting it in %.1f s", what, lived, delay)
        slot.restart_at = time.monotonic() + delay
        return True

    def _mark_ready(self, slot: Slot, reader: Connection) -> None:
        if slot.ready is not reader:  # its worker died meanwhile (_on_death closed it)
            return
        slot.ready = None
        try:
            reader.recv()
        except EOFError:  # a dying worker: its sentinel reports it next
            return
        finally:
            reader.close()
        if not self.announced and all(s.ready is None and s.proc and s.proc.is_alive() for s in self.slots):
            self.announced = True
            pids = ", ".join(str(p.pid) for p in self.procs)
            print(banner(self.config, self.config.port), flush=True)
            print(f"  workers    {len(self.procs)} (pids {pids}), master pid {os.getpid()}", flush=True)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.is_alive() and proc.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.config.shutdown_grace_s + 5
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                log.warning("worker %s did not stop in time; killing it", proc.pid)
                proc.kill()
                proc.join(5)


def run_workers(config: ServerConfig) -> int:
    """The master process of `serve --workers N` (N > 1)."""
    if not config.state_url:
        log.warning(
            "%d workers without --state: each worker has its own cursors, journal and run-time "
            "fixtures; use --state redis://... for one shared state",
            config.workers,
        )
    services = build_services(config)  # a bad fixture stops start-up before any fork
    prepare_vectors(services.catalog, config.seed)  # made once, shared with the workers by fork
    master = Master(dataclasses.replace(config, port=concrete_port(config)))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, master.on_signal)
    try:
        master.start(services)
        status = master.supervise()
    finally:
        master.stop_all()
    return status
