"""Every JSON Schema under schemas/, compiled once at start-up, with errors as Violations."""

from __future__ import annotations

import json
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from .fast.fastcheck import Check, compile_check
from .resources import SCHEMAS_DIR

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


@dataclass(frozen=True)
class Violation:
    pointer: str  # JSON pointer into the instance, "" for the root
    param: str | None  # the offending parameter as providers name it: messages.[0].role
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80


def _python_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _param(path: list[Any]) -> str | None:
    parts = [f"[{p}]" if isinstance(p, int) else str(p) for p in path]
    return ".".join(parts) or None


def _pointer(path: list[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def violation_of(error: ValidationError) -> Violation:
    """Turn a jsonschema error into a provider-style message naming the parameter."""
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        path = [*path, missing]
        param = _clip(_param(path) or "")
        return Violation(_pointer(path), param, f"Missing required parameter: '{param}'.")
    name = _param(path) or "body"
    if error.validator == "type":
        expected: Any = error.validator_value
        expected = expected if isinstance(expected, str) else expected[0]
        got = _TYPE_NAMES[_python_type(error.instance)]
        wanted = _TYPE_NAMES.get(expected, expected)
        text = f"Invalid type for '{name}': expected {wanted}, but got {got} instead."
    elif error.validator in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
        side = "above maximum" if "max" in error.validator.lower() else "below minimum"
        bound = "<=" if "max" in error.validator.lower() else ">="
        text = (
            f"Invalid '{name}': decimal {side} value. Expected a value {bound} "
            f"{error.validator_value}, but got {error.instance} instead."
        )
    elif error.validator in ("enum", "const"):
        allowed: Any = error.validator_value if error.validator == "enum" else [error.validator_value]
        shown = _SHORT.repr(error.instance)
        text = f"Invalid value: {shown}. Supported values are: {', '.join(map(repr, allowed))}."
    elif error.validator in ("minItems", "maxItems", "minLength", "maxLength"):
        text = f"Invalid '{name}': {error.message}."
    else:
        text = f"Invalid '{name}': {error.message}"
    named = _param(path)
    return Violation(_pointer(path), named and _clip(named), _clip(text))


def _clip(text: str, limit: int = 500) -> str:
    """Messages quote the offending value; a multi-megabyte value is never echoed whole."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


_FAST_CHECKS: dict[tuple[Path, str], Check | None] = {}  # schema files do not change at run time


class SchemaRegistry:
    """Loads schemas/<dir>/<name>.schema.json and compiles validators on first use only once."""

    def __init__(self, root: Path = SCHEMAS_DIR, fast_path: bool = True):
        self.root = root
        self.fast_path = fast_path  # off: jsonschema alone judges every request (no fastcheck)
        self._documents: dict[str, Any] = {}
        resources = []
        for path in sorted(root.rglob("*.schema.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            key = path.relative_to(root).as_posix().removesuffix(".schema.json")
            self._documents[key] = document
            if "$id" in document:
                resources.append((document["$id"], Resource.from_contents(document)))
        self._registry = Registry().with_resources(resources)
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Check | None] = {}

    def names(self) -> list[str]:
        return sorted(self._documents)

    def has(self, name: str) -> bool:
        return name in self._documents

    def for_operation(self, directory: str, operation: str, kind: str) -> str:
        """`<dir>/<operation>.<kind>` (anthropic/count_tokens.request) where an endpoint has its
        own shape, else the dialect's `<dir>/<kind>`."""
        own = f"{directory}/{operation}.{kind}"
        return own if own in self._documents else f"{directory}/{kind}"

    def document(self, name: str) -> Any:
        return self._documents[name]

    def validator(self, name: str) -> Draft202012Validator:
        if name not in self._validators:
            self._validators[name] = Draft202012Validator(self._documents[name], registry=self._registry)
        return self._validators[name]

    def compile_all(self) -> None:
        for name in self._documents:
            self.validator(name)
            if name.endswith("request"):  # what requests are checked against, on every request
                self.fast_check(name)

    def fast_check(self, name: str) -> Check | None:
        """A compiled yes/no check (fast/fastcheck.py), built once per schema and process."""
        if not self.fast_path:
            return None
        if name not in self._fast:
            key = (self.root, name)
            if key not in _FAST_CHECKS:
                by_id = {d["$id"]: d for d in self._documents.values() if isinstance(d, dict) and "$id" in d}
                _FAST_CHECKS[key] = compile_check(self._documents[name], by_id)
            self._fast[name] = _FAST_CHECKS[key]
        return self._fast[name]

    def first_violation(self, name: str, instance: Any) -> Violation | None:
        check = self.fast_check(name)
        if check is not None and check(instance):
            return None  # valid; anything else is decided (and worded) by jsonschema
        error = best_match(self.validator(name).iter_errors(instance))
        return violation_of(error) if error is not None else None

    def violations(self, name: str, instance: Any) -> list[Violation]:
        return [violation_of(e) for e in self.validator(name).iter_errors(instance)]
