"""Generated structured output and tool arguments on every dialect route: valid against the
schemas client libraries send (issue 17 §1), and bounded, with the dialect's length finish
(issue 16 item 1)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic
import openai
import pytest
import rawhttp
from google import genai
from google.genai import types
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for
from openai_family import FAMILY, FAMILY_IDS, Family, create_json
from schema_corpus import GEMINI_SCHEMA, Address, Chain, Node, Owner, Person, Weather, corpus

from mocksrv.schema_gen import as_json_schema

PROMPT = "Fill in the form, please."
GEMINI_MODEL = "gemini-2.0-flash"


def errors(schema: Any, value: Any) -> list[str]:
    schema = as_json_schema(schema)
    cls = validator_for(schema, default=Draft202012Validator)
    return [e.message for e in cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(value)]


@dataclass(frozen=True)
class Route:
    """How one dialect asks for structured output or a tool call, and where the answer is."""

    path: str
    headers: Callable[[str], dict[str, str]]
    output_body: Callable[[dict, str], dict]
    output_of: Callable[[dict], str]
    tool_body: Callable[[dict], dict]
    arguments_of: Callable[[dict], Any]
    finish_of: Callable[[dict], Any]
    length: Any  # the finish a cut answer reports


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _anthropic_headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": "2023-06-01"}


def _gemini_parts(body: dict) -> list[dict]:
    return body["candidates"][0]["content"]["parts"]


ROUTES = {
    "openai-chat": Route(
        "/openai/v1/chat/completions",
        _bearer,
        lambda schema, name: {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": PROMPT}],
            "response_format": {"type": "json_schema", "json_schema": {"name": name, "schema": schema}},
        },
        lambda body: body["choices"][0]["message"]["content"],
        lambda schema: {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": PROMPT}],
            "tools": [{"type": "function", "function": {"name": "fill", "parameters": schema}}],
        },
        lambda body: json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]),
        lambda body: body["choices"][0]["finish_reason"],
        "length",
    ),
    "openai-responses": Route(
        "/openai/v1/responses",
        _bearer,
        lambda schema, name: {
            "model": "gpt-4o",
            "input": PROMPT,
            "text": {"format": {"type": "json_schema", "name": name, "schema": schema}},
        },
        lambda body: body["output"][-1]["content"][0]["text"],
        lambda schema: {
            "model": "gpt-4o",
            "input": PROMPT,
            "tools": [{"type": "function", "name": "fill", "parameters": schema}],
        },
        lambda body: json.loads(next(o for o in body["output"] if o["type"] == "function_call")["arguments"]),
        lambda body: (body["status"], (body.get("incomplete_details") or {}).get("reason")),
        ("incomplete", "max_output_tokens"),
    ),
    "anthropic": Route(
        "/anthropic/v1/messages",
        _anthropic_headers,
        lambda schema, name: {
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "messages": [{"role": "user", "content": PROMPT}],
            "output_format": {"type": "json_schema", "schema": schema},
        },
        lambda body: body["content"][-1]["text"],
        lambda schema: {
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "messages": [{"role": "user", "content": PROMPT}],
            "tools": [{"name": "fill", "input_schema": schema}],
        },
        lambda body: next(b for b in body["content"] if b["type"] == "tool_use")["input"],
        lambda body: body["stop_reason"],
        "max_tokens",
    ),
    "gemini": Route(
        f"/gemini/v1beta/models/{GEMINI_MODEL}:generateContent",
        lambda key: {"x-goog-api-key": key},
        lambda schema, name: {
            "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
            "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema},
        },
        lambda body: "".join(p.get("text", "") for p in _gemini_parts(body)),
        lambda schema: {
            "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
            "tools": [{"functionDeclarations": [{"name": "fill", "parametersJsonSchema": schema}]}],
        },
        lambda body: next(p for p in _gemini_parts(body) if "functionCall" in p)["functionCall"]["args"],
        lambda body: body["candidates"][0]["finishReason"],
        "MAX_TOKENS",
    ),
}


def post(server, route: Route, key: str, body: dict) -> rawhttp.RawResponse:
    return rawhttp.post(server.url + route.path, json=body, headers=route.headers(key))


@pytest.mark.parametrize("dialect", sorted(ROUTES))
@pytest.mark.parametrize("name", sorted(corpus()))
def test_structured_output_is_valid(server, key: str, dialect: str, name: str) -> None:
    route, schema = ROUTES[dialect], corpus()[name]
    for variant in range(3):  # another prompt, another seed
        body = route.output_body(schema, name)
        response = post(server, route, f"{key}-{variant}", _vary(body, variant))
        assert response.status == 200, response.text
        answer = json.loads(route.output_of(response.json()))
        assert errors(schema, answer) == [], answer


@pytest.mark.parametrize("dialect", sorted(ROUTES))
@pytest.mark.parametrize("name", sorted(corpus()))
def test_tool_arguments_are_valid(server, key: str, dialect: str, name: str) -> None:
    route, schema = ROUTES[dialect], corpus()[name]
    for variant in range(3):
        response = post(server, route, key, _vary(route.tool_body(schema), variant))
        assert response.status == 200, response.text
        arguments = route.arguments_of(response.json())
        assert errors(schema, arguments) == [], arguments


def _vary(body: dict, variant: int) -> dict:
    """The same request with another prompt: another conversation, so another generated value."""
    text = json.dumps(body).replace(PROMPT, f"{PROMPT} ({variant})")
    return json.loads(text)


def test_gemini_openapi_response_schema(server, key: str) -> None:
    route = ROUTES["gemini"]
    body = route.output_body({}, "")
    body["generationConfig"] = {"responseMimeType": "application/json", "responseSchema": GEMINI_SCHEMA}
    answer = json.loads(route.output_of(post(server, route, key, body).json()))
    assert errors(GEMINI_SCHEMA, answer) == [] and len(answer["ratings"]) >= 2


def test_issue_reproduction_nested_ref_is_an_object_with_an_integer(server, key: str) -> None:
    schema = {
        "type": "object",
        "$defs": {
            "C": {
                "type": "object",
                "properties": {"n": {"type": "integer"}},
                "required": ["n"],
                "additionalProperties": False,
            }
        },
        "properties": {"c": {"$ref": "#/$defs/C"}},
        "required": ["c"],
        "additionalProperties": False,
    }
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "x"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "o", "strict": True, "schema": schema},
        },
    }
    response = post(server, ROUTES["openai-chat"], key, body)
    content = json.loads(response.json()["choices"][0]["message"]["content"])
    assert isinstance(content["c"], dict) and isinstance(content["c"]["n"], int)


def test_same_request_same_answer(server, key: str) -> None:
    route = ROUTES["openai-chat"]
    body = route.output_body(corpus()["Person"], "person")
    first, second = (post(server, route, key, body).json() for _ in range(2))
    assert route.output_of(first) == route.output_of(second)


# ---- official SDKs ------------------------------------------------------------------------------
def test_openai_chat_parse_with_pydantic_models(server, key: str) -> None:
    client = openai.OpenAI(base_url=server.url + "/openai/v1", api_key=key, max_retries=0)
    for model in (Person, Node, Chain, Owner):
        completion = client.chat.completions.parse(
            model="gpt-4o", messages=[{"role": "user", "content": PROMPT}], response_format=model
        )
        assert isinstance(completion.choices[0].message.parsed, model)


def test_openai_parse_tool_arguments(server, key: str) -> None:
    client = openai.OpenAI(base_url=server.url + "/openai/v1", api_key=key, max_retries=0)
    completion = client.chat.completions.parse(
        model="gpt-4o",
        messages=[{"role": "user", "content": PROMPT}],
        tools=[openai.pydantic_function_tool(Weather), openai.pydantic_function_tool(Owner)],
        tool_choice={"type": "function", "function": {"name": "Owner"}},
    )
    assert isinstance(completion.choices[0].message.tool_calls[0].function.parsed_arguments, Owner)


def test_openai_responses_parse(server, key: str) -> None:
    client = openai.OpenAI(base_url=server.url + "/openai/v1", api_key=key, max_retries=0)
    for model in (Person, Owner, Node):
        response = client.responses.parse(model="gpt-4o", input=PROMPT, text_format=model)
        assert isinstance(response.output_parsed, model)


def test_anthropic_tool_input_and_structured_output(server, key: str) -> None:
    client = anthropic.Anthropic(base_url=server.url + "/anthropic", api_key=key, max_retries=0)
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": PROMPT}],
        tools=[{"name": "owner", "input_schema": Owner.model_json_schema()}],
    )
    call = next(b for b in message.content if b.type == "tool_use")
    Owner.model_validate(call.input)
    # The SDK moves the constraints its structured outputs do not support (pattern, bounds) into
    # descriptions, so only models without them can be checked here.
    for model in (Owner, Node, Chain):
        parsed = client.messages.parse(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": PROMPT}],
            output_format=model,
        )
        assert isinstance(parsed.parsed_output, model)


def test_google_genai_response_schema(server, key: str) -> None:
    options = types.HttpOptions(base_url=server.url + "/gemini")
    client = genai.Client(api_key=key, http_options=options)
    # The SDK refuses discriminated unions and drops recursive item schemas (children: [{}]).
    for model in (Weather, Chain, Address):
        response = client.models.generate_content(
            model=GEMINI_MODEL,
            contents=PROMPT,
            config={"response_mime_type": "application/json", "response_schema": model},
        )
        assert isinstance(response.parsed, model), response.text
    response = client.models.generate_content(
        model=GEMINI_MODEL,
        contents=PROMPT,
        config={"response_mime_type": "application/json", "response_json_schema": Person.model_json_schema()},
    )
    Person.model_validate_json(response.text)


# ---- bounds (issue 16 item 1) -----------------------------------------------------------------
HUGE_STRING = {"type": "string", "minLength": 1_000_000}
HUGE_ARRAY = {
    "type": "object",
    "properties": {"a": {"type": "array", "minItems": 3_000_000, "items": {"type": "integer"}}},
    "required": ["a"],
}


def test_n_times_a_huge_string_is_bounded(server, key: str) -> None:
    body = {
        "model": "gpt-4o",
        "n": 128,
        "messages": [{"role": "user", "content": "x"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": HUGE_STRING}},
    }
    response = post(server, ROUTES["openai-chat"], key, body)
    assert response.status == 200
    assert len(response.body) < 2 * 1024 * 1024  # 122 MB before
    choices = response.json()["choices"]
    assert len(choices) == 128 and {c["finish_reason"] for c in choices} == {"length"}


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_a_huge_answer_ends_with_the_length_finish(server, key: str, dialect: str) -> None:
    route = ROUTES[dialect]
    response = post(server, route, key, route.output_body(HUGE_STRING, "o"))
    assert response.status == 200, response.text
    assert route.finish_of(response.json()) == route.length
    text = route.output_of(response.json())
    assert 1000 < len(text) <= 256 * 1024 and text.startswith('"')  # cut mid-way, as a model is


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_max_tokens_bounds_a_schema_answer(server, key: str, dialect: str) -> None:
    route = ROUTES[dialect]
    body = route.output_body(HUGE_STRING, "o")
    if dialect == "openai-chat":
        body["max_completion_tokens"] = 20
    elif dialect == "openai-responses":
        body["max_output_tokens"] = 20
    elif dialect == "anthropic":
        body["max_tokens"] = 20
    else:
        body["generationConfig"]["maxOutputTokens"] = 20
    response = post(server, route, key, body)
    assert route.finish_of(response.json()) == route.length
    assert len(route.output_of(response.json())) <= 20 * 16


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_a_huge_tool_array_is_bounded_in_time(server, key: str, dialect: str) -> None:
    route = ROUTES[dialect]
    started = time.perf_counter()
    response = post(server, route, key, route.tool_body(HUGE_ARRAY))
    assert time.perf_counter() - started < 1.0  # 3 s of blocked loop before
    assert response.status == 200 and len(response.body) < 300_000
    assert route.finish_of(response.json()) == route.length


INVALID = {"type": "object", "properties": {"a": {"type": "array", "minItems": "many"}}}


@pytest.mark.parametrize("dialect", sorted(ROUTES))
@pytest.mark.parametrize("where", ["output", "tool"])
def test_an_invalid_schema_is_a_400_in_the_dialects_envelope(server, key: str, dialect: str, where: str):
    route = ROUTES[dialect]
    body = route.output_body(INVALID, "answer") if where == "output" else route.tool_body(INVALID)
    response = post(server, route, key, body)
    assert response.status == 400, response.text
    message = response.json()["error"]["message"]
    expected = "response_format 'answer'" if where == "output" else "function 'fill'"
    if dialect not in ("openai-chat", "openai-responses") and where == "output":
        expected = "response_format"
    assert message.startswith(f"Invalid schema for {expected}") and "minItems" in message
    if dialect == "anthropic":
        assert response.json()["type"] == "error"
        assert response.json()["error"]["type"] == "invalid_request_error"
    if dialect == "gemini":
        assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_openai_sdk_sees_the_invalid_schema_as_bad_request(server, key: str) -> None:
    client = openai.OpenAI(base_url=server.url + "/openai/v1", api_key=key, max_retries=0)
    with pytest.raises(openai.BadRequestError, match="Invalid schema for response_format 'o'"):
        client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "x"}],
            response_format={"type": "json_schema", "json_schema": {"name": "o", "schema": INVALID}},
        )


def test_a_cut_answer_streams_with_the_length_finish(server, key: str) -> None:
    client = openai.OpenAI(base_url=server.url + "/openai/v1", api_key=key, max_retries=0)
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "x"}],
        response_format={"type": "json_schema", "json_schema": {"name": "o", "schema": HUGE_STRING}},
        stream=True,
    )
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "length"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert 1000 < len(text) <= 256 * 1024
    claude = anthropic.Anthropic(base_url=server.url + "/anthropic", api_key=key, max_retries=0)
    with claude.messages.stream(
        model="claude-sonnet-4-5",
        max_tokens=100,
        messages=[{"role": "user", "content": "x"}],
        tools=[{"name": "fill", "input_schema": HUGE_ARRAY}],
    ) as events:
        final = events.get_final_message()
    assert final.stop_reason == "max_tokens"


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_openai_compatible_gateways(server, key: str, family: Family) -> None:
    """The seed gateways answer structured output and tool calls the same way, and bound them."""
    client = family.client(server, key)
    schema = corpus()["Owner"]
    body = create_json(
        family,
        client,
        model="gpt-4o",
        messages=[{"role": "user", "content": PROMPT}],
        response_format={"type": "json_schema", "json_schema": {"name": "owner", "schema": schema}},
    )
    assert errors(schema, json.loads(body["choices"][0]["message"]["content"])) == []
    body = create_json(
        family,
        client,
        model="gpt-4o",
        messages=[{"role": "user", "content": PROMPT}],
        tools=[{"type": "function", "function": {"name": "fill", "parameters": corpus()["Node"]}}],
    )
    arguments = json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert errors(corpus()["Node"], arguments) == []
    body = create_json(
        family,
        client,
        model="gpt-4o",
        messages=[{"role": "user", "content": PROMPT}],
        response_format={"type": "json_schema", "json_schema": {"name": "o", "schema": HUGE_STRING}},
    )
    assert body["choices"][0]["finish_reason"] == "length"
