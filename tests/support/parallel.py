"""Sessions walking a scenario side by side, each on its own thread (SDK clients are blocking)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def statuses_in_parallel(
    sessions: list[str], attempt: Callable[[str], object], times: int, error: type[Exception]
) -> list[list[int]]:
    """Per session, in order: the HTTP status of each of `times` attempts (200, or the status
    of the `error` the SDK raised; every SDK's status error has `status_code`)."""
    results: dict[str, list[int]] = {}

    def walk(session: str) -> None:
        seen = []
        for _ in range(times):
            try:
                attempt(session)
                seen.append(200)
            except error as raised:
                seen.append(raised.status_code)  # type: ignore[attr-defined]
        results[session] = seen

    threads = [threading.Thread(target=walk, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[session] for session in sessions]
