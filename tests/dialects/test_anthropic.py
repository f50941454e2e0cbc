"""The Anthropic Messages dialect (and Maisi's copy of it), seen through the official SDK and raw bytes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
import rawhttp
from anthropic_spec import official_validator
from sse import named_events

from mocksrv.config import ServerConfig
from mocksrv.dialects.anthropic.messages import AnthropicMessages
from mocksrv.dialects.anthropic.wire import tool_use_id
from mocksrv.schemas import SchemaRegistry
from mocksrv.testing import MockServer

SCHEMAS = SchemaRegistry()
MODEL = "claude-sonnet-4-5"
VERSION = {"anthropic-version": "2023-06-01"}
HELLO = [{"role": "user", "content": "Hello!"}]
BODY = {"model": MODEL, "max_tokens": 50, "messages": HELLO}
WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]
MATH = [{"role": "user", "content": "What is 17 * 23?"}]
THINKING = {"type": "enabled", "budget_tokens": 1024}
CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
GET_WEATHER = {"name": "get_weather", "description": "Current weather of a city.", "input_schema": CITY}
WEATHER_INPUT = {"city": "Paris", "unit": "celsius"}
REASONING = "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391."
SCENARIOS = """
scenarios:
  - {name: over, steps: [{error: overloaded}]}
  - {name: limited, steps: [{error: rate_limit, retry_after: 2}]}
  - {name: broke, steps: [{error: quota}]}
  - {name: long, steps: [{error: context_length}]}
  - {name: midstream, stream: {error_after: 3, error: overloaded}}
"""


def client(server: MockServer, key: str, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url + "/anthropic", api_key=key, **options)


def post(server: MockServer, key: str, body: dict[str, Any]) -> rawhttp.RawResponse:
    return rawhttp.post(
        server.url + "/anthropic/v1/messages", json=body, headers={"x-api-key": key, **VERSION}
    )


def sse_events(raw: bytes) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data) per event; asserts the framing on the way."""
    return iter(named_events(raw))


def dump(message: Any) -> list[dict[str, Any]]:
    return [block.model_dump(exclude={"parsed_output"}, exclude_none=True) for block in message.content]


@pytest.fixture(scope="module")
def scenario_server(tmp_path_factory) -> Iterator[MockServer]:
    folder = tmp_path_factory.mktemp("anthropic-scenarios")
    (folder / "scenarios.yaml").write_text(SCENARIOS)
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,))) as live:
        yield live


# ---- fixtures reproduced through the SDK -------------------------------------------------
def test_hello_fixture(server, key):
    message = client(server, key).messages.create(model=MODEL, max_tokens=100, messages=HELLO)
    assert [(b.type, b.text) for b in message.content] == [("text", "Hello! How can I help you today?")]
    assert message.stop_reason == "end_turn" and message.model == MODEL
    assert re.fullmatch(r"msg_01[0-9A-Za-z]{22}", message.id)
    assert re.fullmatch(r"req_011C[0-9A-Za-z]{20}", message._request_id)
    assert message.usage.output_tokens == 7 and message.usage.input_tokens > 0


def test_stop_sequences_name_the_one_that_ended_the_text(server, key):
    sdk = client(server, key)
    message = sdk.messages.create(model=MODEL, max_tokens=100, messages=HELLO, stop_sequences=["help", "How"])
    assert [b.text for b in message.content] == ["Hello! "]
    assert (message.stop_reason, message.stop_sequence, message.usage.output_tokens) == (
        "stop_sequence",
        "How",
        2,
    )
    with sdk.messages.stream(model=MODEL, max_tokens=100, messages=HELLO, stop_sequences=["help"]) as stream:
        final = stream.get_final_message()
    assert [b.text for b in final.content] == ["Hello! How can I "]
    assert (final.stop_reason, final.stop_sequence) == ("stop_sequence", "help")
    # max_tokens first: the answer ends there, and no stop sequence is named.
    short = sdk.messages.create(model=MODEL, max_tokens=2, messages=HELLO, stop_sequences=["help"])
    assert (short.stop_reason, short.stop_sequence) == ("max_tokens", None)
    official_validator("Message").validate(message.model_dump(exclude_none=False))


def test_stream_equals_create(server, key):
    sdk = client(server, key)
    created = sdk.messages.create(model=MODEL, max_tokens=100, messages=HELLO)
    with sdk.messages.stream(model=MODEL, max_tokens=100, messages=HELLO) as stream:
        assert "".join(stream.text_stream) == "Hello! How can I help you today?"
        final = stream.get_final_message()
    assert dump(final) == dump(created)
    assert final.usage == created.usage and final.stop_reason == "end_turn"


def test_tool_use(server, key):
    sdk = client(server, key)
    message = sdk.messages.create(model=MODEL, max_tokens=100, messages=WEATHER, tools=[GET_WEATHER])
    (block,) = message.content
    assert (block.type, block.name, block.input) == ("tool_use", "get_weather", WEATHER_INPUT)
    assert message.stop_reason == "tool_use" and block.id.startswith("toolu_01")
    with sdk.messages.stream(model=MODEL, max_tokens=100, messages=WEATHER, tools=[GET_WEATHER]) as stream:
        final = stream.get_final_message()
    assert final.content[0].input == WEATHER_INPUT and dump(final) == dump(message)
    history = [
        *WEATHER,
        {"role": "assistant", "content": [block.model_dump(exclude_none=True)]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "18 C"}]},
    ]
    answer = sdk.messages.create(model=MODEL, max_tokens=100, messages=history, tools=[GET_WEATHER])
    assert answer.content[0].text == "It is 18 °C and sunny in Paris." and answer.stop_reason == "end_turn"


def test_tool_choice(server, key):
    get_time = {
        "name": "get_time",
        "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}},
    }
    ask = functools.partial(
        client(server, key).messages.create,
        model=MODEL,
        max_tokens=500,
        messages=[{"role": "user", "content": "Something unmatched, please."}],
        tools=[GET_WEATHER, get_time],
    )
    assert [b.type for b in ask(tool_choice={"type": "none"}).content] == ["text"]
    forced = ask(tool_choice={"type": "tool", "name": "get_time"}).content[0]
    assert forced.name == "get_time" and isinstance(forced.input, dict)


def test_thinking_only_when_enabled(server, key):
    sdk = client(server, key)
    plain = sdk.messages.create(model=MODEL, max_tokens=2000, messages=MATH)
    assert [b.type for b in plain.content] == ["text"]
    message = sdk.messages.create(model=MODEL, max_tokens=2000, messages=MATH, thinking=THINKING)
    thinking, text = message.content
    assert (thinking.type, thinking.thinking, text.text) == ("thinking", REASONING, "17 * 23 = 391.")
    assert thinking.signature and message.usage.output_tokens > plain.usage.output_tokens
    with sdk.messages.stream(model=MODEL, max_tokens=2000, messages=MATH, thinking=THINKING) as stream:
        assert "".join(stream.text_stream) == "17 * 23 = 391."
        final = stream.get_final_message()
    assert dump(final) == dump(message)


def test_tool_ids_follow_the_canonical_id():
    assert tool_use_id("call_0a1b2c") == "toolu_010a1b2c"
    assert tool_use_id("toolu_01abc") == "toolu_01abc"
    assert re.fullmatch(r"toolu_01[0-9A-Za-z]{22}", tool_use_id("weather-1"))


# ---- raw bytes and schemas ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("messages", "extra"),
    [(HELLO, {}), (WEATHER, {"tools": [GET_WEATHER]}), (MATH, {"thinking": THINKING})],
    ids=["text", "tool", "thinking"],
)
def test_raw_stream(server, key, messages, extra):
    body = {"model": MODEL, "max_tokens": 2000, "messages": messages, **extra}
    plain = post(server, key, body).json()
    raw = post(server, key, {**body, "stream": True})
    assert raw.status == 200 and raw.headers["content-type"].startswith("text/event-stream")
    assert re.fullmatch(r"req_011C[0-9A-Za-z]{20}", raw.headers["request-id"])
    events = list(sse_events(raw.body))
    for name, data in events:
        assert name == data["type"]
        assert SCHEMAS.violations("anthropic/stream_event", data) == []
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names[names.index("content_block_start") + 1] == "ping" and names.count("ping") == 1
    start, delta = events[0][1]["message"], events[-2][1]
    assert start["usage"]["output_tokens"] == 1 and start["content"] == [] and start["stop_reason"] is None
    assert delta["usage"]["output_tokens"] == plain["usage"]["output_tokens"]
    assert delta["delta"]["stop_reason"] == plain["stop_reason"]
    assert SCHEMAS.violations("anthropic/response", plain) == []
    deltas = [d["delta"] for n, d in events if n == "content_block_delta"]
    if "tools" in extra:
        assert deltas[0] == {"type": "input_json_delta", "partial_json": ""} and len(deltas) > 2
    if "thinking" in extra:
        stop = names.index("content_block_stop")
        assert events[stop - 1][1]["delta"]["type"] == "signature_delta"
        assert [d["type"] for d in deltas].count("signature_delta") == 1
    else:  # the 2024 spec knows no thinking: everything else must pass it too
        official_validator("Message").validate(plain)
        for name, data in events:
            if name != "ping":
                official_validator("MessageStreamEvent").validate(data)


def test_success_headers_and_keepalive(server, key):
    assert AnthropicMessages().keepalive() == b'event: ping\ndata: {"type":"ping"}\n\n'
    headers = post(server, key, BODY).headers
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["anthropic-organization-id"])
    assert headers["anthropic-ratelimit-requests-limit"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", headers["anthropic-ratelimit-requests-reset"])


# ---- request errors -----------------------------------------------------------------------
def assert_error(response, status: int, kind: str) -> dict[str, Any]:
    body = response.json()
    assert response.status == status and body["error"]["type"] == kind, body
    assert body["request_id"] == response.headers["request-id"]
    assert SCHEMAS.violations("anthropic/error", body) == []
    return body


def test_missing_key(server, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    sdk = client(server, None, max_retries=0, default_headers={"Authorization": anthropic.Omit()})
    with pytest.raises(anthropic.AuthenticationError) as caught:
        sdk.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert caught.value.type == "authentication_error" and caught.value.request_id.startswith("req_011C")


def test_invalid_key(make_server):
    live = make_server(api_keys=frozenset({"sk-good"}))
    body = assert_error(post(live, "sk-bad", BODY), 401, "authentication_error")
    assert body["error"]["message"] == "invalid x-api-key"
    assert client(live, "sk-good").messages.create(model=MODEL, max_tokens=50, messages=HELLO).content


def test_missing_max_tokens(server, key):
    body = assert_error(post(server, key, {"model": MODEL, "messages": HELLO}), 400, "invalid_request_error")
    assert body["error"]["message"] == "max_tokens: Field required"
    official_validator("ErrorResponse").validate(body)


def test_missing_version(server, key):
    url = server.url + "/anthropic/v1/messages"
    response = rawhttp.post(url, json=BODY, headers={"x-api-key": key})
    body = assert_error(response, 400, "invalid_request_error")
    assert body["error"]["message"] == "anthropic-version: header is required"


BAD = [{"temperature": 1.5}, {"messages": []}, {"messages": [{"role": "system", "content": "x"}]}]


@pytest.mark.parametrize("patch", [*BAD, {"max_tokens": 0}])
def test_bad_requests(server, key, patch):
    with pytest.raises(anthropic.BadRequestError):
        client(server, key, max_retries=0).messages.create(**BODY, extra_body=patch)


# ---- scenarios ----------------------------------------------------------------------------
def scenario_client(live: MockServer, key: str, name: str) -> anthropic.Anthropic:
    return client(live, key, max_retries=0, default_headers={"X-Mock-Scenario": name})


@pytest.mark.parametrize(
    ("name", "exception", "status", "kind"),
    [
        ("over", anthropic.OverloadedError, 529, "overloaded_error"),
        ("limited", anthropic.RateLimitError, 429, "rate_limit_error"),
        ("broke", anthropic.EnforcedSpendLimitReachedError, 429, "rate_limit_error"),
        ("long", anthropic.BadRequestError, 400, "invalid_request_error"),
    ],
)
def test_scenario_errors(scenario_server, key, name, exception, status, kind):
    with pytest.raises(exception) as caught:
        scenario_client(scenario_server, key, name).messages.create(model=MODEL, max_tokens=5, messages=HELLO)
    error, headers = caught.value, caught.value.response.headers
    assert (error.status_code, error.type) == (status, kind)
    assert SCHEMAS.violations("anthropic/error", error.body) == []
    if name == "limited":
        assert headers["retry-after"] == "2" and headers["anthropic-ratelimit-requests-remaining"] == "0"
    if name == "broke":
        assert headers["x-should-retry"] == "false" and error.error_code == "enforced_spend_limit_reached"
    if name == "long":
        assert error.api_message.startswith("prompt is too long")
    if name == "over":
        assert error.api_message == "Overloaded"
        official_validator("ErrorResponse").validate(error.body)


def test_midstream_error(scenario_server, key):
    sdk = scenario_client(scenario_server, key, "midstream")
    seen: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as caught:  # noqa: SIM117
        with sdk.messages.stream(model=MODEL, max_tokens=50, messages=HELLO) as stream:
            seen.extend(event.type for event in stream)
    assert caught.value.status_code == 200
    assert caught.value.body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert seen[0] == "message_start"


# ---- Maisi --------------------------------------------------------------------------------
def test_maisi_messages_with_bearer(server, key):
    sdk = anthropic.Anthropic(base_url=server.url + "/maisi", auth_token=key)
    message = sdk.messages.create(model=MODEL, max_tokens=100, messages=HELLO)
    assert message.content[0].text == "Hello! How can I help you today?"
    with sdk.messages.stream(model=MODEL, max_tokens=100, messages=WEATHER, tools=[GET_WEATHER]) as stream:
        assert stream.get_final_message().content[0].input == WEATHER_INPUT
    url = server.url + "/maisi/v1/messages"
    assert rawhttp.post(url, json=BODY, headers={"Authorization": f"Bearer {key}"}).status == 200
    wrong_auth = rawhttp.post(url, json=BODY, headers={"x-api-key": key, **VERSION})
    assert_error(wrong_auth, 401, "authentication_error")


def test_wrong_method_under_a_shared_prefix_answers_in_the_route_owners_envelope(server, key):
    """/maisi is OpenAI's prefix first, but a 405 on its Messages route speaks Anthropic."""
    wrong = rawhttp.request(
        "GET", server.url + "/maisi/v1/messages", headers={"Authorization": f"Bearer {key}"}
    )
    body = assert_error(wrong, 405, "invalid_request_error")
    assert body["error"]["message"] == "Method GET is not allowed on /maisi/v1/messages."
    unknown = rawhttp.request("GET", server.url + "/maisi/v1/no-such-route")
    assert unknown.status == 404 and "type" in unknown.json()["error"]  # the prefix owner's (OpenAI)


# ---- count_tokens ------------------------------------------------------------------------


def test_count_tokens_agrees_with_the_usage_of_an_answer(server, key):
    sdk = client(server, key)
    raw = sdk.messages.with_raw_response.count_tokens(
        model=MODEL, messages=WEATHER, system="Be brief.", tools=[GET_WEATHER]
    )
    answered = sdk.messages.create(
        model=MODEL, messages=WEATHER, system="Be brief.", tools=[GET_WEATHER], max_tokens=50
    )
    assert raw.parse().input_tokens == answered.usage.input_tokens > 0
    # The reference spec of 2024-11 predates MessageTokensCount: the SDK's own type is the judge.
    assert set(raw.http_response.json()) == set(anthropic.types.MessageTokensCount.model_fields)
    entry = rawhttp.request("GET", f"{server.url}/_mock/requests?limit=2").json()["requests"][0]
    assert entry["path"] == "/anthropic/v1/messages/count_tokens" and entry["status"] == 200


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"max_tokens": 50}, "max_tokens: Extra inputs are not permitted"),
        ({"stream": True}, "stream: Extra inputs are not permitted"),
        ({"messages": None}, None),
        ({"model": None}, None),
    ],
)
def test_count_tokens_takes_only_what_it_counts(server, key, patch, message):
    body = {k: v for k, v in {"model": MODEL, "messages": HELLO, **patch}.items() if v is not None}
    url = server.url + "/anthropic/v1/messages/count_tokens"
    error = assert_error(
        rawhttp.post(url, json=body, headers={"x-api-key": key, **VERSION}), 400, "invalid_request_error"
    )
    assert error["error"]["message"] == (message or f"{next(iter(set(patch)))}: Field required")
    official_validator("ErrorResponse").validate(error)


def test_count_tokens_checks_the_key_and_the_version(server, key):
    url = server.url + "/anthropic/v1/messages/count_tokens"
    body = {"model": MODEL, "messages": HELLO}
    assert_error(rawhttp.post(url, json=body, headers=VERSION), 401, "authentication_error")
    missing = assert_error(
        rawhttp.post(url, json=body, headers={"x-api-key": key}), 400, "invalid_request_error"
    )
    assert missing["error"]["message"] == "anthropic-version: header is required"
