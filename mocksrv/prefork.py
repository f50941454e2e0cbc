"""`serve --workers N`: a master forks N workers that share one port through SO_REUSEPORT.

The master loads and validates everything once (workers inherit it by fork), prints the banner
when every worker listens, forwards SIGTERM/SIGINT, and exits 0 after a requested stop. If a
worker dies on its own, the master stops the others and exits 1: a half-alive server would
answer some connections and refuse others, which is worse than a clear failure.
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
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from .app import build_services
from .config import ServerConfig
from .server import banner, run, serve
from .services import Services

log = logging.getLogger("mocksrv")
POLL_S = 0.2
READY_TIMEOUT_S = 60.0


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


class Master:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.stopping = False
        self.procs: list[BaseProcess] = []
        self.pending: list[Connection] = []

    def on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def start(self, services: Services) -> None:
        context = multiprocessing.get_context("fork")  # workers inherit the loaded services
        for index in range(self.config.workers):
            reader, writer = context.Pipe(duplex=False)
            proc = context.Process(
                target=_worker,
                args=(self.config, services, writer, os.getpid()),
                name=f"mocksrv-worker-{index}",
            )
            proc.start()
            writer.close()
            self.procs.append(proc)
            self.pending.append(reader)

    def supervise(self) -> int:
        """Wait for a stop signal (0) or a worker's death (1); print the banner once all listen."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.stopping:
            sentinels = {p.sentinel: p for p in self.procs}
            for ready in wait([*self.pending, *sentinels], timeout=POLL_S):
                if ready in sentinels:
                    proc = sentinels[ready]
                    log.error("worker %s (pid %s) exited with code %s", proc.name, proc.pid, proc.exitcode)
                    return 1
                self._mark_ready(ready)
            if self.pending and time.monotonic() > deadline:
                log.error("workers did not start within %.0f s", READY_TIMEOUT_S)
                return 1
        return 0

    def _mark_ready(self, reader: Connection) -> None:
        with contextlib.suppress(EOFError):  # a dying worker: its sentinel reports it next
            reader.recv()
        self.pending.remove(reader)
        reader.close()
        if not self.pending:
            pids = ", ".join(str(p.pid) for p in self.procs)
            print(banner(self.config, self.config.port), flush=True)
            print(f"  workers    {len(self.procs)} (pids {pids}), master pid {os.getpid()}", flush=True)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
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
    master = Master(dataclasses.replace(config, port=concrete_port(config)))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, master.on_signal)
    try:
        master.start(services)
        status = master.supervise()
    finally:
        master.stop_all()
    return status
