"""The OpenAI Responses API (and its Maisi / MountSea variants) through the official openai SDK.

Every body and stream event is checked against the official spec's `Response` /
`ResponseStreamEvent` schemas and against our schemas/responses/*.schema.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import openai
import pytest
import yaml
from official_spec import official_validator
from rawhttp import post
from sse import named_events

from mocksrv.dialects.openai.responses import OpenAIResponses
from mocksrv.dialects.openai.wire import echo_fields
from mocksrv.errors import MockError
from mocksrv.model import Completion, ErrorKind, Message, Reply, ToolCall, Turn, pieces, usage_for
from mocksrv.schemas import SchemaRegistry
from mocksrv.testing import MockServer

HELLO = "Hello! How can I help you today?"
REASONING = "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391."
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
}
LONG_TEXT = " ".join(f"word{i}" for i in range(40)) + "."
SPECIAL = {
    "fixtures": [
        {
            "id": "long",
            "match": {"last_user": {"equals": "long answer please"}},
            "reply": {"content": LONG_TEXT},
        }
    ],
    "scenarios": [
        {"name": "mid", "stream": {"error_after": 3, "error": "server_error"}},
        {"name": "mid-rate", "stream": {"error_after": 5, "error": "rate_limit"}},
        {"name": "limited", "steps": [{"error": "rate_limit", "retry_after": 1}]},
    ],
}


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


@pytest.fixture
def special(make_server, tmp_path: Path) -> MockServer:
    """A server that also loads a long-text fixture and the stream-fault scenarios."""
    (tmp_path / "special.yaml").write_text(yaml.safe_dump(SPECIAL))
    return make_server(fixture_dirs=(Path(__file__).parents[1] / "data" / "fixtures", tmp_path))


def client(server: MockServer, key: str, base: str = "/openai/v1", **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + base, api_key=key, max_retries=0, **options)


def check_body(body: dict, registry: SchemaRegistry) -> None:
    official_validator("Response").validate(body)
    assert registry.violations("responses/response", body) == []


def check_event(event: dict, registry: SchemaRegistry) -> None:
    official_validator("ResponseStreamEvent").validate(event)
    assert registry.violations("responses/stream_event", event) == []


def create_json(server: MockServer, key: str, registry: SchemaRegistry, **params: Any) -> dict:
    """The raw JSON of a non-streamed response, validated; the SDK must parse it too."""
    raw = client(server, key).responses.with_raw_response.create(**params)
    body = raw.http_response.json()
    check_body(body, registry)
    assert raw.parse().id == body["id"]
    return body


def sse_events(payload: bytes) -> list[tuple[str, dict]]:
    """(event name, data) of a Responses stream, asserting the framing of every event."""
    return named_events(payload)


def raw_stream(
    server: MockServer, key: str, base: str = "/openai/v1", headers: dict | None = None, **body: Any
):
    response = post(
        f"{server.url}{base}/responses",
        json={"stream": True, **body},
        headers={"Authorization": f"Bearer {key}", **(headers or {})},
    )
    assert response.status == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return sse_events(response.body)


# ---- non-streaming ---------------------------------------------------------------------------
def test_create_reproduces_the_fixture(server, key, registry):
    body = create_json(server, key, registry, model="gpt-4.1", input="Hello!")
    assert body["id"].startswith("resp_") and body["object"] == "response"
    assert body["status"] == "completed" and body["error"] is None and body["incomplete_details"] is None
    [message] = body["output"]
    assert message["id"].startswith("msg_") and message["status"] == "completed"
    assert message["content"] == [{"type": "output_text", "annotations": [], "logprobs": [], "text": HELLO}]
    usage = body["usage"]
    assert usage["output_tokens"] == 7 and usage["total_tokens"] == usage["input_tokens"] + 7
    response = client(server, key).responses.create(model="gpt-4.1", input="Hello!")
    assert response.output_text == HELLO


def test_request_settings_are_echoed(server, key, registry):
    body = create_json(
        server,
        key,
        registry,
        model="gpt-4.1",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "Hello!"}]}],
        instructions="Be brief.",
        temperature=0.5,
        top_p=0.9,
        metadata={"run": "42"},
        store=False,
        max_output_tokens=100,
    )
    assert body["instructions"] == "Be brief." and body["temperature"] == 0.5 and body["top_p"] == 0.9
    assert body["metadata"] == {"run": "42"} and body["store"] is False and body["max_output_tokens"] == 100
    assert body["output"][0]["content"][0]["text"] == HELLO


def test_function_call(server, key, registry):
    body = create_json(
        server, key, registry, model="gpt-4.1", input="What's the weather in Paris?", tools=[WEATHER_TOOL]
    )
    [call] = body["output"]
    assert call["type"] == "function_call" and call["name"] == "get_weather" and call["status"] == "completed"
    assert call["id"].startswith("fc_") and call["call_id"].startswith("call_")
    assert json.loads(call["arguments"]) == {"city": "Paris", "unit": "celsius"}
    assert body["tools"][0]["name"] == "get_weather" and body["tools"][0]["strict"] is True


def test_function_call_output_gets_the_answer(server, key, registry):
    first = client(server, key).responses.create(
        model="gpt-4.1", input="What's the weather in Paris?", tools=[WEATHER_TOOL]
    )
    call = first.output[0]
    follow_up = [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 18}'},
    ]
    body = create_json(server, key, registry, model="gpt-4.1", input=follow_up, tools=[WEATHER_TOOL])
    assert body["output"][0]["content"][0]["text"] == "It is 18 °C and sunny in Paris."


def test_message_then_several_calls(server, key, registry):
    body = create_json(server, key, registry, model="gpt-4.1", input="two tools please", tools=[WEATHER_TOOL])
    assert [item["type"] for item in body["output"]] == ["message", "function_call", "function_call"]
    assert [item["name"] for item in body["output"][1:]] == ["get_weather", "get_time"]
    assert len({item["id"] for item in body["output"]}) == 3


def test_reasoning_summary_when_requested(server, key, registry):
    params = {
        "model": "o3-mini",
        "input": "What is 17 * 23?",
        "reasoning": {"effort": "low", "summary": "auto"},
    }
    body = create_json(server, key, registry, **params)
    reasoning, message = body["output"]
    assert reasoning["type"] == "reasoning" and reasoning["id"].startswith("rs_")
    assert reasoning["summary"] == [{"type": "summary_text", "text": REASONING}]
    assert message["content"][0]["text"] == "17 * 23 = 391."
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] == 17
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}


def test_reasoning_without_summary_shows_no_text(server, key, registry):
    body = create_json(
        server, key, registry, model="o3-mini", input="What is 17 * 23?", reasoning={"effort": "low"}
    )
    assert body["output"][0]["type"] == "reasoning" and body["output"][0]["summary"] == []
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] == 17


def test_json_schema_output_is_valid(server, key, registry):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    text = {"format": {"type": "json_schema", "name": "person", "schema": schema, "strict": True}}
    body = create_json(
        server, key, registry, model="gpt-4.1", input="Describe a person (json-schema test)", text=text
    )
    jsonschema.validate(json.loads(body["output"][0]["content"][0]["text"]), schema)
    assert body["text"]["format"]["name"] == "person"


def test_max_output_tokens_gives_incomplete(special, key, registry):
    body = create_json(
        special, key, registry, model="gpt-4.1", input="long answer please", max_output_tokens=16
    )
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["usage"]["output_tokens"] == 16 and body["output"][0]["status"] == "incomplete"
    assert body["output"][0]["content"][0]["text"] == " ".join(LONG_TEXT.split()[:16])


# ---- streaming -------------------------------------------------------------------------------
def test_stream_final_response_equals_create(server, key):
    openai_client = client(server, key)
    created = openai_client.responses.create(model="gpt-4.1", input="Hello!")
    with openai_client.responses.stream(model="gpt-4.1", input="Hello!") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == created.output_text == HELLO
    assert len(deltas) == 7
    assert final.usage == created.usage


def test_stream_function_call_arguments(server, key):
    params = {"model": "gpt-4.1", "input": "What's the weather in Paris?", "tools": [WEATHER_TOOL]}
    with client(server, key).responses.stream(**params) as stream:
        deltas = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()
    [call] = final.output
    assert len(deltas) > 1 and "".join(deltas) == call.arguments
    assert json.loads(call.arguments) == {"city": "Paris", "unit": "celsius"}


def test_stream_reasoning_summary(server, key):
    params = {
        "model": "o3-mini",
        "input": "What is 17 * 23?",
        "reasoning": {"effort": "low", "summary": "auto"},
    }
    with client(server, key).responses.stream(**params) as stream:
        deltas = [e.delta for e in stream if e.type == "response.reasoning_summary_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == REASONING == final.output[0].summary[0].text
    assert final.output_text == "17 * 23 = 391."


STREAM_CASES = {
    "text": {"model": "gpt-4.1", "input": "Hello!"},
    "tool": {"model": "gpt-4.1", "input": "What's the weather in Paris?", "tools": [WEATHER_TOOL]},
    "message+tools": {"model": "gpt-4.1", "input": "two tools please", "tools": [WEATHER_TOOL]},
    "reasoning": {"model": "o3-mini", "input": "What is 17 * 23?", "reasoning": {"summary": "detailed"}},
    "json": {"model": "gpt-4.1", "input": "json please", "text": {"format": {"type": "json_object"}}},
}


@pytest.mark.parametrize("case", list(STREAM_CASES))
def test_raw_stream_framing_and_schemas(server, key, registry, case):
    events = raw_stream(server, key, **STREAM_CASES[case])
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    for name, data in events:
        assert name == data["type"]
        check_event(data, registry)
    assert events[0][0] == "response.created" and events[0][1]["response"]["status"] == "in_progress"
    assert events[0][1]["response"]["output"] == [] and events[1][0] == "response.in_progress"
    assert events[-1][0] == "response.completed"
    final = events[-1][1]["response"]
    assert final["usage"] is not None and final["output"]
    done = [data["item"] for name, data in events if name == "response.output_item.done"]
    assert done == final["output"]
    assert {data["response"]["id"] for name, data in events if "response" in data} == {final["id"]}


def test_stream_incomplete_ends_with_response_incomplete(special, key, registry):
    events = raw_stream(special, key, model="gpt-4.1", input="long answer please", max_output_tokens=16)
    for _, data in events:
        check_event(data, registry)
    name, data = events[-1]
    assert (
        name == "response.incomplete"
        and data["response"]["incomplete_details"]["reason"] == "max_output_tokens"
    )


@pytest.mark.parametrize(
    ("scenario", "after", "code"), [("mid", 3, "server_error"), ("mid-rate", 5, "rate_limit_exceeded")]
)
def test_mid_stream_error_is_response_failed(special, key, registry, scenario, after, code):
    events = raw_stream(special, key, headers={"X-Mock-Scenario": scenario}, model="gpt-4.1", input="Hello!")
    assert len(events) == after + 1
    assert [data["sequence_number"] for _, data in events] == list(range(after + 1))
    for _, data in events:
        check_event(data, registry)
    name, data = events[-1]
    assert name == "response.failed" and data["response"]["status"] == "failed"
    assert (
        data["response"]["error"]["code"] == code and data["response"]["id"] == events[0][1]["response"]["id"]
    )


def test_mid_stream_error_through_the_sdk(special, key):
    sdk = client(special, key, default_headers={"X-Mock-Scenario": "mid"})
    with sdk.responses.stream(model="gpt-4.1", input="Hello!") as stream:
        events = list(stream)
        assert events[-1].type == "response.failed" and events[-1].response.error.code == "server_error"
        with pytest.raises(RuntimeError):
            stream.get_final_response()


# ---- errors ----------------------------------------------------------------------------------
def test_errors_use_the_openai_envelope(server, special, key, registry):
    missing = post(f"{server.url}/openai/v1/responses", json={"model": "gpt-4.1", "input": "x"})
    assert missing.status == 401 and "You didn't provide an API key" in missing.json()["error"]["message"]
    with pytest.raises(openai.BadRequestError) as bad:
        client(server, key).responses.create(model="gpt-4.1", input="Hello!", max_output_tokens=10)
    assert bad.value.param == "max_output_tokens" and bad.value.type == "invalid_request_error"
    assert registry.violations("responses/error", bad.value.response.json()) == []
    with pytest.raises(openai.RateLimitError) as limited:
        client(special, key, default_headers={"X-Mock-Scenario": "limited"}).responses.create(
            model="m", input="x"
        )
    assert limited.value.response.headers["retry-after"] == "1"
    assert limited.value.code == "rate_limit_exceeded"


def test_bad_input_item_names_the_field(server, key):
    with pytest.raises(openai.BadRequestError) as bad:
        client(server, key).responses.create(model="gpt-4.1", input=[{"role": "robot", "content": "hi"}])
    assert bad.value.param is not None and bad.value.param.startswith("input") and "role" in bad.value.param


# ---- variants --------------------------------------------------------------------------------
def test_mountsea_sdk_path_and_documented_path(server, key, registry):
    response = client(server, key, "/mountsea/chat").responses.create(model="gpt-5.1", input="Hello!")
    assert response.output_text == HELLO
    raw = post(
        f"{server.url}/mountsea/chat/v1/responses",
        json={"model": "gpt-5.1", "input": "Hello!"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert raw.status == 200
    check_body(raw.json(), registry)
    assert raw.json()["output"][0]["content"][0]["text"] == HELLO


def test_maisi_responses_with_bearer(server, key, registry):
    response = client(server, key, "/maisi/v1").responses.create(model="gpt-4.1", input="Hello!")
    assert response.output_text == HELLO
    events = raw_stream(server, key, "/maisi/v1", model="gpt-4.1", input="Hello!")
    assert events[-1][0] == "response.completed"
    unauthenticated = post(f"{server.url}/maisi/v1/responses", json={"model": "gpt-4.1", "input": "Hello!"})
    assert unauthenticated.status == 401
    assert registry.violations("responses/error", unauthenticated.json()) == []


# ---- the dialect's pure functions ------------------------------------------------------------
def test_generated_text_events_are_content_events_and_errors_are_numbered():
    """Pacing applies to text, summary and argument deltas; the failed event continues the count."""
    reply = Reply("Hello there friend", "think hard", (ToolCall("call_1", "f", '{"a": 1}'),), "tool_calls")
    turn = Turn(
        "openai", "m", (Message("user", "hi"),), show_reasoning=True, extras={"echo": echo_fields({})}
    )
    completion = Completion("abc", 1, "m", (reply,), usage_for(turn, (reply,)))
    dialect = OpenAIResponses()
    events = list(dialect.render_stream(completion, turn))
    paced = [json.loads(e.data)["type"] for e in events if e.content]
    assert paced.count("response.output_text.delta") == 3
    assert paced.count("response.reasoning_summary_text.delta") == 2
    assert paced.count("response.function_call_arguments.delta") == len(pieces('{"a": 1}'))
    assert [e.terminal for e in events].index(True) == len(events) - 1
    failed = dialect.stream_error_event(MockError(ErrorKind.OVERLOADED), "req_1", completion, turn, 4)
    data = json.loads(failed.data)
    assert failed.event == data["type"] == "response.failed" and data["sequence_number"] == 4
    assert data["response"]["id"] == json.loads(events[0].data)["response"]["id"]
