"""Hypothesis strategies for request bodies, driven by our JSON Schemas (a lenient subset).

hypothesis-jsonschema was tried: it needs Hypothesis < 6.156 and then spends minutes per
schema canonicalising ours, too slow for the suite. This generator follows type, enum,
const, properties/required, items, anyOf/oneOf/allOf, $ref and numeric/length bounds and
ignores the rest (patterns, if/then, not), so what it makes is often valid and sometimes
not: both kinds must get a schema-valid answer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mocksrv import openapi
from mocksrv.schemas import SchemaRegistry

MAX_DEPTH = 6
MAX_HOPS = 24


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Two schemas as one: properties and required lists are combined, other keys overridden."""
    out = {**base, **extra}
    if "properties" in base and "properties" in extra:
        out["properties"] = {**base["properties"], **extra["properties"]}
    if "required" in base and "required" in extra:
        out["required"] = sorted(set(base["required"]) | set(extra["required"]))
    return out


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
)
ANY_JSON: SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


class SchemaStrategies:
    """Strategies for the bundled components of mocksrv's OpenAPI document."""

    def __init__(self, schemas: SchemaRegistry):
        self.root = {"components": {"schemas": openapi.components(schemas)}}

    def for_component(self, name: str) -> SearchStrategy[Any]:
        return self.build({"$ref": f"#/components/schemas/{openapi.component_name(name)}"}, 0)

    def resolve(self, ref: str) -> Any:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = (
                node[int(part)]
                if isinstance(node, list)
                else node[part.replace("~1", "/").replace("~0", "~")]
            )
        return node

    def build(self, schema: Any, depth: int, hops: int = 0) -> SearchStrategy[Any]:
        """`depth` counts nesting in the data, `hops` the $ref/composition steps in between."""
        if depth > MAX_DEPTH or hops > MAX_HOPS:
            return SCALARS
        if schema is True or not isinstance(schema, dict) or not schema:
            return ANY_JSON
        if "$ref" in schema:
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return self.build({**self.resolve(schema["$ref"]), **rest}, depth, hops + 1)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if "allOf" in schema:
            return self.all_of(schema, depth, hops)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
                return st.one_of([self.build(merge(base, option), depth, hops + 1) for option in schema[key]])
        kind = schema.get("type") or (
            "object" if "properties" in schema else "array" if "items" in schema else None
        )
        if kind is None:
            return ANY_JSON
        kinds = kind if isinstance(kind, list) else [kind]
        return st.one_of([self.typed(k, schema, depth) for k in kinds])

    def all_of(self, schema: dict[str, Any], depth: int, hops: int) -> SearchStrategy[Any]:
        """Plain parts are merged; `if {prop: const} then X` parts are branches to choose from."""
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        branches = []
        for part in schema["allOf"]:
            part = self.resolve(part["$ref"]) if set(part) == {"$ref"} else part
            if "if" in part and "then" in part:
                then = self.resolve(part["then"]["$ref"]) if "$ref" in part["then"] else part["then"]
                consts = {k: v for k, v in part["if"].get("properties", {}).items() if "const" in v}
                branches.append(merge(then, {"properties": consts}))
            else:
                merged = merge(merged, part)
        if not branches:
            return self.build(merged, depth, hops + 1)
        return st.one_of([self.build(merge(merged, branch), depth, hops + 1) for branch in branches])

    def typed(self, kind: str, schema: dict[str, Any], depth: int) -> SearchStrategy[Any]:
        low, high = schema.get("minimum"), schema.get("maximum")
        if kind == "string":
            shortest = schema.get("minLength", 0)
            return st.text(min_size=shortest, max_size=max(shortest, min(schema.get("maxLength", 12), 12)))
        if kind == "integer":
            return st.integers(min_value=low, max_value=high)
        if kind == "number":
            return st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(low, high)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        if kind == "array":
            fewest = schema.get("minItems", 0)
            items = st.deferred(lambda: self.build(schema.get("items", {}), depth + 1))
            return st.lists(items, min_size=fewest, max_size=max(fewest, min(schema.get("maxItems", 3), 3)))
        if kind == "object":
            return self.object(schema, depth)
        return ANY_JSON

    def object(self, schema: dict[str, Any], depth: int) -> SearchStrategy[dict[str, Any]]:
        properties: dict[str, Any] = schema.get("properties", {})

        def value(name: str) -> SearchStrategy[Any]:
            return st.deferred(lambda: self.build(properties.get(name, {}), depth + 1))

        required = {name: value(name) for name in schema.get("required", [])}
        optional = sorted(set(properties) - set(required))
        # A few optional fields at a time: every field at once would almost never be valid.
        chosen = st.sets(st.sampled_from(optional), max_size=4) if optional else st.just(set())
        return st.tuples(
            st.fixed_dictionaries(required),
            chosen.flatmap(lambda names: st.fixed_dictionaries({n: value(n) for n in sorted(names)})),
        ).map(lambda parts: {**parts[0], **parts[1]})
