"""An OpenAPI 3.1 document of every dialect route, generated from the dialect table.

GET /_mock/openapi.json serves it, so API fuzzers (schemathesis) and code generators can
drive mocksrv. Schemas come from schemas/<dir>/*.schema.json, bundled under
components/schemas as "<dir>.<name>" with every $ref rewritten to point inside the document
(OpenAPI 3.1 schemas are JSON Schema 2020-12, so they are otherwise used as they are).
"""

from __future__ import annotations

import copy
import re
import weakref
from typing import Any
from urllib.parse import urldefrag, urljoin

import orjson

from . import __version__
from .dialects import all_dialects, route_table
from .dialects.base import AuthScheme, Dialect, RouteSpec
from .schemas import SchemaRegistry

SCHEMA_BASE = "https://mocksrv.local/schemas/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ANY_OBJECT: dict[str, Any] = {"type": "object"}
MOCK_HEADERS = [
    ("X-Mock-Session", "Keys reply and scenario cursors (default: the API key)."),
    ("X-Mock-Scenario", "Run this request under a named scenario."),
    ("X-Mock-Known-Models", "1: a model the catalog does not list is the provider's not-found; 0: answered."),
]


def component_name(name: str) -> str:
    """schemas/openai/request.schema.json is "openai/request" in the registry, "openai.request" here."""
    return name.replace("/", ".")


def _rewrite(node: Any, base: str) -> Any:
    """Copy a schema, turning every $ref (relative, absolute, local) into a document-local one."""
    if isinstance(node, list):
        return [_rewrite(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("$id", "$schema"):
            continue
        if key == "$ref" and isinstance(value, str):
            target, fragment = urldefrag(urljoin(base, value))
            name = target.removeprefix(SCHEMA_BASE).removesuffix(".schema.json")
            out[key] = f"#/components/schemas/{component_name(name)}{fragment}"
        else:
            out[key] = _rewrite(value, base)
    return out


def components(schemas: SchemaRegistry) -> dict[str, Any]:
    bundled = {}
    for name in schemas.names():
        document = schemas.document(name)
        base = document.get("$id", SCHEMA_BASE + name + ".schema.json")
        bundled[component_name(name)] = _rewrite(copy.deepcopy(document), base)
    return bundled


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{component_name(name)}"}


def security_schemes(auth: AuthScheme) -> tuple[dict[str, Any], list[dict[str, list]]]:
    """(schemes to declare, the operation's security requirements: any one of them will do)."""
    schemes: dict[str, Any] = {}
    if auth.required_headers:  # all of them together: one requirement
        for header in auth.required_headers:
            schemes[header] = {"type": "apiKey", "in": "header", "name": header}
        return schemes, [{header: [] for header in auth.required_headers}]
    for header in auth.headers:
        schemes[header] = {"type": "apiKey", "in": "header", "name": header}
    if auth.bearer:
        schemes["bearerAuth"] = {"type": "http", "scheme": "bearer"}
    if auth.query:
        schemes[f"query-{auth.query}"] = {"type": "apiKey", "in": "query", "name": auth.query}
    return schemes, [{name: []} for name in schemes]


def parameters(dialect: Dialect, route: RouteSpec) -> list[dict[str, Any]]:
    found = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.stream:
        found.append({"name": "alt", "in": "query", "schema": {"enum": ["sse"]}})
    if getattr(dialect, "require_version", False):
        found.append(
            {"name": "anthropic-version", "in": "header", "required": True, "schema": {"type": "string"}}
        )
    found += [
        {"name": n, "in": "header", "description": d, "schema": {"type": "string"}} for n, d in MOCK_HEADERS
    ]
    return found


def operation(dialect: Dialect, route: RouteSpec, path: str, schemas: SchemaRegistry) -> dict[str, Any]:
    d = dialect.schema_dir
    error = {
        "description": "The provider's error envelope.",
        "content": {"application/json": {"schema": ref(f"{d}/error")}},
    }
    stream_type = dialect.stream_content_type.split(";")[0]
    framing = (
        "Newline-delimited JSON; each line"
        if stream_type.endswith("ndjson")
        else "Binary event-stream frames; each payload"
        if stream_type.startswith("application/vnd.amazon")
        else "Server-sent events; each data payload"
    )
    events = {
        "schema": {
            "type": "string",
            "description": f"{framing} is a {d}/stream_event.",
        },
        "x-event-schema": ref(f"{d}/stream_event"),
    }
    # route.stream: True (Gemini's stream route) SSE only, False JSON only, None the body decides.
    response = schemas.for_operation(d, route.operation, "response")
    content: dict[str, Any] = {} if route.stream else {"application/json": {"schema": ref(response)}}
    if route.stream is not False:
        content[stream_type] = events
    if route.operation == "models":
        content = {"application/json": {"schema": ANY_OBJECT}}
    op: dict[str, Any] = {
        "operationId": re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") + f"_{route.method.lower()}",
        "tags": [dialect.name],
        "summary": f"{dialect.name}: {route.method} {route.path} ({type(dialect).__name__})",
        "parameters": parameters(dialect, route),
        "responses": {"200": {"description": "Success.", "content": content}, "4XX": error, "5XX": error},
        "security": security_schemes(dialect.auth)[1],
    }
    request = schemas.for_operation(d, route.operation, "request")
    if route.method in ("POST", "PUT", "PATCH") and schemas.has(request):
        body = {"schema": ref(request)}
        op["requestBody"] = {"required": True, "content": {"application/json": body}}
    return op


def document(
    schemas: SchemaRegistry, root_dialect: str | None = None, server_url: str | None = None
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemes: dict[str, Any] = {}
    for path, dialect, route in route_table(all_dialects(), root_dialect):
        paths.setdefault(path, {})[route.method.lower()] = operation(dialect, route, path, schemas)
        schemes.update(security_schemes(dialect.auth)[0])
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
        "info": {
            "title": "mocksrv",
            "version": __version__,
            "description": "Every provider dialect mocksrv serves, one path prefix per dialect.",
        },
        "servers": [{"url": server_url or "/"}],
        "paths": paths,
        "components": {"schemas": components(schemas), "securitySchemes": schemes},
    }


_cache: weakref.WeakKeyDictionary[SchemaRegistry, dict[str | None, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def cached_document(schemas: SchemaRegistry, root_dialect: str | None, server_url: str) -> bytes:
    """The document is built once per registry (schemas never change at run time)."""
    built = _cache.setdefault(schemas, {})
    if root_dialect not in built:
        built[root_dialect] = document(schemas, root_dialect)
    return orjson.dumps({**built[root_dialect], "servers": [{"url": server_url}]})
