"""Is a schema a schema? The structural check behind "Invalid schema for ..." 400s.

It checks what a metaschema checks about each keyword's value (a count is a non-negative
integer, `properties` maps names to schemas, `type` names JSON types...) for the keywords of
drafts 4 to 2020-12, in one walk. jsonschema's 2020-12 metaschema takes 6 ms a check, and a
compiled one costs 8 MiB of resident memory per draft; this walk costs neither.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
MAX_DEPTH = 200  # request bodies nest at most 100 deep; this only guards direct callers
_INT64_KEYS = frozenset({"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"})
_COUNTS = _INT64_KEYS | {"minContains", "maxContains"}
_NUMBERS = frozenset({"minimum", "maximum", "multipleOf"})
_BOUNDS = frozenset({"exclusiveMinimum", "exclusiveMaximum"})  # a number, or draft 4's flag
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMAS = frozenset(
    {"not", "if", "then", "else", "contains", "propertyNames", "additionalItems", "additionalProperties"}
    | {"unevaluatedItems", "unevaluatedProperties"}
)
_STRINGS = frozenset({"$ref", "pattern", "format", "$id", "$schema", "title", "description"})


def as_json_schema(schema: Any, _depth: int = 0) -> Any:
    """OpenAPI-subset schemas (Gemini) as JSON Schema: lower-case types, `nullable` as a null
    type, int64 counts given as strings as numbers. Plain JSON Schema passes through unchanged."""
    if isinstance(schema, list):
        return [as_json_schema(item, _depth + 1) for item in schema]
    if not isinstance(schema, Mapping) or _depth > MAX_DEPTH:
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str) and value.lower() in TYPES:
            value = value.lower()
        elif key in _INT64_KEYS and isinstance(value, str) and value.isdigit():
            value = int(value)
        elif key == "format" and value == "enum":
            continue  # Gemini's marker for a string enum, not a JSON Schema format
        elif key not in ("enum", "const", "default", "examples"):
            value = as_json_schema(value, _depth + 1)
        out[key] = value
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a JSON Schema, or None when it is (Gemini's OpenAPI form included)."""
    found = _problem(as_json_schema(schema), ())
    if found is None:
        return None
    path, message = found
    return f"In context=({', '.join(repr(p) for p in path)}), {message}"


Problem = tuple[tuple[Any, ...], str]


def _problem(schema: Any, path: tuple[Any, ...]) -> Problem | None:
    if isinstance(schema, bool):
        return None
    if not isinstance(schema, Mapping):
        return path, f"{_shown(schema)} is not of type 'object', 'boolean'"
    if len(path) > MAX_DEPTH:
        return path, "schema is nested too deeply"
    for key, value in schema.items():
        found = _keyword_problem(key, value, (*path, key))
        if found is not None:
            return found
    return None


def _keyword_problem(key: str, value: Any, path: tuple[Any, ...]) -> Problem | None:
    if key == "type":
        names = value if isinstance(value, list) else [value]
        if not names or any(n not in TYPES for n in names) or len(set(map(str, names))) != len(names):
            return path, f"{_shown(value)} is not valid under any of the given schemas"
    elif key in _COUNTS and not _is_count(value):
        return path, f"{_shown(value)} is not a non-negative integer"
    elif key in _NUMBERS and not _is_number(value):
        return path, f"{_shown(value)} is not of type 'number'"
    elif key == "multipleOf" and not value > 0:
        return path, f"{_shown(value)} is less than or equal to the minimum of 0"
    elif key in _BOUNDS and not (_is_number(value) or isinstance(value, bool)):
        return path, f"{_shown(value)} is not of type 'number'"
    elif key == "required" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return path, f"{_shown(value)} is not an array of strings"
    elif key == "enum" and not isinstance(value, list):
        return path, f"{_shown(value)} is not of type 'array'"
    elif key in _STRINGS and not isinstance(value, str):
        return path, f"{_shown(value)} is not of type 'string'"
    elif key in _SCHEMA_MAPS:
        if not isinstance(value, Mapping):
            return path, f"{_shown(value)} is not of type 'object'"
        return _first(_problem(sub, (*path, name)) for name, sub in value.items())
    elif key in _SCHEMA_LISTS or (key == "items" and isinstance(value, list)):
        if not isinstance(value, list) or not value:
            return path, f"{_shown(value)} is not a non-empty array"
        return _first(_problem(sub, (*path, index)) for index, sub in enumerate(value))
    elif key in _SCHEMAS or key == "items":
        return _problem(value, path)
    return None


def _first(problems: Any) -> Problem | None:
    return next((p for p in problems if p is not None), None)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return _is_number(value) and value >= 0 and float(value).is_integer()


def _shown(value: Any) -> str:
    return json.dumps(value, default=str)[:80]
