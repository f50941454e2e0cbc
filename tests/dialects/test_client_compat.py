"""What the clients people build on send and expect: explicit nulls, retry signals, stream faults
they notice (docs/wire-decisions.md, "Client compatibility")."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import anthropic
import openai
import pytest
import rawhttp
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from openai_family import FAMILY, FAMILY_IDS, Family

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

TEST_FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
HELLO = [{"role": "user", "content": "Hello!"}]
HELLO_REPLY = "Hello! How can I help you today?"
SCENARIOS = """
scenarios:
  - {name: limited, steps: [{error: rate_limit}]}
  - {name: limited-6m, steps: [{error: rate_limit, retry_after: 360}]}
  - {name: limited-once, steps: [{error: rate_limit}, ok]}
  - {name: broken-stream, stream: {error_after: 3, error: overloaded}}
  - {name: broken-ping, stream: {malformed_after: 2}}
"""
RESPONSES_BASES = {"openai": "/openai/v1", "maisi": "/maisi/v1", "mountsea": "/mountsea/chat"}
# Optional parameters that clients send as null (LlamaIndex, LangChain, the AI SDK).
CHAT_NULLS = (
    "user",
    "tool_choice",
    "tools",
    "response_format",
    "temperature",
    "max_tokens",
    "stream",
    "stream_options",
    "n",
    "stop",
    "parallel_tool_calls",
    "seed",
)
RESPONSES_NULLS = ("user", "tool_choice", "tools", "text", "instructions", "max_output_tokens", "stream")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[MockServer]:
    extra = tmp_path_factory.mktemp("client-compat")
    (extra / "scenarios.yaml").write_text(SCENARIOS)
    with MockServer(ServerConfig(port=0, fixture_dirs=(TEST_FIXTURES, extra))) as server:
        yield server


def journal(server: MockServer, session: str) -> list[dict]:
    return rawhttp.request("GET", f"{server.url}/_mock/requests?session={session}").json()["requests"]


def chat(server: MockServer, family: Family, key: str, body: dict, scenario: str | None = None):
    headers = family.auth_headers(key) | ({"X-Mock-Scenario": scenario} if scenario else {})
    return rawhttp.request("POST", family.chat_url(server), json=body, headers=headers)


def responses(server: MockServer, name: str, key: str, body: dict, scenario: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} | ({"X-Mock-Scenario": scenario} if scenario else {})
    url = f"{server.url}{RESPONSES_BASES[name]}/responses"
    return rawhttp.request("POST", url, json=body, headers=headers)


def chat_text(family: Family, response: rawhttp.RawResponse) -> str:
    body = response.json()
    return (body["data"] if family.wrapped else body)["choices"][0]["message"]["content"]


def plain_reply(server: MockServer, family: Family) -> str:
    """The dialect's answer to HELLO with no optional parameter (fixtures differ per dialect)."""
    response = chat(server, family, "sk-reference", {"model": "gpt-4o", "messages": HELLO})
    assert response.status == 200
    return chat_text(family, response)


def output_text(body: dict) -> str:
    items = [i for i in body["output"] if i["type"] == "message"]
    return "".join(c["text"] for i in items for c in i["content"] if c["type"] == "output_text")


# ---- explicit null for an optional parameter ----------------------------------------------
@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
@pytest.mark.parametrize("param", CHAT_NULLS)
def test_chat_null_optional_parameter_is_absent(live, key, family: Family, param: str):
    response = chat(live, family, key, {"model": "gpt-4o", "messages": HELLO, param: None})
    assert response.status == 200, response.text
    assert chat_text(family, response) == plain_reply(live, family)


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_chat_all_nulls_at_once_and_again_from_the_memo(live, key, family: Family):
    body = {"model": "gpt-4o", "messages": HELLO, **dict.fromkeys(CHAT_NULLS)}
    for _ in range(2):  # the second time the decoded body comes from the request memo
        response = chat(live, family, key, body)
        assert response.status == 200, response.text
        # `stream: null` is not a stream, `n: null` one choice, `stop: null` no cut
        assert response.headers["content-type"].startswith("application/json")
        assert chat_text(family, response) == plain_reply(live, family)
        assert len((response.json()["data"] if family.wrapped else response.json())["choices"]) == 1
    assert journal(live, key)[0]["request"]["body"]["user"] is None  # journaled as sent


@pytest.mark.parametrize("name", list(RESPONSES_BASES))
@pytest.mark.parametrize("param", RESPONSES_NULLS)
def test_responses_null_optional_parameter_is_absent(live, key, name: str, param: str):
    response = responses(live, name, key, {"model": "gpt-4o", "input": "Hello!", param: None})
    assert response.status == 200, response.text
    plain = responses(live, name, "sk-reference", {"model": "gpt-4o", "input": "Hello!"}).json()
    body = response.json()
    assert body["status"] == "completed" and output_text(body) == output_text(plain) != ""
    assert response.headers["content-type"].startswith("application/json")  # stream: null


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
@pytest.mark.parametrize("param", ["model", "messages"])
def test_chat_null_required_parameter_stays_a_400(live, key, family: Family, param: str):
    response = chat(live, family, key, {"model": "gpt-4o", "messages": HELLO, param: None})
    assert response.status == 400
    text = response.text
    assert f"'{param}'" in text and "got null" in text


@pytest.mark.parametrize("param", ["model", "input"])
def test_responses_null_required_parameter_stays_a_400(live, key, param: str):
    response = responses(live, "openai", key, {"model": "gpt-4o", "input": "Hello!", param: None})
    assert response.status == 400
    assert response.json()["error"]["param"] == param


def test_wuinai_camel_case_null_is_absent(live, key):
    family = Family("wuinai")
    body = {"model": "gpt-4o", "messages": HELLO, "toolChoice": None, "responseFormat": None}
    assert chat(live, family, key, body).status == 200


def test_sdk_sends_user_none_and_the_answer_is_normal(live, key):
    """The openai SDK sends an explicit None as null (LlamaIndex's OpenAIResponses does so)."""
    client = openai.OpenAI(base_url=live.base_url("openai"), api_key=key, max_retries=0)
    answer = client.responses.create(model="gpt-4o", input="Hello!", user=None, tool_choice=None)
    assert answer.output_text == HELLO_REPLY
    completion = client.chat.completions.create(model="gpt-4o", messages=HELLO, user=None, tools=None)
    assert completion.choices[0].message.content == HELLO_REPLY
    sent = [entry["request"]["body"] for entry in journal(live, key)]
    assert sent[0]["user"] is None and sent[0]["tool_choice"] is None
    assert sent[1]["user"] is None and sent[1]["tools"] is None


def test_anthropic_and_gemini_keep_refusing_null(live, key):
    messages = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": HELLO, "system": None}
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    refused = rawhttp.request("POST", f"{live.url}/anthropic/v1/messages", json=messages, headers=headers)
    assert refused.status == 400 and refused.json()["error"]["type"] == "invalid_request_error"
    contents = {"contents": [{"parts": [{"text": "Hello!"}]}], "generationConfig": None}
    url = f"{live.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent"
    refused = rawhttp.request("POST", url, json=contents, headers={"x-goog-api-key": key})
    assert refused.status == 400 and refused.json()["error"]["status"] == "INVALID_ARGUMENT"


# ---- retry signals on every 429 -----------------------------------------------------------
OPENAI_LIMIT_HEADERS = [
    f"x-ratelimit-{what}-{unit}"
    for what in ("limit", "remaining", "reset")
    for unit in ("requests", "tokens")
]
ANTHROPIC_LIMIT_HEADERS = [
    f"anthropic-ratelimit-{unit}-{what}"
    for unit in ("requests", "tokens", "input-tokens", "output-tokens")
    for what in ("limit", "remaining", "reset")
]


def assert_openai_retry_signals(headers: dict[str, str], seconds: str, reset: str) -> None:
    assert headers["retry-after"] == seconds
    assert headers["retry-after-ms"] == str(int(float(seconds) * 1000))
    assert all(name in headers for name in OPENAI_LIMIT_HEADERS)
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"] == reset


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_chat_rate_limit_without_retry_after_sends_the_default(live, key, family: Family):
    response = chat(live, family, key, {"model": "gpt-4o", "messages": HELLO}, "limited")
    assert response.status == 429
    assert_openai_retry_signals(response.headers, "1", "1s")


@pytest.mark.parametrize("name", list(RESPONSES_BASES))
def test_responses_rate_limit_without_retry_after_sends_the_default(live, key, name: str):
    response = responses(live, name, key, {"model": "gpt-4o", "input": "Hello!"}, "limited")
    assert response.status == 429
    assert_openai_retry_signals(response.headers, "1", "1s")


def test_openai_reset_is_a_go_duration(live, key):
    response = chat(live, FAMILY[0], key, {"model": "gpt-4o", "messages": HELLO}, "limited-6m")
    assert_openai_retry_signals(response.headers, "360", "6m0s")


@pytest.mark.parametrize("base", ["/anthropic", "/maisi"])
def test_anthropic_rate_limit_without_retry_after_sends_the_default(live, key, base: str):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": HELLO}
    headers = {"x-api-key": key, "Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01"}
    headers["X-Mock-Scenario"] = "limited"
    response = rawhttp.request("POST", f"{live.url}{base}/v1/messages", json=body, headers=headers)
    assert response.status == 429 and response.json()["error"]["type"] == "rate_limit_error"
    assert response.headers["retry-after"] == "1"
    assert all(name in response.headers for name in ANTHROPIC_LIMIT_HEADERS)
    assert response.headers["anthropic-ratelimit-requests-remaining"] == "0"
    reset = response.headers["anthropic-ratelimit-requests-reset"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", reset)


@pytest.mark.parametrize("base", ["/gemini", "/maisi/gemini"])
def test_gemini_rate_limit_without_retry_after_sends_the_default(live, key, base: str):
    body = {"contents": [{"parts": [{"text": "Hello!"}]}]}
    headers = {"x-goog-api-key": key, "Authorization": f"Bearer {key}", "X-Mock-Scenario": "limited"}
    url = f"{live.url}{base}/v1beta/models/gemini-2.5-flash:generateContent"
    response = rawhttp.request("POST", url, json=body, headers=headers)
    assert response.status == 429 and response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert response.headers["retry-after"] == "1"
    details = {d["@type"].rsplit(".", 1)[1]: d for d in response.json()["error"]["details"]}
    assert details["RetryInfo"]["retryDelay"] == "1s"


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_openai_sdk_retries_a_one_shot_429(live, key, family: Family):
    client = family.client(live, key, default_headers={"X-Mock-Scenario": "limited-once"}, max_retries=1)
    started = time.monotonic()
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert 0.9 <= time.monotonic() - started < 3.0  # the default second, not the SDK's backoff
    assert chat_text(family, raw.http_response) == plain_reply(live, family)
    assert [e["status"] for e in journal(live, key)] == [429, 200]


@pytest.mark.parametrize("name", list(RESPONSES_BASES))
def test_openai_sdk_responses_retries_a_one_shot_429(live, key, name: str):
    headers = {"X-Mock-Scenario": "limited-once"}
    client = openai.OpenAI(
        base_url=live.url + RESPONSES_BASES[name], api_key=key, max_retries=1, default_headers=headers
    )
    started = time.monotonic()
    assert client.responses.create(model="gpt-4o", input="Hello!").output_text == HELLO_REPLY
    assert 0.9 <= time.monotonic() - started < 3.0
    assert [e["status"] for e in journal(live, key)] == [429, 200]


def test_anthropic_sdk_retries_a_one_shot_429(live, key):
    client = anthropic.Anthropic(
        base_url=f"{live.url}/anthropic",
        api_key=key,
        max_retries=1,
        default_headers={"X-Mock-Scenario": "limited-once"},
    )
    started = time.monotonic()
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=HELLO)
    assert 0.9 <= time.monotonic() - started < 3.0
    assert message.content[0].text == HELLO_REPLY
    assert [e["status"] for e in journal(live, key)] == [429, 200]


def test_gemini_sdk_retries_a_one_shot_429(live, key):
    retry = types.HttpRetryOptions(attempts=2)
    http = types.HttpOptions(
        base_url=f"{live.url}/gemini", headers={"X-Mock-Scenario": "limited-once"}, retry_options=retry
    )
    client = genai.Client(api_key=key, http_options=http)
    answer = client.models.generate_content(model="gemini-2.5-flash", contents="Hello!")
    assert answer.text == HELLO_REPLY
    assert [e["status"] for e in journal(live, key)] == [429, 200]


def test_gemini_sdk_without_retries_sees_the_retry_delay(live, key):
    http = types.HttpOptions(base_url=f"{live.url}/gemini", headers={"X-Mock-Scenario": "limited"})
    client = genai.Client(api_key=key, http_options=http)
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents="Hello!")
    assert caught.value.code == 429
    assert {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"} in caught.value.details[
        "error"
    ]["details"]


# ---- stream faults the client notices -----------------------------------------------------
def test_anthropic_malformed_fault_on_the_ping_breaks_the_next_event(live, key):
    """Event 2 is the ping, which the SDK skips unparsed: the break lands on event 3."""
    client = anthropic.Anthropic(
        base_url=f"{live.url}/anthropic",
        api_key=key,
        max_retries=0,
        default_headers={"X-Mock-Scenario": "broken-ping"},
    )
    received = []
    with pytest.raises(json.JSONDecodeError):
        for event in client.messages.create(
            model="claude-sonnet-4-5", max_tokens=200, messages=HELLO, stream=True
        ):
            received.append(event.type)
    assert received == ["message_start", "content_block_start"]
    [entry] = journal(live, key)
    events = entry["response"]["events"]
    assert json.loads(events[2]["data"]) == {"type": "ping"}  # the ping went out whole
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[3]["data"])


def test_malformed_fault_elsewhere_keeps_counting_every_event(live, key):
    """OpenAI chat has no unread events: event 2 itself is the broken one."""
    client = FAMILY[0].client(live, key, default_headers={"X-Mock-Scenario": "broken-ping"})
    with pytest.raises(json.JSONDecodeError):
        for _ in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True):
            pass
    events = journal(live, key)[0]["response"]["events"]
    json.loads(events[1]["data"])
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[2]["data"])


def test_wrapped_midstream_error_raises_in_the_openai_sdk(live, key):
    client = Family("wrapped", True).client(live, key, default_headers={"X-Mock-Scenario": "broken-stream"})
    pieces = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True):
            pieces.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    assert 0 < len(pieces) <= 3
    error = caught.value
    assert error.message and error.body["type"] == "server_error"
    events = journal(live, key)[0]["response"]["events"]
    last = json.loads(events[-1]["data"])
    assert (last["success"], last["code"], last["data"]) == (False, "503", None)  # the envelope kept
    assert last["error"]["message"] == last["message"]


def test_wrapped_json_error_body_stays_the_envelope(live, key):
    response = chat(live, Family("wrapped", True), key, {"model": "gpt-4o", "messages": HELLO}, "limited")
    assert response.status == 429
    assert set(response.json()) == {"success", "code", "message", "data"}
