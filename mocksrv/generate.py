"""Deterministic generated replies for requests that no fixture matches.

The same request and seed always give the same reply: text from a seeded Faker, tool-call
arguments and structured output built from the JSON Schema the request supplied.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from typing import Any

from faker import Faker

from .model import Reply, ToolCall, ToolSpec, Turn

MAX_DEPTH = 6
_faker = Faker()


def seed_for(*parts: Any) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def conversation_key(turn: Turn) -> int:
    """What a generated reply depends on: the conversation, not its transport or dialect.

    The same model, messages, tools and output format give the same reply on every dialect,
    streamed or not.
    """
    tools = [(t.name, json.dumps(t.parameters, sort_keys=True)) for t in turn.tools]
    schema = json.dumps(turn.response_schema, sort_keys=True)
    return seed_for(turn.model, turn.messages, tools, turn.json_mode, schema)


def generate_reply(turn: Turn, seed: int, choice: int = 0) -> Reply:
    rng = random.Random(seed + choice)
    _faker.seed_instance(seed + choice)
    tool = _tool_to_call(turn)
    if tool is not None:
        arguments = instance_of(tool.parameters or {"type": "object"}, rng, 0)
        call_id = f"call_{hashlib.sha256(f'{seed}/{choice}'.encode()).hexdigest()[:24]}"
        return Reply(None, None, (ToolCall(call_id, tool.name, json.dumps(arguments)),), "tool_calls")
    if turn.response_schema is not None:
        return Reply(json.dumps(instance_of(turn.response_schema, rng, 0)))
    if turn.json_mode:
        return Reply(json.dumps({"answer": _faker.sentence(nb_words=8)}))
    content = _faker.paragraph(nb_sentences=rng.randint(2, 4))
    reasoning = _faker.sentence(nb_words=12) if turn.show_reasoning else None  # after: same content
    return Reply(content, reasoning)


def _tool_to_call(turn: Turn) -> ToolSpec | None:
    """Call a tool when offered and allowed, unless the last message already is a tool result."""
    choice = turn.extras.get("tool_choice")
    if not turn.tools or choice == "none" or (turn.messages and turn.messages[-1].role == "tool"):
        return None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name") or choice.get("name")
        for tool in turn.tools:
            if tool.name == wanted:
                return tool
    return turn.tools[0]


def instance_of(schema: Mapping[str, Any], rng: random.Random, depth: int) -> Any:
    """A value valid against a (practical subset of) JSON Schema."""
    if not isinstance(schema, Mapping):
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return rng.choice(list(schema["enum"]))
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return instance_of(schema[key][0], rng, depth)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part)
        return instance_of(merged, rng, depth)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _BUILDERS.get(str(kind).lower(), _string)(schema, rng, depth)


def _object(schema: Mapping[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    if depth >= MAX_DEPTH:
        properties = {k: v for k, v in properties.items() if k in (schema.get("required") or ())}
    return {name: instance_of(sub, rng, depth + 1) for name, sub in properties.items()}


def _array(schema: Mapping[str, Any], rng: random.Random, depth: int) -> list[Any]:
    low = int(schema.get("minItems", 1 if depth < MAX_DEPTH else 0))
    high = max(low, min(int(schema.get("maxItems", low + 2)), low + 2))
    count = 0 if depth >= MAX_DEPTH and low == 0 else rng.randint(low, high)
    return [instance_of(schema.get("items") or {}, rng, depth + 1) for _ in range(count)]


def _string(schema: Mapping[str, Any], rng: random.Random, depth: int) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        return _faker.iso8601() + "Z"
    if fmt == "date":
        return _faker.date()
    if fmt == "email":
        return _faker.email()
    if fmt in ("uri", "url"):
        return _faker.url()
    if fmt == "uuid":
        return str(_faker.uuid4())
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 40)))
    text = _faker.sentence(nb_words=4).rstrip(".")
    text = (text * (low // max(len(text), 1) + 1))[: max(high, low)] if len(text) < low else text[:high]
    return text


def _number(schema: Mapping[str, Any], rng: random.Random, depth: int) -> float:
    low = float(schema.get("minimum", schema.get("exclusiveMinimum", 0)))
    high = float(schema.get("maximum", schema.get("exclusiveMaximum", low + 100)))
    return round(rng.uniform(low, high), 2) if high > low else low


def _integer(schema: Mapping[str, Any], rng: random.Random, depth: int) -> int:
    low = int(schema.get("minimum", 0))
    high = int(schema.get("maximum", low + 100))
    if "exclusiveMinimum" in schema:
        low = int(schema["exclusiveMinimum"]) + 1
    if "exclusiveMaximum" in schema:
        high = int(schema["exclusiveMaximum"]) - 1
    return rng.randint(low, max(low, high))


_BUILDERS = {
    "object": _object,
    "array": _array,
    "string": _string,
    "number": _number,
    "integer": _integer,
    "boolean": lambda schema, rng, depth: rng.random() < 0.5,
    "null": lambda schema, rng, depth: None,
}
