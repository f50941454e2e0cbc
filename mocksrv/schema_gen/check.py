"""Is a schema a schema? The metaschema check behind "Invalid schema for ..." 400s."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import fastjsonschema
from jsonschema import Draft4Validator, Draft7Validator

TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})

MAX_SCHEMA_NODES = 20_000  # more than any real tool or output schema; checked before the walk


def _lenient_metaschema() -> dict[str, Any]:
    """Draft 7's metaschema, also checking the 2020-12 keywords providers accept (`$defs`,
    `prefixItems`) and allowing draft 4's boolean exclusive bounds. Draft 2020-12's own
    metaschema takes 6 ms a check with jsonschema (dynamic references); this one, compiled by
    fastjsonschema, takes about 10 us."""
    meta = dict(Draft7Validator.META_SCHEMA, **{"$id": "urn:mocksrv:lenient-metaschema"})
    properties = dict(meta["properties"])
    properties["$defs"] = {"type": "object", "additionalProperties": {"$ref": "#"}}
    properties["prefixItems"] = {"$ref": "#/definitions/schemaArray"}
    properties["dependentSchemas"] = {"type": "object", "additionalProperties": {"$ref": "#"}}
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        properties[key] = {"type": ["number", "boolean"]}
    meta["properties"] = properties
    return meta


_DRAFT4_CHECK = fastjsonschema.compile(Draft4Validator.META_SCHEMA)
_DEFAULT_CHECK = fastjsonschema.compile(_lenient_metaschema())
_INT64_KEYS = frozenset({"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"})


def as_json_schema(schema: Any, _depth: int = 0) -> Any:
    """OpenAPI-subset schemas (Gemini) as JSON Schema: lower-case types, `nullable` as a null
    type, int64 counts given as strings as numbers. Plain JSON Schema passes through unchanged."""
    if isinstance(schema, list):
        return [as_json_schema(item, _depth + 1) for item in schema]
    if not isinstance(schema, Mapping):
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
    """Why `schema` is not a JSON Schema (any of draft 2020-12, 7, 4), or None when it is."""
    if _size(schema) > MAX_SCHEMA_NODES:
        return f"schema has more than {MAX_SCHEMA_NODES} nodes"
    schema = as_json_schema(schema)
    declared = schema.get("$schema") if isinstance(schema, Mapping) else None
    check = _DRAFT4_CHECK if "draft-04" in str(declared) else _DEFAULT_CHECK
    try:
        check(schema)
    except fastjsonschema.JsonSchemaValueException as error:
        where = ", ".join(repr(p) for p in error.path[1:])  # path[0] is "data"
        rule = error.message.split(" ", 1)[-1] if error.message.startswith("data") else error.message
        shown = json.dumps(error.value, default=str)[:80]
        return f"In context=({where}), {shown} {rule[:200]}"
    except RecursionError:
        return "schema is nested too deeply"
    return None


def _size(schema: Any) -> int:
    """Nodes in the schema, counting no further than one past the cap."""
    seen, stack = 0, [schema]
    while stack and seen <= MAX_SCHEMA_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen
