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
    position: int | None = None  # the session's `replies` cursor it took (None: not sequenced)


@dataclass(frozen=True)
class RanOut:
    """A fixture that matched but whose `replies` were all used by this session (strict mode)."""

    fixture_id: str
    replies: int

    def describe(self) -> str:
        return (
            f"'{self.fixture_id}' (matched, but its {self.replies} replies ran out for this session; "
            "`repeat_last: true` keeps answering with the last)"
        )


class FixtureStore:
    """Answers `which fixture, which step` for a request; never does file I/O on the hot path."""

    def __init__(
        self,
        state: StateStore,
        directory: Documents,
        bundled: Documents,
        strict: bool = False,
        fast_path: bool = True,
    ):
        self.state = state
        self.strict = strict
        self.directory = [
            compile_fixture(f, directory.bodies.get(f["id"]), strict) for f in directory.fixtures
        ]
        self.bundled = [compile_fixture(f, bundled.bodies.get(f["id"]), strict) for f in bundled.fixtures]
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
            self._runtime = [compile_fixture(d, strict=self.strict) for d in reversed(documents)]
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
        if fixture is None:
            return None
        choice = await self._step(fixture, session)
        if choice is None:  # strict: its sequence ran out for this session; a later one may answer
            for later in fixtures[fixtures.index(fixture) + 1 :]:
                if later.matches(turn) and (choice := await self._step(later, session)) is not None:
                    break
        return choice

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

    async def explain_miss(self, turn: Turn) -> list[NearMiss | RanOut]:
        """Strict mode's 404: fixtures whose rules all held ran out of replies for this session
        (else they would have answered); then the closest ones by failed rules."""
        fixtures = await self.all()
        ran_out = [RanOut(f.id, len(f.steps)) for f in fixtures if f.once and f.matches(turn)]
        return [*ran_out, *near_misses(fixtures, turn)]

    def _single(self, fixture: Fixture) -> Choice:
        """A fixture with one reply always gives the same (frozen) choice: made once."""
        choice = self._singles.get(fixture.id) if self._singles is not None else None
        if choice is None or choice.fixture is not fixture:
            step = fixture.steps[0] if fixture.steps else Step(None)
            choice = Choice(fixture, 0, step)
            if self._singles is not None:
                self._singles.put(fixture.id, choice)
        return choice

    async def _step(self, fixture: Fixture, session: str) -> Choice | None:
        """The fixture's next reply for this session; None once a strict sequence ran out."""
        if not fixture.sequenced:
            return self._single(fixture)
        position = await self.state.advance(_cursor(session, fixture))
        if fixture.once and position >= len(fixture.steps):
            return None
        index = min(position, len(fixture.steps) - 1)  # the last reply repeats
        return Choice(fixture, index, fixture.steps[index], position)

    async def give_back(self, choice: Choice | None, session: str) -> None:
        """A refused request used no reply: the session's next request gets this one again."""
        if choice is not None and choice.position is not None:
            await self.state.give_back(_cursor(session, choice.fixture), choice.position)


def _cursor(session: str, fixture: Fixture) -> str:
    return f"replies\x1f{session}\x1f{fixture.id}"


def _first_match(turn: Turn, fixtures: list[Fixture]) -> Fixture | None:
    return next((f for f in fixtures if f.matches(turn)), None)
