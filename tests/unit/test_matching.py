"""fixtures: match rules and near misses (fewest failed rules first, other dialects never)."""

from __future__ import annotations

from mocksrv.fixtures import compile_fixture, near_misses
from mocksrv.model import Message, ToolSpec, Turn


def turn(text: str = "What is the weather?", dialect: str = "openai", **fields) -> Turn:
    return Turn(dialect=dialect, model="gpt-4o-mini", messages=(Message("user", text),), **fields)


def fixture(fid: str, **match) -> object:
    return compile_fixture({"id": fid, "match": match, "reply": {"content": "ok"}})


def test_rules_all_must_hold():
    weather = fixture("weather", model="gpt-4o*", last_user={"contains": "weather"}, stream=False)
    assert weather.matches(turn())
    assert not weather.matches(turn(stream=True))
    assert not weather.matches(turn("hello"))


def test_tool_rules():
    tools = (ToolSpec("lookup", "", {}),)
    offered = fixture("tool", has_tools=True, tool="lookup")
    assert offered.matches(turn(tools=tools))
    assert [r.name for r in offered.failed_rules(turn())] == ["has_tools", "tool"]


def test_near_misses_rank_by_fewest_failed_rules_and_explain():
    close = fixture("close", model="gpt-4o*", last_user={"contains": "forecast"})
    far = fixture("far", model="claude*", last_user={"contains": "forecast"})
    other = fixture("other-dialect", dialect="anthropic", last_user={"contains": "forecast"})
    misses = near_misses([far, other, close], turn())
    assert [m.fixture_id for m in misses] == ["close", "far"]
    assert misses[0].describe().startswith("'close' (last_user: expected")


def test_near_misses_are_bounded():
    many = [fixture(f"f{i}", last_user={"contains": "nope"}) for i in range(10)]
    assert [m.fixture_id for m in near_misses(many, turn(), limit=3)] == ["f0", "f1", "f2"]
