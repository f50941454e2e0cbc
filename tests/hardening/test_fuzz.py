"""Property-based fuzzing of every dialect route: whatever the body, the answer is either a
schema-valid success (JSON or SSE events) or a schema-valid provider error, never a 5xx/422.

Bodies come from three sources: the route's request schema (mostly valid), the known-good
body with fields replaced by arbitrary JSON (valid and invalid mixes), and arbitrary JSON.
Runs are derandomized so CI is reproducible; MOCKSRV_FUZZ_EXAMPLES raises the budget.
"""

from __future__ import annotations

import http.client
import json
import os
from typing import Any

import pytest
import rawhttp
from botocore.eventstream import EventStreamBuffer
from corpus import Target, targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_strategies import ANY_JSON, SchemaStrategies
from sse import data_payloads

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
STRATEGIES = SchemaStrategies(SCHEMAS)
ROUTES = [t for t in targets() if t.route.operation == "generate"]
FAMILY_SCHEMA = {
    "chat": "openai",
    "responses": "responses",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "converse": "bedrock",
}
EXAMPLES = int(os.environ.get("MOCKSRV_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("MOCKSRV_FUZZ_RANDOM") is None,
    suppress_health_check=list(HealthCheck),
)


def mutated(target: Target) -> st.SearchStrategy[dict[str, Any]]:
    """The good body with some fields (known or not) set to arbitrary JSON, or dropped."""
    # Field names from the dialect's schema and its family's (what a gateway leaves unchecked).
    known = {*target.good, "stream", "n", "extra"}
    for name in (target.dialect.schema_dir, FAMILY_SCHEMA[target.family]):
        known |= set(SCHEMAS.document(f"{name}/request").get("properties", {}))
    names = sorted(known)
    changes = st.dictionaries(st.sampled_from(names), ANY_JSON | st.just(None), max_size=3)
    return changes.map(lambda c: {k: v for k, v in {**target.good, **c}.items() if v is not None})


def bodies(target: Target) -> st.SearchStrategy[Any]:
    schema = STRATEGIES.for_component(f"{target.dialect.schema_dir}/request")
    return st.one_of(schema, mutated(target), ANY_JSON)


def send(server, target: Target, body: Any) -> rawhttp.RawResponse:
    path = target.path + ("?alt=sse" if target.route.stream else "")
    headers = {**target.auth(), "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        return rawhttp.RawResponse(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def events(body: bytes) -> list[Any]:
    """The JSON payload of every `data:` line of an SSE body ([DONE] and comments skipped)."""
    return data_payloads(body)


def check(target: Target, body: Any, response: rawhttp.RawResponse) -> None:
    where = f"{target.label} {json.dumps(body)[:300]} -> {response.status} {response.body[:300]!r}"
    d = target.dialect.schema_dir
    content_type = response.headers.get("content-type", "")
    if response.status == 200 and content_type.startswith(("text/event-stream", "application/x-ndjson")):
        ndjson = content_type.startswith("application/x-ndjson")  # Ollama: one JSON object a line
        payloads = [json.loads(x) for x in response.body.splitlines()] if ndjson else events(response.body)
        assert payloads, where
        for payload in payloads:
            assert SCHEMAS.violations(f"{d}/stream_event", payload) == [], where
        return
    if response.status == 200 and content_type.startswith("application/vnd.amazon.eventstream"):  # Bedrock
        stream = EventStreamBuffer()
        stream.add_data(response.body)
        for message in stream:  # checks both CRCs
            assert SCHEMAS.violations(f"{d}/stream_event", json.loads(message.payload)) == [], where
        return
    assert content_type.startswith("application/json"), where
    if response.status == 200:
        assert SCHEMAS.violations(f"{d}/response", json.loads(response.body)) == [], where
        return
    assert 400 <= response.status < 500 and response.status != 422, where
    assert SCHEMAS.violations(f"{d}/error", json.loads(response.body)) == [], where


@pytest.mark.parametrize("target", ROUTES, ids=[t.label for t in ROUTES])
def test_every_answer_is_a_valid_success_or_provider_error(server, target: Target):
    @FUZZ
    @given(body=bodies(target))
    def run(body: Any) -> None:
        check(target, body, send(server, target, body))

    run()
