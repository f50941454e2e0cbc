"""schema_gen on its own: values valid against library-made schemas, bounded, deterministic."""

from __future__ import annotations

import json
import random
import re
import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for
from schema_corpus import GEMINI_SCHEMA, corpus

from mocksrv.schema_gen import Budget, as_json_schema, instance_of, schema_problem

SEEDS = range(25)


def make(schema: Any, seed: int = 0, nodes: int = 10_000, size: int = 65_536) -> tuple[Any, Budget]:
    budget = Budget(nodes=nodes, bytes=size)
    return instance_of(schema, random.Random(seed), budget), budget


def errors(schema: Any, value: Any) -> list[str]:
    schema = as_json_schema(schema)
    cls = validator_for(schema, default=Draft202012Validator)
    checker = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(value)]


@pytest.mark.parametrize("name", sorted(corpus()))
def test_values_are_valid_against_library_schemas(name: str) -> None:
    schema = corpus()[name]
    assert schema_problem(schema) is None
    for seed in SEEDS:
        value, budget = make(schema, seed)
        assert not budget.cut
        assert errors(schema, value) == [], (seed, value)


def test_gemini_openapi_schema() -> None:
    for seed in SEEDS:
        value, _ = make(GEMINI_SCHEMA, seed)
        assert errors(GEMINI_SCHEMA, value) == [], value
        assert len(value["ratings"]) >= 2


def test_issue_reproduction_gives_an_object_with_an_integer() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "C": {
                "type": "object",
                "properties": {"n": {"type": "integer"}},
                "required": ["n"],
                "additionalProperties": False,
            }
        },
        "properties": {"c": {"$ref": "#/$defs/C"}},
        "required": ["c"],
        "additionalProperties": False,
    }
    value, _ = make(schema)
    assert isinstance(value["c"]["n"], int) and set(value) == {"c"} and set(value["c"]) == {"n"}


def test_recursion_stops_through_optional_branches() -> None:
    node = corpus()["Node"]
    depths = []
    for seed in SEEDS:
        value, _ = make(node, seed)
        depth, level = 0, [value]
        while level:
            depth, level = depth + 1, [c for n in level for c in n.get("children", [])]
        depths.append(depth)
    assert max(depths) <= 10 and max(depths) > 1  # nested, and finite


def test_same_seed_same_value_other_seed_other_value() -> None:
    schema = corpus()["Person"]
    assert make(schema, 7)[0] == make(schema, 7)[0]
    assert make(schema, 7)[0] != make(schema, 8)[0]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "exclusiveMinimum": 5, "exclusiveMaximum": 5.5},
        {"type": "integer", "minimum": 1, "exclusiveMinimum": True, "maximum": 3, "$schema": ""},
        {"type": "integer", "maximum": -200},
        {"type": "number", "multipleOf": 0.01, "minimum": 1.5, "maximum": 1.6},
        {"type": "integer", "multipleOf": 7, "minimum": 100},
        {"type": "string", "minLength": 30, "maxLength": 31},
        {"type": "string", "pattern": "^[a-f0-9]{8}-(prod|dev)$"},
        {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}], "items": False},
        {"type": "array", "items": {"enum": [1, 2, 3]}, "uniqueItems": True, "minItems": 3},
        {"type": "array", "contains": {"type": "integer"}, "items": {"type": ["integer", "string"]}},
        {"type": "object", "minProperties": 3, "additionalProperties": {"type": "boolean"}},
        {"type": "object", "required": ["a", "b"], "additionalProperties": {"type": "integer"}},
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"properties": {"b": {"type": "string"}}, "required": ["b"]},
            ]
        },
        {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        {"oneOf": [{"type": "integer"}, {"type": "number"}]},  # an integer would match both
        {"type": ["null", "integer"], "minimum": 3},
        {"anyOf": [{"$ref": "#/$defs/x"}, {"type": "null"}], "$defs": {"x": {"const": 3}}},
    ]
    + [{"type": "string", "format": f} for f in ("date-time", "date", "time", "duration", "email")]
    + [{"type": "string", "format": f} for f in ("hostname", "ipv4", "ipv6", "uuid", "uri")],
)
def test_keywords(schema: dict[str, Any]) -> None:
    schema = {k: v for k, v in schema.items() if not (k == "$schema" and not v)}
    if schema.get("exclusiveMinimum") is True:
        schema["$schema"] = "http://json-schema.org/draft-04/schema#"
    for seed in SEEDS:
        value, _ = make(schema, seed)
        assert errors(schema, value) == [], (seed, value)


def test_a_huge_string_stops_at_the_budget() -> None:
    value, budget = make({"type": "string", "minLength": 1_000_000}, size=4096)
    assert budget.cut and len(value) <= 4096


def test_a_huge_array_stops_at_the_node_budget_quickly() -> None:
    started = time.perf_counter()
    value, budget = make({"type": "array", "minItems": 3_000_000, "items": {"type": "integer"}}, nodes=10_000)
    assert budget.cut and len(value) < 10_000
    assert time.perf_counter() - started < 0.5


def test_required_infinite_recursion_is_bounded() -> None:
    schema = {"type": "object", "properties": {"me": {"$ref": "#"}}, "required": ["me"]}
    value, _ = make(schema)
    assert len(json.dumps(value)) < 10_000
    started = time.perf_counter()
    make({"$ref": "#"})  # a reference to itself and nothing else (any value will do): it returns
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": "many"},
        {"type": "strin"},
        {"properties": {"a": {"$defs": {"b": {"maxLength": -1}}}}},
        {"type": "object", "required": "a"},
        [1, 2],
    ],
)
def test_schema_problem_names_what_is_wrong(schema: Any) -> None:
    problem = schema_problem(schema)
    assert problem and problem.startswith("In context=(")


def test_doubling_all_of_chains_stay_bounded() -> None:
    twice = lambda i: [{"$ref": f"#/$defs/A{i + 1}"}] * 2  # noqa: E731
    defs: dict[str, Any] = {f"A{i}": {"allOf": twice(i)} for i in range(40)}
    defs["A40"] = {"type": "integer"}
    schema = {"$defs": defs, "oneOf": [{"$ref": "#/$defs/A0"}, {"type": "string"}]}
    started = time.perf_counter()
    make(schema)
    make({"$defs": defs, "type": "object", "properties": {"a": {"$ref": "#/$defs/A0"}}})
    assert time.perf_counter() - started < 0.5


PATTERNS = [
    r"^[a-z]{3}-\d{2,4}$",
    r"^\+?[1-9]\d{1,14}$",
    r"^(foo|bar)+$",
    r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
    r"(?i)^[A-Z]{2}\d{4}$",
    r"^[\w.-]+$",
    r"^#[0-9a-fA-F]{6}$",
    r"^(\d{1,3}\.){3}\d{1,3}$",
    r"^(a+)+$",
    r"[^a-z]",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_are_matched(pattern: str) -> None:
    for seed in SEEDS:
        value, _ = make({"type": "string", "pattern": pattern}, seed)
        assert re.search(pattern, value), value


@pytest.mark.parametrize("pattern", [r"(a)\1", r"^(?!x)a", r"\bword\b", "(" * 2000])
def test_patterns_it_cannot_emit_fall_back_to_text(pattern: str) -> None:
    value, _ = make({"type": "string", "pattern": pattern})
    assert isinstance(value, str)


@pytest.mark.parametrize(
    "schema",
    [
        {"$defs": {"X": {"anyOf": [{"$ref": "#/$defs/X"}]}}, "$ref": "#/$defs/X"},
        {"$defs": {"X": {"oneOf": [{"$ref": "#/$defs/X"}, {"$ref": "#/$defs/X"}]}}, "$ref": "#/$defs/X"},
        {"$defs": {"X": {"type": "array", "minItems": 1, "items": {"anyOf": [{"$ref": "#/$defs/X"}]}}}}
        | {"$ref": "#/$defs/X"},
    ],
)
def test_unions_that_only_refer_to_themselves_end(schema: dict[str, Any]) -> None:
    started = time.perf_counter()
    make(schema)
    assert time.perf_counter() - started < 0.5
