"""A one-shot timer for the event loop, precise to tens of microseconds (the timing wheel's).

uvloop's timers, like libuv's, count whole milliseconds: `call_at` rounds the delay to a
millisecond and the loop's clock (`loop.time()`) steps once a millisecond, so a timer fires up
to about 1.5 ms off its deadline. A paced stream's first token is then late by that much at the
tail, before any other work on the loop adds to it. On Linux the alarm is a timerfd instead:
the kernel wakes the loop's poll at the deadline, to the microsecond. Elsewhere (or if the
timerfd cannot be made) it falls back to `call_later`.

Deadlines are on time.perf_counter()'s clock, which is CLOCK_MONOTONIC on Linux; the timerfd is
set with a relative delay, so the two clocks never need to agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import sys
import time
import weakref
from collections.abc import Callable

log = logging.getLogger("mocksrv")

CLOCK_MONOTONIC = 1
TFD_NONBLOCK = os.O_NONBLOCK
TFD_CLOEXEC = os.O_CLOEXEC


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.timerfd_create.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.timerfd_settime.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(_Itimerspec),
            ctypes.POINTER(_Itimerspec),
        ]
        return libc
    except (OSError, AttributeError):  # no timerfd in this C library
        return None


_LIBC = _libc()


class Alarm:
    """Calls `callback` once at the deadline last `set` (perf_counter seconds), unless cancelled."""

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]):
        self._loop = weakref.ref(loop)  # the wheel keeps the alarm; neither keeps the loop alive
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None  # the fallback's pending timer
        self._spec = _Itimerspec()
        self._fd = self._timerfd(loop)

    def _timerfd(self, loop: asyncio.AbstractEventLoop) -> int | None:
        if _LIBC is None:
            return None
        fd = _LIBC.timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)
        if fd < 0:
            reason = os.strerror(ctypes.get_errno())
            log.debug("no timerfd (%s): paced events keep the loop's millisecond timers", reason)
            return None
        try:
            loop.add_reader(fd, self._fired)
        except (NotImplementedError, RuntimeError, OSError):  # a loop that cannot watch it
            os.close(fd)
            return None
        weakref.finalize(self, _close, fd, self._loop)
        return fd

    def set(self, deadline: float) -> None:
        """Fire at `deadline` (perf_counter seconds; in the past: at once), replacing any earlier setting."""
        delay = deadline - time.perf_counter()
        if self._fd is None:
            self._set_fallback(delay)
            return
        nanoseconds = max(1, int(delay * 1e9))  # zero would disarm it
        spec = self._spec
        spec.it_value.tv_sec, spec.it_value.tv_nsec = divmod(nanoseconds, 1_000_000_000)
        if _LIBC.timerfd_settime(self._fd, 0, spec, None) != 0:  # type: ignore[union-attr]
            raise OSError(ctypes.get_errno(), "timerfd_settime failed")

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._fd is not None:
            self._spec.it_value.tv_sec = self._spec.it_value.tv_nsec = 0
            _LIBC.timerfd_settime(self._fd, 0, self._spec, None)  # type: ignore[union-attr]

    def _set_fallback(self, delay: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        loop = self._loop()
        if loop is not None:
            self._handle = loop.call_later(max(0.0, delay), self._fired_fallback)

    def _fired_fallback(self) -> None:
        self._handle = None
        self._callback()

    def _fired(self) -> None:
        try:
            os.read(self._fd, 8)  # type: ignore[arg-type]  # the expiry count; reading re-arms the poll
        except BlockingIOError:  # set again (or cancelled) after it expired: not due any more
            return
        self._callback()


def _close(fd: int, loop_ref: weakref.ref[asyncio.AbstractEventLoop]) -> None:
    loop = loop_ref()
    if loop is not None and not loop.is_closed():
        with contextlib.suppress(Exception):
            loop.remove_reader(fd)
    os.close(fd)
