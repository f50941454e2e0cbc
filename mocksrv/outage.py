"""A shared state store's outage: the error requests see, and a log that stays readable."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("mocksrv")
OUTAGE_LOG_INTERVAL_S = 10.0  # while the store is down, one log line per interval


class StoreUnavailable(Exception):
    """The state store cannot be reached (a shared store's outage). Requests get the dialect's
    own overloaded answer (clients retry those) until it is back; nothing waits for it."""


class Outage:
    """Failed calls to the state store, reported as one log line per interval with their count.

    An outage of a few seconds fails thousands of requests: a traceback each would flood the
    log, and the log would say nothing about when the store came back.
    """

    def __init__(self, interval_s: float = OUTAGE_LOG_INTERVAL_S):
        self.interval_s = interval_s
        self.down_since: float | None = None
        self._failed = 0  # since the last line
        self._reported_at = 0.0

    def failed(self, error: BaseException) -> StoreUnavailable:
        """Count a failed call; the exception for the caller to raise."""
        now = time.monotonic()
        self._failed += 1
        if self.down_since is None:
            self.down_since = self._reported_at = now
            self._failed = 0
            log.error("state store unavailable (%s); answering requests with overloaded errors", error)
        elif now - self._reported_at >= self.interval_s:
            log.error(
                "state store still unavailable after %.0f s: %d calls failed in the last %.0f s (%s)",
                now - self.down_since,
                self._failed,
                now - self._reported_at,
                error,
            )
            self._failed, self._reported_at = 0, now
        return StoreUnavailable(str(error))

    def succeeded(self) -> None:
        """A call went through: if the store was down, say it is back (once)."""
        if self.down_since is not None:
            log.warning(
                "state store available again after %.1f s (%d calls failed since the last report)",
                time.monotonic() - self.down_since,
                self._failed,
            )
            self.down_since, self._failed = None, 0
