"""Fixture tiers (run-time, directories, bundled) and per-session reply cursors."""

from __future__ import annotations

from dataclasses import dataclass

from .config import CACHE_LIMITS
from .fast.bounded import BoundedTable
from .fixtures import Fixture, NearMiss, Step, compile_fixture, near_misses
from .loader import Documents
from .model import Turn
from .state import StateStore

RUNTIME_FIXTURES = "fixtures"


@dataclass(frozen=True)
class Choice:
    fixture: Fixture
    step_index: int
    step: Step


class FixtureStore:
    """Answers `which fixture, which step` for a request; never does file I/O on the hot path."""

    def __init__(self, state: StateStore, directory: Documents, bundled: Documents, fast_path: bool = True):
        self.state = state
        self.directory = [compile_fixture(f, directory.bodies.get(f["id"])) for f in directory.fixtures]
        self.bundled = [compile_fixture(f, bundled.bodies.get(f["id"])) for f in bundled.fixtures]
        self._runtime: list[Fixture] = []
        self._runtime_version = -1
        self._all = [*self.directory, *self.bundled]  # every tier, rebuilt when run-time ones change
        # The speed layer's two tables (config.CacheLimits); None with the fast path off.
        self._matched: BoundedTable[int, tuple[Turn, list[Fixture], Fixture | None]] | None = (
            BoundedTable(CACHE_LIMITS.matched_turns) if fast_path else None
        )
        self._singles: BoundedTable[str, Choice] | None = (
            BoundedTable(CACHE_LIMITS.single_choices) if fast_path else None
        )

    async def runtime(self) -> list[Fixture]:
        version, documents = await self.state.documents(RUNTIME_FIXTURES)
        if version != self._runtime_version:
            # Newest first: a fixture added later overrides an earlier one.
            self._runtime = [compile_fixture(d) for d in reversed(documents)]
            self._runtime_version = version
            self._all = [*self._runtime, *self.directory, *self.bundled]
        return self._runtime

    async def all(self) -> list[Fixture]:
        await self.runtime()
        return self._all

    async def choose(self, turn: Turn, session: str, recurs: bool = False) -> Choice | None:
        """`recurs`: the turn is the memo's (fast/memo.py), so the same object comes again and its
        match is worth remembering. Any other turn is new each time: remembering it would only
        hold its body (up to 4,096 of them, megabytes each) until the table fills."""
        fixtures = await self.all()
        fixture = self._match(turn, fixtures) if recurs else _first_match(turn, fixtures)
        return None if fixture is None else await self._step(fixture, session)

    def _match(self, turn: Turn, fixtures: list[Fixture]) -> Fixture | None:
        """The first fixture that matches; remembered per turn (the memo hands out one Turn per
        repeated body) for as long as the fixture list is the same list."""
        if self._matched is None:
            return _first_match(turn, fixtures)
        found = self._matched.get(id(turn))
        if found is not None and found[0] is turn and found[1] is fixtures:
            return found[2]
        fixture = _first_match(turn, fixtures)
        self._matched.put(id(turn), (turn, fixtures, fixture))  # holds the turn: its id stays its own
        return fixture

    async def explain_miss(self, turn: Turn) -> list[NearMiss]:
        return near_misses(await self.all(), turn)

    def _single(self, fixture: Fixture) -> Choice:
        """A fixture with one reply always gives the same (frozen) choice: made once."""
        choice = self._singles.get(fixture.id) if self._singles is not None else None
        if choice is None or choice.fixture is not fixture:
            step = fixture.steps[0] if fixture.steps else Step(None)
            choice = Choice(fixture, 0, step)
            if self._singles is not None:
                self._singles.put(fixture.id, choice)
        return choice

    async def _step(self, fixture: Fixture, session: str) -> Choice:
        if not fixture.sequenced:
            return self._single(fixture)
        position = await self.state.advance(f"replies\x1f{session}\x1f{fixture.id}")
        index = min(position, len(fixture.steps) - 1)  # the last reply repeats
        return Choice(fixture, index, fixture.steps[index])


def _first_match(turn: Turn, fixtures: list[Fixture]) -> Fixture | None:
    return next((f for f in fixtures if f.matches(turn)), None)
