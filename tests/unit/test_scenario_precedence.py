"""scenarios: which scenario a request runs under (header, session, key, server-wide, default)."""

from __future__ import annotations

import pytest

from mocksrv.errors import MockError
from mocksrv.scenarios import SERVER_SCENARIO, ScenarioBook, session_setting
from mocksrv.state import MemoryStore

NAMES = ["by-header", "by-session", "by-key", "server-wide", "default", "steps"]


def book(state: MemoryStore) -> ScenarioBook:
    documents = [{"name": name} for name in NAMES[:-1]]
    documents.append({"name": "steps", "steps": [{"error": "rate_limit"}, "ok"]})
    return ScenarioBook(state, documents, {"sk-bound": "by-key"}, "default", seed=1, cap_ms=1000)


async def chosen(scenarios: ScenarioBook, header=None, key=None, session="s1"):
    selection = await scenarios.select(header, key, session)
    return selection and (selection.scenario.name, selection.personal)


async def test_precedence_header_session_key_server_default():
    state = MemoryStore()
    scenarios = book(state)
    assert await chosen(scenarios) == ("default", False)
    await state.set_setting(SERVER_SCENARIO, "server-wide")
    assert await chosen(scenarios) == ("server-wide", False)
    assert await chosen(scenarios, key="sk-bound") == ("by-key", True)
    await state.set_setting(session_setting("s1"), "by-session")
    assert await chosen(scenarios, key="sk-bound") == ("by-session", True)
    assert await chosen(scenarios, header="by-header", key="sk-bound") == ("by-header", True)
    assert await chosen(scenarios, session="s2") == ("server-wide", False)


async def test_an_unknown_scenario_is_a_400():
    with pytest.raises(MockError) as refused:
        await book(MemoryStore()).select("nope", None, "s1")
    assert "nope" in refused.value.message


async def test_steps_advance_per_session_and_the_last_repeats():
    scenarios = book(MemoryStore())
    selection = await scenarios.select("steps", None, "s1")
    plans = [await scenarios.plan(selection, "s1", "r", 5) for _ in range(3)]
    assert [p.error is not None for p in plans] == [True, False, False]
    other = await scenarios.plan(selection, "s2", "r", 5)
    assert other.error is not None
