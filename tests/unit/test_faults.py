"""faults: where stream faults land (placement) and what a plan names; seeded chaos is reproducible."""

from __future__ import annotations

import random

import pytest

from mocksrv.errors import MockError
from mocksrv.faults import Plan, RandomFaults, StreamFaults, error_from_step
from mocksrv.model import ErrorKind, SSEEvent


def stream(*unread: bool) -> list[SSEEvent]:
    return [SSEEvent(data="{}", unread=flag) for flag in unread]


def test_positions_past_the_stream_fire_at_its_last_event():
    faults = StreamFaults(disconnect_after=50, truncate_after=2)
    assert faults.within(5) == StreamFaults(disconnect_after=4, truncate_after=2)
    assert faults.within(0) is faults


def test_a_malformed_event_moves_past_events_clients_skip():
    events = stream(False, True, True, False, False)
    assert StreamFaults(malformed_after=1).placed(events).malformed_after == 3
    assert StreamFaults(malformed_after=0).placed(events).malformed_after == 0
    assert StreamFaults(error_after=1).placed(events).error_after == 1  # others count every event


def test_from_spec_and_names():
    faults = StreamFaults.from_spec({"disconnect_after": 2, "error_after": 3, "error": "rate_limit"})
    assert faults is not None and faults.error is ErrorKind.RATE_LIMIT
    assert faults.names() == ["disconnect", "error"]
    assert StreamFaults.from_spec(None) is None and StreamFaults.from_spec({}) is None


def test_a_plan_names_its_error_fault_and_stream_faults():
    plan = Plan(error=MockError(ErrorKind.OVERLOADED), fault="hang", stream=StreamFaults(truncate_after=1))
    assert plan.fault_names == ["overloaded", "hang", "truncate"]
    assert Plan().fault_names == []


def test_error_from_step_keeps_message_and_retry_after():
    error = error_from_step({"error": "rate_limit", "message": "slow down", "retry_after": 2})
    assert (error.kind, error.message, error.retry_after) == (ErrorKind.RATE_LIMIT, "slow down", 2)


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_random_faults_are_reproducible_for_a_seed(seed):
    chaos = RandomFaults(error_rate=0.3, disconnect_rate=0.3, malformed_rate=0.3)
    first = [chaos.decide(Plan(), random.Random(seed + i), 10) for i in range(30)]
    again = [chaos.decide(Plan(), random.Random(seed + i), 10) for i in range(30)]
    assert first == again
    assert any(p.error for p in first) and any(p.stream for p in first)


def test_no_rates_no_faults():
    assert RandomFaults().decide(Plan(), random.Random(3), 10) == Plan()
    assert (
        RandomFaults.from_spec({"error_rate": 1.0, "errors": ["rate_limit"]})
        .decide(Plan(), random.Random(3), 10)
        .error.retry_after
        == 1
    )
