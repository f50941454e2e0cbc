"""The official openai SDK against every OpenAI-compatible dialect, as a user would call them."""

from __future__ import annotations

import json

import jsonschema
import pytest
import rawhttp
from openai_family import FAMILY, FAMILY_IDS, Family, create_json

from mocksrv.model import pieces
from mocksrv.schemas import SchemaRegistry

HELLO = [{"role": "user", "content": "Hello!"}]
HELLO_REPLY = "Hello! How can I help you today?"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
WEATHER_ASK = [{"role": "user", "content": "What's the weather in Paris?"}]
SCHEMAS = SchemaRegistry()

pytestmark = pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)


def expected_hello(family: Family) -> str:
    return "Hello there! How can I assist you today?" if family.name == "wrapped" else HELLO_REPLY


def test_create_returns_the_fixture(server, key, family: Family):
    client = family.client(server, key)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    body = raw.http_response.json()
    assert SCHEMAS.violations(f"{family.name}/response", body) == []
    message = (body["data"] if family.wrapped else body)["choices"][0]["message"]
    assert message == {**message, "role": "assistant", "content": expected_hello(family)}
    assert raw.http_response.headers["x-mocksrv-fixture"].startswith("seed-")
    if not family.wrapped:
        completion = raw.parse()
        assert completion.choices[0].message.content == expected_hello(family)
        assert completion.choices[0].finish_reason == "stop"
        assert completion.usage.completion_tokens == 7


def test_stream_rebuilds_the_fixture(server, key, family: Family):
    client = family.client(server, key)
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == expected_hello(family)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    roles = [c.choices[0].delta.role for c in chunks if c.choices and c.choices[0].delta.role]
    assert roles == ["assistant"]


def test_stop_sequences_end_the_answer_before_them(server, key, family: Family):
    """`stop`: the text ends before the first stop sequence it holds; finish_reason "stop",
    usage counts what was sent. Streamed the same way."""
    client = family.client(server, key)
    cut = expected_hello(family).split("help")[0] if family.name != "wrapped" else "Hello there! How can I "
    stops = ["today", "help", "assist"]
    body = create_json(family, client, model="gpt-4o", messages=HELLO, stop=stops)
    assert body["choices"][0]["message"]["content"] == cut and body["choices"][0]["finish_reason"] == "stop"
    # "Hello!", " How", " can", " I", " " (wrapped: "Hello", " there!", ...)
    assert body["usage"]["completion_tokens"] == (6 if family.wrapped else 5)
    unmatched = create_json(family, client, model="gpt-4o", messages=HELLO, stop=["zebra"])["choices"][0]
    assert unmatched["message"]["content"] == expected_hello(family)
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=HELLO, stop=stops, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == cut
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == [
        "stop"
    ]


def test_stream_helper_final_completion_is_exact(server, key, family: Family):
    client = family.client(server, key)
    with client.chat.completions.stream(model="gpt-4o", messages=HELLO) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.role == "assistant"
    assert message.content == expected_hello(family)
    assert final.choices[0].finish_reason == "stop"


def test_stream_framing_is_exact(server, key, family: Family):
    body = {"model": "gpt-4o", "messages": HELLO, "stream": True}
    response = rawhttp.post(family.chat_url(server), json=body, headers=family.auth_headers(key))
    assert response.headers["content-type"].startswith("text/event-stream")
    raw = response.text
    assert raw.endswith("data: [DONE]\n\n")
    events = raw.split("\n\n")[:-1]
    assert all(e.startswith("data: ") and "\n" not in e for e in events)
    for event in events[:-1]:
        chunk = json.loads(event.removeprefix("data: "))
        assert "error" not in chunk
        assert SCHEMAS.violations(f"{family.name}/stream_event", chunk) == []


def test_include_usage_adds_a_final_usage_chunk(server, key, family: Family):
    client = family.client(server, key)
    stream = client.chat.completions.create(
        model="gpt-4o", messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    last = chunks[-1]
    words = len(pieces(expected_hello(family)))
    assert last.usage.completion_tokens == words
    assert last.usage.total_tokens == last.usage.prompt_tokens + words
    if family.name == "wuinai":  # its trailing usage chunk keeps one empty choice
        assert len(last.choices) == 1 and last.choices[0].delta.content is None
    else:
        assert last.choices == []
        assert all(c.usage is None for c in chunks[:-1])


def test_n_choices(server, key, family: Family):
    client = family.client(server, key)
    body = create_json(family, client, model="gpt-4o", messages=HELLO, n=2)
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert {c["message"]["content"] for c in body["choices"]} == {expected_hello(family)}
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=HELLO, n=2, stream=True))
    texts = {0: "", 1: ""}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    assert texts == {0: expected_hello(family), 1: expected_hello(family)}


def test_tool_calls(server, key, family: Family):
    client = family.client(server, key)
    body = create_json(family, client, model="gpt-4o", messages=WEATHER_ASK, tools=[WEATHER_TOOL])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris", "unit": "celsius"}
    with client.chat.completions.stream(model="gpt-4o", messages=WEATHER_ASK, tools=[WEATHER_TOOL]) as stream:
        final = stream.get_final_completion()
    streamed = final.choices[0].message.tool_calls[0]
    assert streamed.id == call["id"]  # not doubled by the helper's accumulation
    assert streamed.function.name == "get_weather"
    assert streamed.function.arguments == call["function"]["arguments"]


def test_tool_arguments_stream_as_fragments(server, key, family: Family):
    client = family.client(server, key)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o", messages=WEATHER_ASK, tools=[WEATHER_TOOL], stream=True
        )
    )
    deltas = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(deltas) > 2
    assert deltas[0].id and deltas[0].function.name == "get_weather" and deltas[0].type == "function"
    assert all(d.id is None and d.function.name is None and d.type is None for d in deltas[1:])
    assert json.loads("".join(d.function.arguments for d in deltas)) == {"city": "Paris", "unit": "celsius"}


def test_tool_result_then_answer(server, key, family: Family):
    client = family.client(server, key)
    first = create_json(family, client, model="gpt-4o", messages=WEATHER_ASK, tools=[WEATHER_TOOL])
    call = first["choices"][0]["message"]["tool_calls"][0]
    history = [
        *WEATHER_ASK,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temp": 18}'},
    ]
    second = create_json(family, client, model="gpt-4o", messages=history, tools=[WEATHER_TOOL])
    assert second["choices"][0]["message"]["content"] == "It is 18 °C and sunny in Paris."


def test_json_schema_output_is_valid(server, key, family: Family):
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
        "required": ["name", "age", "tags"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema, "strict": True}}
    client = family.client(server, key)
    ask = [{"role": "user", "content": "Invent a person."}]
    body = create_json(family, client, model="gpt-4o", messages=ask, response_format=fmt)
    jsonschema.validate(json.loads(body["choices"][0]["message"]["content"]), schema)
    with client.chat.completions.stream(model="gpt-4o", messages=ask, response_format=fmt) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == body["choices"][0]["message"]["content"]  # deterministic


def test_json_object_output_is_json(server, key, family: Family):
    client = family.client(server, key)
    ask = [{"role": "user", "content": "Answer in JSON about cats."}]
    body = create_json(family, client, model="gpt-4o", messages=ask, response_format={"type": "json_object"})
    assert isinstance(json.loads(body["choices"][0]["message"]["content"]), dict)


@pytest.mark.parametrize("limit_field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_cuts_with_finish_length(server, key, family: Family, limit_field: str):
    client = family.client(server, key)
    ask = [{"role": "user", "content": "long text please"}]
    body = create_json(family, client, model="gpt-4o", messages=ask, **{limit_field: 3})
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == "One two three"
    assert body["usage"]["completion_tokens"] == 3
    chunks = list(
        client.chat.completions.create(model="gpt-4o", messages=ask, stream=True, **{limit_field: 3})
    )
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["length"]


def test_provider_headers(server, key, family: Family):
    client = family.client(server, key)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    request_id = raw.http_response.headers["x-request-id"]
    assert request_id.startswith("req_") and len(request_id) == 36
    if family.name == "openai":
        headers = raw.http_response.headers
        assert (
            int(headers["x-ratelimit-limit-requests"]) > int(headers["x-ratelimit-remaining-requests"]) >= 0
        )
        assert headers["openai-version"] == "2020-10-01"


def test_generated_reply_is_deterministic(server, key, family: Family):
    client = family.client(server, key)
    ask = [{"role": "user", "content": "Write a haiku about the sea."}]
    first = create_json(family, client, model="gpt-4o", messages=ask)
    second = create_json(family, family.client(server, key + "-other"), model="gpt-4o", messages=ask)
    assert first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"]
    assert len(first["choices"][0]["message"]["content"].split()) >= 3
