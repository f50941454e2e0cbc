"""Every bundled fixture, rendered by every chat dialect, streamed and not, is schema-valid.

The `openai` dialect is also judged by the official OpenAI OpenAPI spec.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import rawhttp
from official_spec import official_validator
from openai_family import FAMILY, Family

from mocksrv import loader
from mocksrv.resources import FIXTURES_DIR
from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
BUNDLED = loader.load([FIXTURES_DIR], SCHEMAS).fixtures


def chat_request(fixture: dict[str, Any]) -> dict[str, Any]:
    """A chat request that the fixture's match rules accept."""
    match = fixture.get("match", {})
    rule = match.get("last_user", {"contains": "anything"})
    text = rule.get("equals") or rule.get("contains") or "hello"
    messages: list[dict[str, Any]] = [{"role": "user", "content": text}]
    body: dict[str, Any] = {"model": "gpt-4o", "messages": messages}
    if match.get("tool") or match.get("has_tools"):
        name = match.get("tool", "lookup")
        body["tools"] = [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}]
    if match.get("tool_result"):
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": match.get("tool", "lookup"), "arguments": "{}"},
        }
        messages += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{}"},
        ]
    return body


def serves(fixture: dict[str, Any], family: Family) -> bool:
    dialects = fixture.get("match", {}).get("dialect")
    return dialects is None or family.name in ([dialects] if isinstance(dialects, str) else dialects)


def shadowed(fixture: dict[str, Any], family: Family) -> bool:
    """An earlier fixture answers the same request on this dialect (precedence: load order)."""
    earlier = BUNDLED[: BUNDLED.index(fixture)]
    return any(serves(e, family) and rules(e) == rules(fixture) for e in earlier)


def rules(fixture: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fixture.get("match", {}).items() if k != "dialect"}


CASES = [(f, fam) for f in BUNDLED for fam in FAMILY if serves(f, fam) and not shadowed(f, fam)]


@pytest.mark.parametrize(("fixture", "family"), CASES, ids=[f"{f['id']}-{fam.name}" for f, fam in CASES])
def test_fixture_renders_valid_bodies_and_chunks(server, key, fixture, family: Family):
    body = chat_request(fixture)
    response = rawhttp.post(family.chat_url(server), json=body, headers=family.auth_headers(key))
    assert response.status == 200, response.text
    assert response.headers["x-mocksrv-fixture"] == fixture["id"]
    rendered = response.json()
    assert SCHEMAS.violations(f"{family.name}/response", rendered) == []
    if family.name == "openai":
        official_validator("CreateChatCompletionResponse").validate(rendered)

    streamed = rawhttp.post(
        family.chat_url(server),
        json={**body, "stream": True, "stream_options": {"include_usage": True}},
        headers=family.auth_headers(key),
    )
    events = streamed.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    for event in events[:-2]:
        chunk = json.loads(event.removeprefix("data: "))
        assert SCHEMAS.violations(f"{family.name}/stream_event", chunk) == []
        if family.name == "openai":
            official_validator("CreateChatCompletionStreamResponse").validate(chunk)
