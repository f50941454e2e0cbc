"""fastcheck never says "valid" where jsonschema finds a violation (differential, seeded).

Valid bodies of every request family are mutated at random (values swapped for values of
other types, keys dropped or added, at every depth); for each one, a compiled check that
accepts must agree with jsonschema. Rejections may differ: jsonschema then decides.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from mocksrv.fast import fastcheck
from mocksrv.schemas import SchemaRegistry

REGISTRY = SchemaRegistry()

TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "d", "parameters": {"type": "object"}},
}
BODIES: dict[str, list[dict[str, Any]]] = {
    "chat": [
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]},
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "x"}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "42"},
            ],
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": 0.5,
            "top_p": 1,
            "n": 2,
            "max_tokens": 100,
            "stop": ["\n"],
            "tools": [TOOL],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {}}},
            "logit_bias": {"50256": -100},
            "metadata": {"k": "v"},
            "reasoning_effort": "low",
        },
    ],
    "responses": [
        {"model": "gpt-4o", "input": "Hello!"},
        {
            "model": "o3-mini",
            "instructions": "Be brief.",
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
            ],
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
            "reasoning": {"effort": "low", "summary": "auto"},
            "text": {"format": {"type": "json_schema", "name": "o", "schema": {"type": "object"}}},
            "stream": True,
            "max_output_tokens": 50,
            "temperature": 1,
            "metadata": {"a": "b"},
        },
    ],
    "anthropic": [
        {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]},
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "w", "input": {"city": "Paris"}}],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "sunny"}],
                },
            ],
            "tools": [{"name": "w", "description": "d", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "auto"},
            "thinking": {"type": "enabled", "budget_tokens": 1024},
            "stream": True,
            "temperature": 1,
            "top_k": 5,
            "stop_sequences": ["END"],
            "metadata": {"user_id": "u"},
        },
    ],
    "gemini": [
        {"contents": [{"role": "user", "parts": [{"text": "Hello!"}]}]},
        {
            "contents": [
                {"role": "user", "parts": [{"text": "weather?"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "w", "args": {"city": "Paris"}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {"t": 20}}}]},
            ],
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "tools": [{"functionDeclarations": [{"name": "w", "parameters": {"type": "OBJECT"}}]}],
            "generationConfig": {
                "temperature": 0.5,
                "maxOutputTokens": 100,
                "candidateCount": 1,
                "responseMimeType": "application/json",
                "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 100},
            },
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        },
    ],
}
FAMILY_SCHEMAS = {
    "chat": ["openai", "opeai", "wuinai", "mountsea", "wrapped", "maisi"],
    "responses": ["responses"],
    "anthropic": ["anthropic"],
    "gemini": ["gemini"],
}
POOL: list[Any] = [
    None, True, False, 0, 1, -1, 2.5, 1e9, "", "x", "user", "assistant", "tool", "system", "text",
    "function", "auto", "none", "json_schema", "image_url", [], [1], ["a"], {}, {"type": "text"},
    {"type": "text", "text": "t"}, {"role": "user", "content": "c"}, {"name": "n"},
]  # fmt: skip


def _paths(node: Any, here: tuple = ()) -> list[tuple]:
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*here, i))
    return found


def _mutate(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_paths(body))
        if not path:
            continue
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = rng.random()
        if action < 0.6:
            parent[last] = copy.deepcopy(rng.choice(POOL))
        elif action < 0.8 and isinstance(parent, dict):
            del parent[last]
        elif isinstance(parent, dict):
            parent[rng.choice(["type", "role", "content", "name", "extra", "text"])] = copy.deepcopy(
                rng.choice(POOL)
            )
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(rng.choice(POOL)))
    return body


def test_every_request_schema_gets_a_compiled_check():
    if fastcheck.fastjsonschema is None:
        pytest.skip("fastjsonschema is not installed")
    names = [n for n in REGISTRY.names() if n.endswith("/request")]
    assert names
    assert all(REGISTRY.fast_check(n) is not None for n in names), names


@pytest.mark.parametrize("family", sorted(BODIES))
def test_fast_valid_implies_jsonschema_valid(family: str):
    rng = random.Random(f"fastcheck-{family}")
    accepted = 0
    for schema_dir in FAMILY_SCHEMAS[family]:
        name = f"{schema_dir}/request"
        check = REGISTRY.fast_check(name)
        if check is None:
            continue
        validator = REGISTRY.validator(name)
        cases = [*BODIES[family], *(_mutate(rng.choice(BODIES[family]), rng) for _ in range(300))]
        for body in cases:
            if check(body):
                accepted += 1
                errors = [e.message for e in validator.iter_errors(body)]
                assert not errors, (name, body, errors)
        for body in BODIES[family]:  # the good ones take the fast path
            assert check(body), (name, body, [e.message for e in validator.iter_errors(body)])
    assert accepted


def test_ref_beside_assertions_is_rewritten_into_allof():
    schema = {"$defs": {"S": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/S", "maxLength": 2}}}
    check = fastcheck.compile_check(schema, {})
    if check is None:
        pytest.skip("fastjsonschema is not installed")
    assert check({"a": "ab"})
    assert not check({"a": "abc"})  # draft 7 would ignore maxLength beside $ref
    assert not check({"a": 5})


def test_unsupported_keywords_are_left_to_jsonschema():
    assert fastcheck.compile_check({"prefixItems": [{"type": "string"}]}, {}) is None
    assert fastcheck.compile_check({"items": [{"type": "string"}]}, {}) is None
    assert fastcheck.compile_check({"properties": {"a": {"unevaluatedProperties": False}}}, {}) is None
    assert fastcheck.compile_check({"uniqueItems": True}, {}) is None
