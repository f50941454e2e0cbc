"""Validators built from the official OpenAI OpenAPI spec, for comparing our schemas with it.

The spec (``openai-openapi.yaml``, ~3 MB) is found through ``$MOCKSRV_OPENAI_SPEC``, then
``reference/`` in the repository, then the shared reference folder next to the repository.
Parsing it takes a while, so the converted ``components/schemas`` are pickled in a cache
directory (``$MOCKSRV_TEST_CACHE`` or the system temp dir), keyed by the file's path, size and
mtime; within a process everything is also memoised.

OpenAPI 3.1 schemas are JSON Schema 2020-12, except that this spec still uses the OpenAPI 3.0
keyword ``nullable: true``, which a 2020-12 validator ignores. It is rewritten into a real
``null`` alternative so the official schemas accept what the API actually sends.

    from official_spec import official_validator  # tests.official_spec if tests/ is a package
    official_validator("CreateChatCompletionResponse").validate(body)
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_ENV = "MOCKSRV_OPENAI_SPEC"
CACHE_ENV = "MOCKSRV_TEST_CACHE"
SPEC_URI = "https://mocksrv.local/reference/openai-openapi.json"
_CONVERTER_VERSION = "1"  # bump when _convert changes, to invalidate old caches

_REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    _REPO / "reference" / "openai-openapi.yaml",
    _REPO.parent / "shared" / "reference" / "openai-openapi.yaml",
)

# JSON Schema keywords whose values are schemas, maps of schemas, or lists of schemas.
_SCHEMA_KEYS = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
    }
)
_SCHEMA_MAP_KEYS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SCHEMA_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})


def spec_path() -> Path | None:
    """Where the official spec is, or None when it is not available."""
    env = os.environ.get(SPEC_ENV)
    candidates = (Path(env),) if env else _CANDIDATES
    return next((path for path in candidates if path.is_file()), None)


def _convert(schema: Any) -> Any:
    """Rewrite one OpenAPI schema (recursively) into plain JSON Schema 2020-12."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_KEYS:
            out[key] = _convert(value)
        elif key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [_convert(sub) for sub in value]
        elif key != "nullable":
            out[key] = value  # annotations, enum/const/default/example data: left untouched
    if schema.get("nullable") is True:
        return _make_nullable(out)
    return out


def _make_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind is None:
        return {"anyOf": [schema, {"type": "null"}]}
    kinds = [kind] if isinstance(kind, str) else list(kind)
    schema = {**schema, "type": [*kinds, "null"] if "null" not in kinds else kinds}
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _cache_file(path: Path) -> Path:
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{_CONVERTER_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    root = Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "mocksrv-test-cache")
    return root / f"openai-openapi-{digest}.pickle"


@functools.lru_cache(maxsize=1)
def official_schemas() -> dict[str, Any]:
    """``components/schemas`` of the official spec, converted to JSON Schema 2020-12."""
    path = spec_path()
    if path is None:
        pytest.skip(f"official OpenAI spec not found (set {SPEC_ENV})")
    cache = _cache_file(path)
    try:
        with cache.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        spec = yaml.load(fh, Loader=loader)  # a safe loader (C-accelerated when available)
    schemas = {name: _convert(sub) for name, sub in spec["components"]["schemas"].items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(schemas, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)  # atomic: parallel test workers never read a half-written file
    return schemas


@functools.lru_cache(maxsize=1)
def official_registry() -> Registry:
    """A registry holding the whole spec, so ``#/components/schemas/X`` refs resolve."""
    document = {"components": {"schemas": official_schemas()}}
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(document))


@functools.cache
def official_validator(schema_name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<schema_name>`` of the official spec."""
    if schema_name not in official_schemas():
        raise KeyError(f"no schema {schema_name!r} in the official OpenAI spec")
    schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=official_registry())
