"""Validators from Anthropic's official (Nov 2024, Stainless) OpenAPI spec.

The spec predates thinking blocks, `refusal`, 413/504 error types, so only bodies without those
are checked against it. It is plain JSON Schema 2020-12 except for one `type: null` (YAML null,
meaning "unspecified") on `Model`, which is dropped here.

    from anthropic_spec import official_validator
    official_validator("Message").validate(body)
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_ENV = "MOCKSRV_ANTHROPIC_SPEC"
SPEC_NAME = "anthropic-openapi-stainless-2024-11.yaml"
SPEC_URI = "https://mocksrv.local/reference/anthropic-openapi.json"
_REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = (_REPO / "reference" / SPEC_NAME, _REPO.parent / "shared" / "reference" / SPEC_NAME)


def spec_path() -> Path | None:
    env = os.environ.get(SPEC_ENV)
    candidates = (Path(env),) if env else _CANDIDATES
    return next((path for path in candidates if path.is_file()), None)


def _clean(node: Any) -> Any:
    """Drop `type: null` (no constraint meant); leave everything else as written."""
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items() if not (k == "type" and v is None)}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


@functools.lru_cache(maxsize=1)
def official_registry() -> Registry:
    path = spec_path()
    if path is None:
        pytest.skip(f"official Anthropic spec not found (set {SPEC_ENV})")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        spec = yaml.load(fh, Loader=loader)
    document = {"components": {"schemas": _clean(spec["components"]["schemas"])}}
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(document))


@functools.cache
def official_validator(schema_name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<schema_name>`` of the official spec."""
    schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=official_registry())
