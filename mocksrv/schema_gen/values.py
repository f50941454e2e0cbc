"""A value valid against a JSON Schema, built within a budget.

Covers what the providers accept for structured output and tools: local `$ref` (`$defs`,
`definitions`, recursive), `allOf`/`anyOf`/`oneOf`, `enum`/`const`, type lists and OpenAPI's
`nullable` and upper-case types (Gemini), `prefixItems` and tuple `items`, `additionalProperties`,
`required`, numeric and length bounds, `multipleOf`, `pattern` and the common `format`s.

Below SOFT_DEPTH the value is as small as the schema allows (required properties only, the
null or scalar branch of a union, minItems items): that is where recursion stops. The Budget
caps nodes and bytes; when it runs out the value is left unfinished and `budget.cut` says so
(the caller ends the answer with a `length` finish, as a model at its limit does).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import UnknownType

from .check import as_json_schema
from .formats import FORMATS
from .numbers import bounds, inside, multiple_between, step_of
from .patterns import matching_string
from .shapes import (
    ANNOTATIONS,
    COMPOSED,
    MAX_REF_HOPS,
    flatten,
    implied_type,
    is_null,
    merge,
    types_of,
    weight,
)

SOFT_DEPTH = 6  # deeper than this, only what the schema requires
HARD_DEPTH = 40  # a schema that requires infinite nesting gets null here
ONE_OF_TRIES = 4  # other candidates tried when a `oneOf` value matches more than one branch
OPEN_ARRAY_EXTRA = 2  # an array without maxItems gets at most this many items above its minimum
_NONE_LEFT = object()


@dataclass
class Budget:
    """What one answer may still spend: values built and bytes of JSON text (approximate)."""

    nodes: int
    bytes: int
    cut: bool = False  # ran out: the value is the start of an answer, not a whole one

    def take(self, size: int) -> bool:
        if self.cut:
            return False
        self.nodes -= 1
        self.bytes -= size
        if self.nodes < 0 or self.bytes < 0:
            self.cut = True
            return False
        return True

    def string_room(self, length: int) -> int:
        """How many characters of a `length`-character string fit (all of them, or the budget)."""
        room = max(self.bytes - 2, 0)
        if length > room:
            self.cut = True
        return min(length, room)


def count(schema: Mapping[str, Any], key: str, default: int | None) -> int | None:
    """A non-negative count keyword (minItems...), also as Gemini's int64-as-string; else default."""
    value = schema.get(key)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


class Generator:
    def __init__(self, root: Any, rng: random.Random, budget: Budget, text: Callable[[], str]):
        self.root = root
        self.rng = rng
        self.budget = budget
        self.text = text  # a few words of filler text (seeded by the caller)
        self._open_unions = 0

    def flatten(self, schema: Any) -> Any:
        """The schema with its `$ref` and `allOf` folded in (shapes.flatten), each expansion paid
        from the budget."""
        return flatten(self.root, schema, lambda: self.budget.take(0))

    # ---- values ------------------------------------------------------------------------------
    def value(self, schema: Any, depth: int = 0) -> Any:
        if self.budget.cut or depth > HARD_DEPTH:
            return None
        schema = self.flatten(schema)
        if schema is True or schema == {} or not isinstance(schema, Mapping):
            return self._filler(1, None) if schema is not False else None
        if "const" in schema:
            self.budget.take(len(json.dumps(schema["const"], default=str)))
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            choice = schema["enum"][0] if depth > SOFT_DEPTH else self.rng.choice(schema["enum"])
            self.budget.take(len(json.dumps(choice, default=str)))
            return choice
        if isinstance(schema.get("anyOf"), list) and schema["anyOf"]:
            return self._union(lambda: self.value(self._branch(schema, "anyOf", depth), depth))
        if isinstance(schema.get("oneOf"), list) and schema["oneOf"]:
            return self._union(lambda: self._one_of(schema, depth))
        kind = self._type(schema, depth)
        return _BUILDERS[kind](self, schema, depth)

    def _union(self, build: Callable[[], Any]) -> Any:
        """A union's value: a branch that is the union again (`X: anyOf [X]`) adds no nesting,
        so the unions open at once are counted instead."""
        if self._open_unions > MAX_REF_HOPS:
            return None
        self._open_unions += 1
        try:
            return build()
        finally:
            self._open_unions -= 1

    def _branch(self, schema: Mapping[str, Any], key: str, depth: int) -> Any:
        """One branch of a union, with the schema's other keywords: a light one when deep."""
        branches = [self.flatten(b) for b in schema[key]]
        if depth > SOFT_DEPTH:
            branch = min(branches, key=weight)
        else:
            solid = [b for b in branches if not is_null(b)] or branches
            branch = self.rng.choice(solid)
        rest = {k: v for k, v in schema.items() if k != key}
        return merge([rest, branch]) if set(rest) - ANNOTATIONS and isinstance(branch, Mapping) else branch

    def _one_of(self, schema: Mapping[str, Any], depth: int) -> Any:
        """A value of exactly one branch: an integer also passes a `number` branch, so each
        candidate is checked against the others (a few tries; the first candidate otherwise)."""
        branches = schema["oneOf"]
        first = candidate = self.value(self._branch(schema, "oneOf", depth), depth)
        start = self.rng.randrange(len(branches))
        for step in range(min(ONE_OF_TRIES, len(branches))):
            if self.budget.cut or sum(self._matches(candidate, b) for b in branches) == 1:
                return candidate
            branch = branches[(start + step) % len(branches)]
            candidate = self.value(self._branch({**schema, "oneOf": [branch]}, "oneOf", depth), depth)
        return candidate if sum(self._matches(candidate, b) for b in branches) == 1 else first

    def _matches(self, value: Any, branch: Any) -> bool:
        """Does a scalar pass this branch? Only flat branches are checked (a composed one, or a
        container value, counts as not matching): the check must stay cheap whatever the schema."""
        flat = self.flatten(branch)
        if isinstance(value, dict | list) or not isinstance(flat, Mapping) or COMPOSED & set(flat):
            return False
        try:
            return Draft202012Validator(as_json_schema(flat)).is_valid(value)
        except (RecursionError, TypeError, ValueError, UnknownType):
            return False  # a branch jsonschema cannot run: count it as not matching

    def _type(self, schema: Mapping[str, Any], depth: int) -> str:
        kinds = types_of(schema)
        solid = [k for k in kinds if k != "null"]
        if not solid:  # google-genai sends a recursive field as a bare {"nullable": true}
            return "null" if kinds or schema.get("nullable") is True else implied_type(schema)
        if "null" in kinds and depth > SOFT_DEPTH:
            return "null"
        return solid[0]

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        names = list(properties) if depth <= SOFT_DEPTH else [n for n in properties if n in required]
        names += [r for r in required if r not in names]
        others = extra if isinstance(extra, Mapping) else {}  # for required names not in properties
        out: dict[str, Any] = {}
        for name in names:
            if not self.budget.take(len(name) + 4):
                return out
            out[name] = self.value(properties.get(name, others), depth + 1)
        low = count(schema, "minProperties", 0) or 0
        while len(out) < low and extra is not False and self.budget.take(12):
            out[f"key_{len(out)}"] = self.value(extra if isinstance(extra, Mapping) else {}, depth + 1)
        high = count(schema, "maxProperties", None)
        for name in [n for n in reversed(out) if n not in required][: max(len(out) - (high or len(out)), 0)]:
            del out[name]
        return out

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        items = schema.get("items")
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else None
        if isinstance(items, list):  # draft-07 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix or []
        low = count(schema, "minItems", 0) or 0
        high = count(schema, "maxItems", None)
        if items is False:
            high = min(high, len(prefix)) if high is not None else len(prefix)
        if depth > SOFT_DEPTH:
            size = low
        else:
            start = max(low, 1, len(prefix))
            top = start + OPEN_ARRAY_EXTRA if high is None else min(high, start + OPEN_ARRAY_EXTRA)
            size = self.rng.randint(min(start, top), max(min(start, top), top))
        size = max(size, low)
        contains = schema.get("contains")
        out: list[Any] = []
        seen: set[str] = set()
        for index in range(size):
            if not self.budget.take(2):
                break
            sub = prefix[index] if index < len(prefix) else items if items not in (None, True) else {}
            if index == 0 and isinstance(contains, Mapping) and index >= len(prefix):
                sub = contains
            item = self.value(sub, depth + 1)
            if schema.get("uniqueItems") is True:
                item, fresh = self._unique(item, sub, depth, seen)
                if not fresh and index >= low:
                    break  # no new value found: a shorter array is still valid
            out.append(item)
        return out

    def _unique(self, item: Any, sub: Any, depth: int, seen: set[str]) -> tuple[Any, bool]:
        """The item, or another one not seen yet (enum values are tried in turn)."""
        options = self.flatten(sub).get("enum") if isinstance(self.flatten(sub), Mapping) else None
        others = iter(options if isinstance(options, list) else ())
        for _ in range(8):
            key = json.dumps(item, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                return item, True
            if options:
                item = next(others, _NONE_LEFT)
                if item is _NONE_LEFT:
                    break
            else:
                item = self.value(sub, depth + 1)
        return item, False

    def string(self, schema: Mapping[str, Any], depth: int) -> str:
        low = count(schema, "minLength", 0) or 0
        high = count(schema, "maxLength", None)
        fits = lambda s: low <= len(s) and (high is None or len(s) <= high)  # noqa: E731
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            for _ in range(4):
                found = matching_string(pattern, self.rng)
                if found is not None and fits(found):
                    self.budget.nodes -= len(found) // 4  # a random draw per character: it costs
                    return self._spend(found)
        make = FORMATS.get(str(schema.get("format", "")).lower())
        if make is not None:
            return self._spend(make(self.rng))
        return self._filler(low, high)

    def _spend(self, text: str) -> str:
        room = self.budget.string_room(len(text))
        self.budget.take(room + 2)
        return text[:room]

    def _filler(self, low: int, high: int | None) -> str:
        text = self.text()
        if len(text) < low:
            room = self.budget.string_room(low)  # a huge minLength stops at the budget
            text = (text + " ") * (room // (len(text) + 1) + 1)
            text = text[:room]
        elif high is not None:
            text = text[:high]
        self.budget.take(len(text) + 2)
        return text

    def integer(self, schema: Mapping[str, Any], depth: int) -> int:
        self.budget.take(8)
        low, high = bounds(schema, integer=True)
        step = step_of(schema)
        if step is not None:
            step = Fraction(step.numerator)  # an integer that is a multiple of p/q is one of p
            first, last = math.ceil(low / step), math.floor(high / step)
            return int(self.rng.randint(first, last) * step) if first <= last else int(first * step)
        return self.rng.randint(int(low), int(high)) if low <= high else int(low)

    def number(self, schema: Mapping[str, Any], depth: int) -> float | int:
        self.budget.take(8)
        low, high = bounds(schema, integer=False)
        step = step_of(schema)
        if step is not None:
            return multiple_between(low, high, step, float(schema["multipleOf"]), self.rng)
        if low >= high:
            return low
        value = round(self.rng.uniform(low, high), 2)
        if value.is_integer() and low <= value + 0.25 <= high:
            value += 0.25  # a whole number would also pass as an integer (oneOf integer|number)
        return value if inside(value, schema) else (low + high) / 2

    def boolean(self, schema: Mapping[str, Any], depth: int) -> bool:
        self.budget.take(5)
        return self.rng.random() < 0.5

    def null(self, schema: Mapping[str, Any], depth: int) -> None:
        self.budget.take(4)
        return None


_BUILDERS: dict[str, Callable[[Generator, Mapping[str, Any], int], Any]] = {
    "object": Generator.object,
    "array": Generator.array,
    "string": Generator.string,
    "integer": Generator.integer,
    "number": Generator.number,
    "boolean": Generator.boolean,
    "null": Generator.null,
}


def instance_of(
    schema: Any, rng: random.Random, budget: Budget, text: Callable[[], str] = lambda: "example text"
) -> Any:
    """A value valid against `schema` (as far as the schema can be satisfied) within `budget`."""
    try:
        return Generator(schema, rng, budget, text).value(schema)
    except RecursionError:  # the bounds above keep well inside Python's stack; never a 500
        budget.cut = True
        return None
