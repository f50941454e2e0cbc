"""GET /_mock/openapi.json: a valid OpenAPI 3.1 document of every dialect route."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rawhttp
from corpus import targets
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from mocksrv.dialects import all_dialects, route_table
from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()


@pytest.fixture(scope="module")
def spec(server) -> dict[str, Any]:
    response = rawhttp.request("GET", server.url + "/_mock/openapi.json")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
    return [r for v in node for r in refs(v)] if isinstance(node, list) else []


def pointer(document: Any, ref: str) -> Any:
    for part in ref.removeprefix("#/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def test_document_is_valid_openapi_31(spec, server):
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": server.url}]


def test_every_ref_points_inside_the_document(spec):
    found = refs(spec)
    assert found and all(ref.startswith("#/") for ref in found)
    for ref in set(found):
        pointer(spec, ref)  # raises KeyError when dangling


def test_every_dialect_route_is_described(spec):
    for path, dialect, route in route_table(all_dialects(), None):
        operation = spec["paths"][path][route.method.lower()]
        assert set(operation["responses"]) == {"200", "4XX", "5XX"}
        errors = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
        assert errors == {"$ref": f"#/components/schemas/{dialect.schema_dir}.error"}
        assert operation["security"]
        if route.operation == "generate":
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body == {"$ref": f"#/components/schemas/{dialect.schema_dir}.request"}
            kinds = set(operation["responses"]["200"]["content"])
            streamed = dialect.stream_content_type.split(";")[0]  # SSE, NDJSON or an event stream
            expected = {None: {"application/json", streamed}, True: {streamed}}
            assert kinds == expected.get(route.stream, {"application/json"})
        if route.operation == "count_tokens":  # its own answer (and, on Anthropic, its own request)
            answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert answer == {"$ref": f"#/components/schemas/{dialect.schema_dir}.count_tokens.response"}
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["query-key"]["in"] == "query"
    wuinai = spec["paths"]["/wuinai/api/ai/openai/chat/completions"]["post"]["security"]
    assert wuinai == [{"wuinai-access-key": [], "wuinai-access-token": []}]  # both headers at once


def bundled(spec: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for one component, resolving its refs inside the OpenAPI document."""
    root = {"$ref": f"#/components/schemas/{name.replace('/', '.')}", "components": spec["components"]}
    return Draft202012Validator(root)


def test_bundled_schemas_judge_like_the_originals(spec, server):
    """The document's schemas accept and reject exactly what schemas/ does, on real traffic."""
    for target in [t for t in targets() if t.route.operation == "generate"]:
        d = target.dialect.schema_dir
        for body in (target.good, {**target.good, "stream": "yes"}, {"contents": 5, "messages": 5}):
            assert bool(SCHEMAS.violations(f"{d}/request", body)) == bool(
                list(bundled(spec, f"{d}/request").iter_errors(body))
            )
        response = rawhttp.post(
            server.url + target.path, data=json.dumps(target.good).encode(), headers=target.auth()
        )
        name = f"{d}/response" if response.status == 200 else f"{d}/error"
        if response.headers["content-type"].startswith("application/json"):
            assert list(bundled(spec, name).iter_errors(response.json())) == []


def test_token_counts_match_their_documented_shapes(spec, server):
    """Each count_tokens route: the request it documents is what it accepts; the answer fits."""
    counting = [t for t in targets() if t.route.operation == "count_tokens"]
    assert len(counting) >= 3  # anthropic, gemini v1beta and v1
    for target in counting:
        operation = spec["paths"][target.dialect.prefix + target.route.path]["post"]
        request_schema = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert list(bundled(spec, request_schema.rsplit("/", 1)[1]).iter_errors(target.good)) == []
        response = rawhttp.post(server.url + target.path, json=target.good, headers=target.auth())
        assert response.status == 200, response.text
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert list(bundled(spec, answer.rsplit("/", 1)[1]).iter_errors(response.json())) == []


def test_openapi_needs_the_admin_token_when_one_is_set(make_server):
    live = make_server(admin_token="t0k")
    assert rawhttp.request("GET", live.url + "/_mock/openapi.json").status == 401
    ok = rawhttp.request("GET", live.url + "/_mock/openapi.json", headers={"X-Mock-Admin-Token": "t0k"})
    assert ok.status == 200 and ok.json()["paths"]
