"""What a JSON Schema says before a value is built for it: its `$ref`s and `allOf` folded into
one schema, the types it allows (or implies), and how costly a union branch is to build
(values.py builds the value)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from .numbers import number

ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "$schema", "$id"})
COMPOSED = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if", "$dynamicRef"})
KINDS = frozenset(
    {"object", "array", "string", "integer", "number", "boolean", "null"}
)  # values.py builds each
LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
MAX_REF_HOPS = 32  # `$ref`s followed without nesting ({"$ref": "#"} at the root loops)


def resolve(root: Any, ref: Any) -> Any:
    """A local reference (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer); else {}."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return {}
    node = root
    for raw in filter(None, ref[1:].split("/")):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return {}
    return node


def flatten(root: Any, schema: Any, afford: Callable[[], bool], hops: int = 0) -> Any:
    """The schema with its `$ref` and `allOf` folded in: one mapping to build from. `afford()`
    says whether one more expansion fits the budget (`allOf: [A, A]` chains double per level)."""
    if not isinstance(schema, Mapping) or hops > MAX_REF_HOPS:
        return schema
    if ("$ref" in schema or "allOf" in schema) and not afford():
        return {}
    if "$ref" in schema:
        target = flatten(root, resolve(root, schema["$ref"]), afford, hops + 1)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if not set(rest) - ANNOTATIONS:
            return target
        return merge([target, flatten(root, rest, afford, hops + 1)])
    if isinstance(schema.get("allOf"), list):
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        parts = [flatten(root, part, afford, hops + 1) for part in schema["allOf"]]
        return merge([*parts, flatten(root, rest, afford, hops)])
    return schema


def merge(parts: list[Any]) -> dict[str, Any]:
    """`allOf` as one schema: properties and required joined, the tighter bound kept."""
    out: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key not in out:
                out[key] = value
            elif key == "properties" and isinstance(value, Mapping) and isinstance(out[key], Mapping):
                joined = dict(out[key])
                for name, sub in value.items():
                    joined[name] = {"allOf": [joined[name], sub]} if name in joined else sub
                out[key] = joined
            elif key == "required" and isinstance(value, list) and isinstance(out[key], list):
                out[key] = out[key] + [r for r in value if r not in out[key]]
            elif key in LOWER_BOUNDS and number(value) is not None and number(out[key]) is not None:
                out[key] = max(out[key], value, key=float)
            elif key in UPPER_BOUNDS and number(value) is not None and number(out[key]) is not None:
                out[key] = min(out[key], value, key=float)
            elif key == "type":
                both = [t for t in types_of({"type": out[key]}) if t in types_of({"type": value})]
                out[key] = both or value
            else:
                out[key] = value
    return out


def types_of(schema: Mapping[str, Any]) -> list[str]:
    """The schema's types, lower-cased (Gemini's "OBJECT"), with OpenAPI's `nullable`."""
    raw = schema.get("type")
    kinds = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found = [k.lower() for k in kinds if isinstance(k, str) and k.lower() in KINDS]
    if schema.get("nullable") is True and found and "null" not in found:
        found.append("null")
    return found


def implied_type(schema: Mapping[str, Any]) -> str:
    if any(k in schema for k in ("properties", "required", "additionalProperties", "minProperties")):
        return "object"
    if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains")):
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def is_null(schema: Any) -> bool:
    return isinstance(schema, Mapping) and types_of(schema) == ["null"]


def weight(schema: Any) -> int:
    """How much a union branch costs to build: null, then scalars, then the rest."""
    if not isinstance(schema, Mapping):
        return 3
    if is_null(schema) or "const" in schema or "enum" in schema:
        return 0
    kinds = types_of(schema) or [implied_type(schema)]
    return 1 if not {"object", "array"} & set(kinds) else 2
