"""Scenarios: named scripts of latency and failures, selected per request, key or server."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, replace
from typing import Any

from .errors import MockError
from .faults import Plan, RandomFaults, StreamFaults, error_from_step
from .generate import seed_for
from .misbehave import Misbehave
from .model import ErrorKind
from .rate_limits import Limits
from .state import StateStore
from .timing import Latency

log = logging.getLogger("mocksrv")

RUNTIME_SCENARIOS = "scenarios"
SERVER_SCENARIO = "server_scenario"
MAX_HANG_MS = 600_000
NO_PLAN = Plan()  # no scenario: answered normally (frozen, so one for every request)


def session_setting(session: str) -> str:
    return f"session_scenario\x1f{session}"


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Any, ...]  # "ok" or dicts, as written
    latency: dict[str, Any] | None
    stream: dict[str, Any] | None
    fault: str | None
    hang_ms: float
    random: RandomFaults | None
    limits: Limits | None = None  # counting rate limits (rate_limits.py)
    misbehave: Misbehave | None = None  # misbehaviours (misbehave.py)
    profile: str | None = None  # "relay": errors as new-api/one-api relays send them (relay.py)

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Scenario:
        return cls(
            name=doc["name"],
            steps=tuple(doc.get("steps") or ()),
            latency=doc.get("latency"),
            stream=doc.get("stream"),
            fault=doc.get("fault"),
            hang_ms=float(doc.get("hang_ms", MAX_HANG_MS)),
            random=RandomFaults.from_spec(doc.get("random")),
            limits=Limits.from_spec(doc.get("limits")),
            misbehave=Misbehave.from_spec(doc.get("misbehave")),
            profile=doc.get("profile"),
        )


def index_scenarios(documents: list[dict[str, Any]]) -> dict[str, Scenario]:
    book: dict[str, Scenario] = {}
    for doc in documents:
        if doc["name"] in book:
            log.warning("scenario %r is defined again; the later definition replaces it", doc["name"])
        book[doc["name"]] = Scenario.from_document(doc)
    return book


@dataclass(frozen=True)
class Selection:
    """The scenario a request runs under, and whether it was asked for by this request/key."""

    scenario: Scenario
    personal: bool  # header or key binding: outranks fixture-attached latency and faults


class ScenarioBook:
    def __init__(
        self,
        state: StateStore,
        documents: list[dict[str, Any]],
        keys: dict[str, str],
        default: str | None,
        seed: int,
        cap_ms: float,
        limits: dict[str, Any] | None = None,
    ):
        self.state = state
        self.limits = Limits.from_spec(limits)  # the files' top-level `limits:`, for every request
        self.files = index_scenarios(documents)
        self.keys = dict(keys)
        self.default = default
        self.seed = seed
        self.cap_ms = cap_ms
        self._runtime: dict[str, Scenario] = {}
        self._runtime_version = -1
        self._known: dict[str, Scenario] = dict(self.files)  # files and run-time scenarios, merged
        self._plans: dict[str, tuple[Scenario, Plan]] = {}  # each known scenario's plan before steps

    async def known(self) -> dict[str, Scenario]:
        version, documents = await self.state.documents(RUNTIME_SCENARIOS)
        if version != self._runtime_version:
            self._runtime = index_scenarios(documents)
            self._runtime_version = version
            self._known = {**self.files, **self._runtime}
            self._plans.clear()
        return self._known

    async def select(self, header: str | None, api_key: str | None, session: str) -> Selection | None:
        """Precedence: request header, session binding (run time), key binding, server-wide."""
        known = await self.known()
        personal = (
            header
            or await self.state.get_setting(session_setting(session))
            or (self.keys.get(api_key) if api_key else None)
        )
        name = personal or await self.state.get_setting(SERVER_SCENARIO) or self.default
        if not name:
            return None
        if name not in known:
            raise MockError(
                ErrorKind.BAD_REQUEST, f"Unknown mock scenario {name!r}.", param="X-Mock-Scenario"
            )
        return Selection(known[name], personal is not None)

    async def plan(
        self, selection: Selection | None, session: str, request_key: str, events_hint: int
    ) -> Plan:
        if selection is None:
            return NO_PLAN
        scenario = selection.scenario
        plan = self._base_plan(scenario)
        if not (scenario.steps or scenario.random):
            return plan  # the same every time: no cursor to move (and keep) for this session
        position = await self.state.advance(f"steps\x1f{session}\x1f{scenario.name}")
        if scenario.steps:
            index = min(position, len(scenario.steps) - 1)  # the last step repeats
            plan = self._apply_step(replace(plan, step=index), scenario.steps[index])
        if scenario.random and plan.error is None:
            rng = random.Random(seed_for(self.seed, request_key, session, scenario.name, position))
            plan = scenario.random.decide(plan, rng, events_hint)
        return plan

    def _base_plan(self, scenario: Scenario) -> Plan:
        """The scenario's own timing and faults, compiled once (a Plan is frozen)."""
        found = self._plans.get(scenario.name)
        if found is None or found[0] is not scenario:
            plan = Plan(
                scenario=scenario.name,
                latency=Latency.from_spec(scenario.latency, self.cap_ms),
                stream=StreamFaults.from_spec(scenario.stream),
                fault=scenario.fault,
                hang_ms=min(scenario.hang_ms, self.cap_ms),
            )
            found = self._plans[scenario.name] = (scenario, plan)
        return found[1]

    def _apply_step(self, plan: Plan, step: Any) -> Plan:
        if step == "ok" or not isinstance(step, dict):
            return plan
        if "error" in step:
            return replace(plan, error=error_from_step(step))
        if "fault" in step:
            return replace(
                plan, fault=step["fault"], hang_ms=min(float(step.get("hang_ms", plan.hang_ms)), self.cap_ms)
            )
        return replace(
            plan,
            latency=Latency.from_spec(step.get("latency"), self.cap_ms) or plan.latency,
            stream=StreamFaults.from_spec(step.get("stream")) or plan.stream,
        )


def with_fixture_defaults(
    plan: Plan, personal: bool, latency: dict | None, stream: dict | None, cap_ms: float
) -> Plan:
    """Fixture-attached timing and faults rank below a personal scenario, above the server's."""
    if not latency and not stream:  # most fixtures: nothing to merge
        return plan
    fixture_latency = Latency.from_spec(latency, cap_ms)
    fixture_stream = StreamFaults.from_spec(stream)
    if personal:
        return replace(plan, latency=plan.latency or fixture_latency, stream=plan.stream or fixture_stream)
    return replace(plan, latency=fixture_latency or plan.latency, stream=fixture_stream or plan.stream)
