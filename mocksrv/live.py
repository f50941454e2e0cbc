"""Live push of journal entries to watchers (the inspector page): a small in-process pub/sub.

Publishing never waits: each subscriber has a bounded queue, and a subscriber that does not
keep up loses entries (and is told how many) rather than slowing the requests it watches.
Only this process's entries are pushed; with several workers each one serves its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import orjson

Message = tuple[str, Any]  # (SSE event name, JSON payload)
CLOSE: Message = ("close", None)  # server shutdown: end every stream


class Subscription:
    def __init__(self, size: int):
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=size)
        self.dropped = 0  # entries lost since the last `dropped` notice

    def offer(self, message: Message) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1

    async def next(self, timeout: float) -> Message | None:
        """The next message, or None when `timeout` seconds pass without one (time for a heartbeat)."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class Hub:
    def __init__(self, queue_size: int = 512, heartbeat_s: float = 15.0):
        self.queue_size = queue_size
        self.heartbeat_s = heartbeat_s
        self._subscribers: set[Subscription] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event: str, payload: Any = None) -> None:
        for subscription in self._subscribers:
            subscription.offer((event, payload))

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        subscription = Subscription(self.queue_size)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    def close(self) -> None:
        """Wake every stream with CLOSE, so that shutdown does not wait for open pages."""
        for subscription in self._subscribers:
            with contextlib.suppress(asyncio.QueueEmpty):
                if subscription.queue.full():
                    subscription.queue.get_nowait()
            subscription.queue.put_nowait(CLOSE)


def frame(event: str, payload: Any) -> bytes:
    """One SSE frame; JSON is one line, so a single data: line suffices."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(payload, default=str) + b"\n\n"


HEARTBEAT = b": heartbeat\n\n"
PREAMBLE = b"retry: 2000\n: connected\n\n"  # browsers reconnect after 2 s if the stream drops
