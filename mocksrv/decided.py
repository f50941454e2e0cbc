"""What a repeated body was answered with, kept to answer it again the same way.

A load test sends one body thousands of times. When nothing but the body, the caller and the
state decided its answer (no scenario; a fixture with a single reply, or a generated reply),
the next identical request from the same caller gets the same fixture choice and the same
shaped replies without the scenario and fixture lookups, as long as the state's epoch
(state.py) has not moved: any change to run-time fixtures, scenarios, bindings, or a reset,
moves it. A store shared with other processes has no epoch; then nothing is kept.
"""

from __future__ import annotations

import dataclasses

from .faults import Plan
from .model import Reply, Usage
from .scenarios import NO_PLAN
from .store import Choice

KEY = "decided"  # its key in the body's render table (memo.Parsed.renders)
Shaped = tuple[tuple[Reply, ...], Usage]  # the choices as the turn sees them, and their usage


@dataclasses.dataclass(frozen=True, slots=True)
class Decided:
    epoch: int
    credential: str
    session: str
    choice: Choice | None
    shaped: Shaped


def recalled(
    renders: dict | None, epoch: int | None, credential: str, session: str, scenario_asked: bool
) -> Decided | None:
    """The decision kept for this body, if it holds for this caller and this state."""
    decided = renders.get(KEY) if renders is not None else None
    if (
        decided is None
        or decided.epoch != epoch
        or decided.credential != credential
        or decided.session != session
        or scenario_asked
    ):
        return None
    return decided


def remember(
    renders: dict | None,
    epoch: int | None,
    credential: str,
    session: str,
    plan: Plan,
    choice: Choice | None,
    shaped: Shaped,
) -> None:
    """Keep the decision when nothing but the body, the caller and the state made it."""
    if renders is None or epoch is None or plan is not NO_PLAN or _steps_on(choice):
        return
    renders[KEY] = Decided(epoch, credential, session, choice, shaped)


def _steps_on(choice: Choice | None) -> bool:
    """Whether answering with this choice moves a cursor or replays a recording."""
    return choice is not None and (choice.fixture.sequenced or choice.fixture.raw is not None)
