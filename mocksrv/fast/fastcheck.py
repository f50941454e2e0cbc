"""A fast "valid" for requests: schemas compiled to Python code by fastjsonschema.

jsonschema stays the judge. A compiled check is built only for a schema whose every assertion
keyword fastjsonschema enforces the way draft 2020-12 does (its generator is draft 7, which
ignores keywords beside `$ref`: those are rewritten into an `allOf`). When the check accepts,
the request is valid; when it rejects (or raises anything), jsonschema validates again, and
decides and words the error. So a difference between the two can only cost time, never let
an invalid request through, provided the check never accepts what jsonschema rejects; the
keyword list below is what makes that so (tests/speed/test_fastcheck.py checks both agree).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

try:
    import fastjsonschema
except ImportError:  # an optional speed-up: jsonschema alone gives the same answers
    fastjsonschema = None  # type: ignore[assignment]

Check = Callable[[Any], bool]

# Assertions fastjsonschema enforces as 2020-12 does. Not here, so never fast: prefixItems,
# unevaluated*, dependent*, min/maxContains, $dynamicRef, $anchor, uniqueItems and multipleOf
# (number equality differs), items as an array (a tuple in draft 7).
_LEAF_ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",  # fastjsonschema makes `$` stricter (\Z): a false "invalid" at worst
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minItems",
        "maxItems",
        "required",
        "minProperties",
        "maxProperties",
    }
)
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
_ONE = ("not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames")
_LIST = ("allOf", "anyOf", "oneOf")
_MAP = ("properties", "patternProperties", "$defs", "definitions")


def _subschemas(node: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(keyword, key-or-index, subschema) for every subschema directly under this node."""
    found: list[tuple[str, Any, Any]] = []
    for key in _ONE:
        if key in node:
            found.append((key, None, node[key]))
    for key in _LIST:
        for i, sub in enumerate(node.get(key) or ()):
            found.append((key, i, sub))
    for key in _MAP:
        for name, sub in (node.get(key) or {}).items():
            found.append((key, name, sub))
    return found


def eligible(node: Any, root: bool = True) -> bool:
    """Does fastjsonschema enforce every assertion in this schema as 2020-12 does?"""
    if isinstance(node, bool):
        return True
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key in _ONE:
            if key == "items" and not isinstance(value, (dict, bool)):
                return False
        elif key in _LIST:
            if not isinstance(value, list):
                return False
        elif key in _MAP:
            if not isinstance(value, dict):
                return False
        elif key == "$ref":
            if not isinstance(value, str):
                return False
        elif key == "$id":
            if not root:  # a nested base URI: keep resolution simple
                return False
        elif key not in _LEAF_ASSERTIONS and key not in _ANNOTATIONS:
            return False
    return all(eligible(sub, root=False) for _, _, sub in _subschemas(node))


def rewrite(node: Any) -> Any:
    """A copy in which `$ref` beside other assertions becomes `allOf` (2020-12 applies both)."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key, index, sub in _subschemas(node):
        if key in _ONE:
            out[key] = rewrite(sub)
        elif key in _LIST:
            if out[key] is node[key]:
                out[key] = list(node[key])
            out[key][index] = rewrite(sub)
        else:
            if out[key] is node[key]:
                out[key] = dict(node[key])
            out[key][index] = rewrite(sub)
    if "const" in out:  # the same test; fastjsonschema's terse errors break on `const`
        const = [out.pop("const")]
        if "enum" in out:
            out["allOf"] = [*out.get("allOf", ()), {"enum": const}]
        else:
            out["enum"] = const
    if "$ref" in out and any(k not in _ANNOTATIONS and k not in ("$ref", "$id") for k in out):
        rest = {k: v for k, v in out.items() if k not in ("$ref", "$id", "$schema")}
        kept = {k: out[k] for k in ("$id", "$schema") if k in out}
        out = {**kept, "allOf": [{"$ref": out["$ref"]}, rest]}
    return out


def _remote_refs(node: Any, base: str) -> set[str]:
    """Documents (absolute URIs, no fragment) this schema refers to outside itself."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.add(urllib.parse.urldefrag(urllib.parse.urljoin(base, ref))[0])
        for _, _, sub in _subschemas(node):
            found |= _remote_refs(sub, base)
    return found


def compile_check(schema: dict[str, Any], documents: Mapping[str, Any]) -> Check | None:
    """A compiled check for `schema` ($ref'd documents from `documents`, by $id), or None."""
    if fastjsonschema is None:
        return None
    todo, seen = [schema], set()
    while todo:  # the schema and every document it reaches must be eligible
        doc = todo.pop()
        if not eligible(doc):
            return None
        for uri in _remote_refs(doc, doc.get("$id", "")):
            if uri not in seen:
                if uri not in documents:
                    return None
                seen.add(uri)
                todo.append(documents[uri])
    rewritten = {uri: rewrite(documents[uri]) for uri in seen}

    def fetch(uri: str) -> Any:
        return rewritten[urllib.parse.urldefrag(uri)[0]]

    try:
        validate = fastjsonschema.compile(
            rewrite(schema),
            handlers={"https": fetch, "http": fetch},
            use_default=False,
            use_formats=False,
            detailed_exceptions=False,
        )
    except Exception:  # anything it cannot compile is left to jsonschema
        return None

    def check(instance: Any) -> bool:
        try:
            validate(instance)
        except Exception:  # JsonSchemaValueException, or a surprise: jsonschema decides
            return False
        return True

    return check
