"""Small pure modules: RE2 patterns, bounded YAML, catalog lookup, the mocksrv clock."""

from __future__ import annotations

import time

import pytest

from mocksrv import clock
from mocksrv.catalog import load_catalog
from mocksrv.patterns import PatternError, compile_pattern
from mocksrv.safeyaml import ExpansionError, load_yaml
from mocksrv.state import MemoryStore


def test_patterns_find_anywhere_and_refuse_what_re2_cannot_run():
    found = compile_pattern(r"wea+ther")
    assert found("the weaather today") and not found("sunny")
    with pytest.raises(PatternError, match="RE2"):
        compile_pattern(r"(a)\1")
    with pytest.raises(PatternError, match="longer than"):
        compile_pattern("a" * 5000)


def test_safeyaml_loads_plain_yaml_and_refuses_alias_bombs():
    assert load_yaml("a: [1, 2]\nb: &x {c: 1}\nd: *x\n") == {"a": [1, 2], "b": {"c": 1}, "d": {"c": 1}}
    assert load_yaml("") is None
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(ExpansionError) as refused:
        load_yaml(bomb)
    assert refused.value.pointer.startswith("/")


def test_catalog_finds_aliases_snapshots_and_falls_back_to_family_defaults():
    catalog = load_catalog()
    gpt = catalog.find("gpt-4o", "openai")
    assert gpt.known and catalog.find("gpt-4o-2024-08-06", "openai").id == gpt.id
    unknown = catalog.find("models/my-own-model", "gemini")
    assert not unknown.known and unknown.id == "my-own-model"
    extra = load_catalog([{"id": "house-model", "family": "openai", "context_window": 1234}])
    assert extra.find("house-model", "openai").context_window == 1234


async def test_clock_moves_forward_only():
    state = MemoryStore()
    assert await clock.offset(state) == 0
    assert await clock.advance(state, 60) == 60
    assert await clock.now(state) == pytest.approx(time.time() + 60, abs=5)
    with pytest.raises(ValueError):
        await clock.advance(state, -1)
