"""What can go wrong with one answer: a closed set of faults, decided before the answer starts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from .errors import MockError
from .model import ErrorKind, SSEEvent
from .timing import Latency

POSITIONS = ("disconnect_after", "malformed_after", "truncate_after", "error_after")


@dataclass(frozen=True)
class StreamFaults:
    """Positions count every SSE event written (role chunk, message_start, ping included);
    a malformed event lands on the first event at or after its position that clients parse."""

    disconnect_after: int | None = None
    malformed_after: int | None = None
    truncate_after: int | None = None
    error_after: int | None = None
    error: ErrorKind = ErrorKind.SERVER_ERROR

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None) -> StreamFaults | None:
        if not spec:
            return None
        fields = {k: v for k, v in spec.items() if k != "error"}
        return cls(**fields, error=ErrorKind(spec.get("error", "server_error")))

    def names(self) -> list[str]:
        return [name.removesuffix("_after") for name in POSITIONS if getattr(self, name) is not None]

    def placed(self, events: Sequence[SSEEvent]) -> StreamFaults:
        """Positions for this stream: `within` its length, and a malformed event moved on past
        events clients skip unparsed (a broken ping would go unnoticed). Other faults keep
        counting every event."""
        faults = self.within(len(events))
        at = faults.malformed_after
        if at is None or at >= len(events) or not events[at].unread:
            return faults
        read = next((i for i in range(at, len(events)) if not events[i].unread), at)
        return replace(faults, malformed_after=read)

    def within(self, events: int) -> StreamFaults:
        """Positions past a stream of `events` events fire at its last event (before the
        terminal marker, where the dialect has one): a chaos fault on a short answer still
        shows, and the journal never names a fault that did not happen."""
        if events < 1:
            return self
        last = events - 1
        moved: dict[str, Any] = {
            n: last for n in POSITIONS if (p := getattr(self, n)) is not None and p > last
        }
        return replace(self, **moved) if moved else self


@dataclass(frozen=True)
class Plan:
    """How this request is answered: by an error, a request fault, or normally with timing."""

    scenario: str | None = None
    step: int | None = None
    error: MockError | None = None
    fault: str | None = None  # hang | reset | empty
    hang_ms: float = 0.0
    latency: Latency | None = None
    stream: StreamFaults | None = None

    @cached_property  # one list per plan: journal entries share it (nobody changes it)
    def fault_names(self) -> list[str]:
        names = [self.error.kind.value] if self.error else []
        names += [self.fault] if self.fault else []
        return names + (self.stream.names() if self.stream else [])


def error_from_step(step: dict[str, Any]) -> MockError:
    return MockError(
        ErrorKind(step["error"]),
        message=step.get("message", ""),
        retry_after=step.get("retry_after"),
    )


@dataclass(frozen=True)
class RandomFaults:
    """Seeded chaos: each decision comes from an RNG seeded by the request and its position."""

    error_rate: float = 0.0
    errors: tuple[ErrorKind, ...] = (ErrorKind.SERVER_ERROR,)
    disconnect_rate: float = 0.0
    malformed_rate: float = 0.0
    truncate_rate: float = 0.0
    stream_error_rate: float = 0.0

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None) -> RandomFaults | None:
        if not spec:
            return None
        errors = tuple(ErrorKind(e) for e in spec.get("errors", ["server_error"]))
        return cls(**{**spec, "errors": errors})

    def decide(self, plan: Plan, rng: random.Random, events_hint: int) -> Plan:
        if rng.random() < self.error_rate:
            kind = rng.choice(self.errors)
            return replace(
                plan, error=MockError(kind, retry_after=1 if kind is ErrorKind.RATE_LIMIT else None)
            )
        # A stream fault lands somewhere in the first part of the stream, reproducibly.
        position = rng.randint(1, max(events_hint, 2))
        for rate, name in (
            (self.disconnect_rate, "disconnect_after"),
            (self.malformed_rate, "malformed_after"),
            (self.truncate_rate, "truncate_after"),
            (self.stream_error_rate, "error_after"),
        ):
            if rng.random() < rate:
                kind = rng.choice(self.errors)
                return replace(plan, stream=StreamFaults(**{name: position}, error=kind))
        return plan
