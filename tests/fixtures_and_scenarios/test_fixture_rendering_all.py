"""Every bundled fixture rendered by the Anthropic, Gemini and Responses dialects.

Each is rendered with its reasoning switch on and off (Anthropic `thinking`, Gemini
`includeThoughts`, Responses `reasoning.summary`), streamed and not; every body and event is
checked against the dialect's schemas in schemas/ and, where the reference has a spec, the
official one. Then the promise of design §3: the same fixture answers on every dialect, so its
text, tool calls and reasoning come out equal in each provider's shape.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import rawhttp
from anthropic_spec import official_validator as anthropic_official
from official_spec import official_validator as openai_official
from openai_family import FAMILY
from sse import read_events

from mocksrv import loader
from mocksrv.dialects.anthropic.turns import thinking_signature
from mocksrv.resources import FIXTURES_DIR
from mocksrv.schemas import SchemaRegistry
from mocksrv.signing import signer_for
from mocksrv.testing import MockServer

SCHEMAS = SchemaRegistry()
BUNDLED = loader.load([FIXTURES_DIR], SCHEMAS).fixtures
VERSION = "2023-06-01"
GEMINI_MODEL = "gemini-2.5-flash"
# Dialects whose wire has a place for reasoning text (design §7), beyond the three here.
CHAT_REASONING = {"opeai": "reasoning_content"}


@dataclass(frozen=True)
class Rendered:
    """What a fixture's reply looks like once read back from any provider's shape."""

    text: str
    calls: tuple[tuple[str, Any], ...]  # (name, arguments as an object)
    reasoning: str | None


def expected(fixture: dict[str, Any], shows_reasoning: bool) -> Rendered:
    reply = (fixture.get("replies") or [fixture.get("reply")])[0]  # a fresh session: the first one
    calls = tuple((c["name"], c.get("arguments", {})) for c in reply.get("tool_calls") or ())
    return Rendered(reply.get("content") or "", calls, reply.get("reasoning") if shows_reasoning else None)


# ---- which fixture answers where -----------------------------------------------------------
def dialects_of(fixture: dict[str, Any]) -> list[str] | None:
    dialects = fixture.get("match", {}).get("dialect")
    return [dialects] if isinstance(dialects, str) else dialects


def serves(fixture: dict[str, Any], dialect: str) -> bool:
    dialects = dialects_of(fixture)
    return dialects is None or dialect in dialects


def rules_but_dialect(fixture: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fixture.get("match", {}).items() if k != "dialect"}


def shadowed(fixture: dict[str, Any], dialect: str) -> bool:
    """An earlier fixture answers the same request on this dialect (precedence: load order)."""
    rules = rules_but_dialect(fixture)
    earlier = BUNDLED[: BUNDLED.index(fixture)]
    return any(serves(e, dialect) and rules_but_dialect(e) == rules for e in earlier)


def answers(fixture: dict[str, Any], dialect: str) -> bool:
    return serves(fixture, dialect) and not shadowed(fixture, dialect)


# ---- requests built from a fixture's match rules --------------------------------------------
@dataclass(frozen=True)
class Ask:
    text: str
    tool: str | None  # a tool to offer
    after_tool: bool  # the conversation ends with that tool's result


def ask_for(fixture: dict[str, Any]) -> Ask:
    match = fixture.get("match", {})
    rule = match.get("last_user", {"contains": "anything"})
    text = rule.get("equals") or rule.get("contains") or "hello"
    tool = match.get("tool") or ("lookup" if match.get("has_tools") else None)
    after = bool(match.get("tool_result"))
    return Ask(text, tool or ("lookup" if after else None), after)


def anthropic_request(ask: Ask, thinking: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": ask.text}]
    body: dict[str, Any] = {"model": "claude-sonnet-4-5", "max_tokens": 4096, "messages": messages}
    if thinking:
        body["thinking"] = {"type": "enabled", "budget_tokens": 1024}
    if ask.tool:
        body["tools"] = [{"name": ask.tool, "description": "A tool.", "input_schema": {"type": "object"}}]
    if ask.after_tool:
        call = {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": ask.tool, "input": {}}
        result = {"type": "tool_result", "tool_use_id": call["id"], "content": "{}"}
        # With thinking on, the tool loop's turn keeps the thinking block it was given (signed).
        kept = {"type": "thinking", "thinking": "", "signature": thinking_signature(signer_for(0), "")}
        opening = [kept] if thinking else []
        turn = {"role": "assistant", "content": [*opening, call]}
        messages += [turn, {"role": "user", "content": [result]}]
    return body


def gemini_request(ask: Ask, thoughts: bool) -> dict[str, Any]:
    contents: list[dict[str, Any]] = [{"role": "user", "parts": [{"text": ask.text}]}]
    body: dict[str, Any] = {"contents": contents}
    if thoughts:
        body["generationConfig"] = {"thinkingConfig": {"includeThoughts": True}}
    if ask.tool:
        body["tools"] = [{"functionDeclarations": [{"name": ask.tool, "parameters": {"type": "OBJECT"}}]}]
    if ask.after_tool:
        contents += [
            {"role": "model", "parts": [{"functionCall": {"name": ask.tool, "args": {}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": ask.tool, "response": {}}}]},
        ]
    return body


def responses_request(ask: Ask, summary: bool) -> dict[str, Any]:
    items: list[dict[str, Any]] = [{"role": "user", "content": ask.text}]
    body: dict[str, Any] = {"model": "gpt-4.1", "input": items}
    if summary:
        body["reasoning"] = {"effort": "low", "summary": "auto"}
    if ask.tool:
        body["tools"] = [{"type": "function", "name": ask.tool, "parameters": {"type": "object"}}]
    if ask.after_tool:
        items += [
            {"type": "function_call", "call_id": "call_1", "name": ask.tool, "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
        ]
    return body


def chat_request(ask: Ask) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": ask.text}]
    body: dict[str, Any] = {"model": "gpt-4o", "messages": messages}
    if ask.tool:
        body["tools"] = [
            {"type": "function", "function": {"name": ask.tool, "parameters": {"type": "object"}}}
        ]
    if ask.after_tool:
        call = {"id": "call_1", "type": "function", "function": {"name": ask.tool, "arguments": "{}"}}
        messages += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{}"},
        ]
    return body


def post(
    server: MockServer, path: str, body: dict[str, Any], headers: dict[str, str], fixture: str
) -> rawhttp.RawResponse:
    """A request in a session of its own, so a `replies` fixture always gives its first reply."""
    session = {"X-Mock-Session": f"render-{uuid.uuid4().hex}"}
    response = rawhttp.post(server.url + path, json=body, headers={**headers, **session})
    assert response.status == 200, response.text
    assert response.headers["x-mocksrv-fixture"] == fixture
    return response


def sse(raw: rawhttp.RawResponse, eol: str = "\n") -> list[tuple[str | None, dict[str, Any]]]:
    """(event name, data) per SSE event; every event ends with a blank line, none says [DONE]."""
    assert raw.headers["content-type"].startswith("text/event-stream")
    return read_events(raw.text, eol)


# ---- Anthropic ----------------------------------------------------------------------------
def anthropic_read(blocks: list[dict[str, Any]]) -> Rendered:
    thinking = [b["thinking"] for b in blocks if b["type"] == "thinking"]
    return Rendered(
        "".join(b["text"] for b in blocks if b["type"] == "text"),
        tuple((b["name"], b["input"]) for b in blocks if b["type"] == "tool_use"),
        "".join(thinking) or None,  # an empty (signature-only) block shows no reasoning
    )


def anthropic_render(server: MockServer, key: str, body: dict[str, Any], fixture: str) -> tuple[dict, list]:
    headers = {"x-api-key": key, "anthropic-version": VERSION}
    plain = post(server, "/anthropic/v1/messages", body, headers, fixture)
    streamed = post(server, "/anthropic/v1/messages", {**body, "stream": True}, headers, fixture)
    return plain.json(), sse(streamed)


def anthropic_fold(events: list[tuple[str | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The content blocks a stream builds, the way the SDK's accumulator builds them."""
    blocks: list[dict[str, Any]] = []
    partial: list[str] = []
    for _, data in events:
        if data["type"] == "content_block_start":
            assert data["index"] == len(blocks)
            blocks.append(dict(data["content_block"]))
            partial.append("")
        elif data["type"] == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = delta["signature"]
            else:
                partial[data["index"]] += delta["partial_json"]
        elif data["type"] == "content_block_stop" and blocks[data["index"]]["type"] == "tool_use":
            blocks[data["index"]]["input"] = json.loads(partial[data["index"]] or "{}")
    return blocks


def check_anthropic(message: dict, events: list, thinking: bool, want: Rendered) -> None:
    assert SCHEMAS.violations("anthropic/response", message) == []
    for name, data in events:
        assert name == data["type"]
        assert SCHEMAS.violations("anthropic/stream_event", data) == []
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert anthropic_read(message["content"]) == want
    assert anthropic_fold(events) == message["content"]  # the stream builds the same message
    assert events[-2][1]["delta"]["stop_reason"] == message["stop_reason"]
    assert events[-2][1]["usage"]["output_tokens"] == message["usage"]["output_tokens"]
    assert message["stop_reason"] == ("tool_use" if want.calls else "end_turn")
    if not any(b["type"] == "thinking" for b in message["content"]):
        # The 2024 spec knows no thinking blocks; everything without them must pass it too.
        anthropic_official("Message").validate(message)
        for name, data in events:
            if name != "ping":
                anthropic_official("MessageStreamEvent").validate(data)
    if thinking and want.reasoning:
        stop = names.index("content_block_stop")
        assert events[stop - 1][1]["delta"]["type"] == "signature_delta"


# ---- Gemini -------------------------------------------------------------------------------
def gemini_read(parts: list[dict[str, Any]]) -> Rendered:
    thoughts = [p["text"] for p in parts if p.get("thought")]
    return Rendered(
        "".join(p["text"] for p in parts if "text" in p and not p.get("thought")),
        tuple((p["functionCall"]["name"], p["functionCall"]["args"]) for p in parts if "functionCall" in p),
        "".join(thoughts) if thoughts else None,
    )


def gemini_render(server: MockServer, key: str, body: dict[str, Any], fixture: str) -> tuple[dict, list]:
    headers = {"x-goog-api-key": key}
    base = f"/gemini/v1beta/models/{GEMINI_MODEL}"
    plain = post(server, f"{base}:generateContent", body, headers, fixture)
    streamed = post(server, f"{base}:streamGenerateContent?alt=sse", body, headers, fixture)
    return plain.json(), sse(streamed, "\r\n")


def check_gemini(response: dict, events: list, want: Rendered) -> None:
    assert SCHEMAS.violations("gemini/response", response) == []
    [candidate] = response["candidates"]
    assert gemini_read(candidate["content"]["parts"]) == want
    assert candidate["finishReason"] == "STOP"
    chunks = [data for _, data in events]
    for chunk in chunks:
        assert SCHEMAS.violations("gemini/stream_event", chunk) == []
    parts = [p for chunk in chunks for p in chunk["candidates"][0]["content"].get("parts", [])]
    assert gemini_read(parts) == want
    finishes = [c["candidates"][0].get("finishReason") for c in chunks]
    assert finishes == [None] * (len(chunks) - 1) + ["STOP"]
    assert chunks[-1]["usageMetadata"] == response["usageMetadata"]  # cumulative: the last is the total


# ---- Responses ----------------------------------------------------------------------------
def responses_read(output: list[dict[str, Any]]) -> Rendered:
    summaries = [s["text"] for item in output if item["type"] == "reasoning" for s in item["summary"]]
    return Rendered(
        "".join(p["text"] for item in output if item["type"] == "message" for p in item["content"]),
        tuple((i["name"], json.loads(i["arguments"])) for i in output if i["type"] == "function_call"),
        "".join(summaries) if summaries else None,
    )


def responses_render(server: MockServer, key: str, body: dict[str, Any], fixture: str) -> tuple[dict, list]:
    headers = {"Authorization": f"Bearer {key}"}
    plain = post(server, "/openai/v1/responses", body, headers, fixture)
    streamed = post(server, "/openai/v1/responses", {**body, "stream": True}, headers, fixture)
    return plain.json(), sse(streamed)


def responses_fold(events: list[tuple[str | None, dict[str, Any]]]) -> Rendered:
    """Text, arguments and summary as the deltas spell them."""
    deltas: dict[str, str] = {}
    names: dict[str, str] = {}
    for _, data in events:
        kind = data["type"]
        if kind == "response.output_item.added" and data["item"]["type"] == "function_call":
            names[data["item"]["id"]] = data["item"]["name"]
        elif kind.endswith(".delta"):
            deltas[f"{kind}/{data['item_id']}"] = deltas.get(f"{kind}/{data['item_id']}", "") + data["delta"]
    text = "".join(v for k, v in deltas.items() if k.startswith("response.output_text.delta/"))
    summary = "".join(v for k, v in deltas.items() if k.startswith("response.reasoning_summary_text.delta/"))
    calls = tuple(
        (names[k.split("/")[1]], json.loads(v))
        for k, v in deltas.items()
        if k.startswith("response.function_call_arguments.delta/")
    )
    return Rendered(text, calls, summary or None)


def check_responses(response: dict, events: list, summary: bool, fixture: dict, want: Rendered) -> None:
    assert SCHEMAS.violations("responses/response", response) == []
    openai_official("Response").validate(response)
    assert response["status"] == "completed" and responses_read(response["output"]) == want
    for name, data in events:
        assert name == data["type"]
        assert SCHEMAS.violations("responses/stream_event", data) == []
        openai_official("ResponseStreamEvent").validate(data)
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    assert events[0][0] == "response.created" and events[-1][0] == "response.completed"
    final = events[-1][1]["response"]
    assert responses_read(final["output"]) == want and responses_fold(events) == want
    assert [d["item"] for n, d in events if n == "response.output_item.done"] == final["output"]
    reasoning_items = [i for i in response["output"] if i["type"] == "reasoning"]
    has_reasoning = bool(expected(fixture, True).reasoning)
    # A reasoning item is there whenever the model reasoned; its text only when asked for.
    assert len(reasoning_items) == has_reasoning
    if has_reasoning and not summary:
        assert reasoning_items[0]["summary"] == []
    if has_reasoning:
        assert response["usage"]["output_tokens_details"]["reasoning_tokens"] > 0


# ---- every fixture x dialect x reasoning switch ---------------------------------------------
DIALECTS = {"anthropic": "anthropic", "gemini": "gemini", "responses": "openai"}  # id -> dialect name
CASES = [
    (fixture, api, shown)
    for fixture in BUNDLED
    for api, dialect in DIALECTS.items()
    if answers(fixture, dialect)
    for shown in (True, False)
]


@pytest.mark.parametrize(
    ("fixture", "api", "shown"),
    CASES,
    ids=[f"{f['id']}-{api}-{'reasoning' if shown else 'plain'}" for f, api, shown in CASES],
)
def test_fixture_renders_valid_bodies_and_events(server, key, fixture, api: str, shown: bool):
    ask, want = ask_for(fixture), expected(fixture, shown)
    if api == "anthropic":
        message, events = anthropic_render(server, key, anthropic_request(ask, shown), fixture["id"])
        check_anthropic(message, events, shown, want)
    elif api == "gemini":
        response, events = gemini_render(server, key, gemini_request(ask, shown), fixture["id"])
        check_gemini(response, events, want)
    else:
        response, events = responses_render(server, key, responses_request(ask, shown), fixture["id"])
        check_responses(response, events, shown, fixture, want)


# ---- the same answer everywhere -------------------------------------------------------------
def chat_read(family_name: str, body: dict[str, Any]) -> Rendered:
    message = (body["data"] if family_name == "wrapped" else body)["choices"][0]["message"]
    calls = tuple(
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or ()
    )
    field = CHAT_REASONING.get(family_name)
    return Rendered(message.get("content") or "", calls, message.get(field) if field else None)


def every_rendering(server: MockServer, key: str, fixture: dict[str, Any]) -> dict[str, Rendered]:
    """dialect -> what it made of the fixture, with reasoning shown wherever it can be."""
    ask = ask_for(fixture)
    seen: dict[str, Rendered] = {}
    if answers(fixture, "anthropic"):
        headers = {"x-api-key": key, "anthropic-version": VERSION}
        body = post(
            server, "/anthropic/v1/messages", anthropic_request(ask, True), headers, fixture["id"]
        ).json()
        seen["anthropic"] = anthropic_read(body["content"])
    if answers(fixture, "gemini"):
        path = f"/gemini/v1beta/models/{GEMINI_MODEL}:generateContent"
        body = post(server, path, gemini_request(ask, True), {"x-goog-api-key": key}, fixture["id"]).json()
        seen["gemini"] = gemini_read(body["candidates"][0]["content"]["parts"])
    if answers(fixture, "openai"):
        headers = {"Authorization": f"Bearer {key}"}
        body = post(
            server, "/openai/v1/responses", responses_request(ask, True), headers, fixture["id"]
        ).json()
        seen["responses"] = responses_read(body["output"])
    for family in FAMILY:
        if answers(fixture, family.name):
            path = family.chat_url(server).removeprefix(server.url)
            body = post(server, path, chat_request(ask), family.auth_headers(key), fixture["id"]).json()
            seen[f"chat:{family.name}"] = chat_read(family.name, body)
    return seen


SHARED = [f for f in BUNDLED if dialects_of(f) is None]  # fixtures restricted to dialects: skipped


@pytest.mark.parametrize("fixture", SHARED, ids=[f["id"] for f in SHARED])
def test_same_fixture_same_answer_on_every_dialect(server, key, fixture):
    seen = every_rendering(server, key, fixture)
    assert {"anthropic", "gemini", "responses", "chat:openai", "chat:opeai"} <= set(seen)
    reasoning_places = {"anthropic", "gemini", "responses"} | {f"chat:{n}" for n in CHAT_REASONING}
    for where, rendered in seen.items():
        assert rendered == expected(fixture, where in reasoning_places), where
    # ...hence equal to each other: text and tool calls everywhere, reasoning wherever it shows.
    assert len({(r.text, json.dumps(r.calls, sort_keys=True)) for r in seen.values()}) == 1
    assert len({seen[w].reasoning for w in reasoning_places}) == 1
