"""Models that misbehave: each kind reaches the official SDKs as the provider delivers it."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import httpx2 as httpx
import openai
import pydantic
import pytest
from google import genai
from google.genai import types

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

KINDS = ["refusal", "content_filter", "length", "schema_break", "unknown_tool", "bad_tool_json"]
KINDS += ["tool_schema_break", "empty", "loop"]
SCENARIOS = "scenarios:\n" + "".join(f"  - name: {k}\n    misbehave: {k}\n" for k in KINDS)
SCENARIOS += "  - name: sometimes\n    misbehave: {kind: empty, rate: 0.5}\n"
SCENARIOS += """
fixtures:
  - id: flaky-json
    match: {last_user: {contains: "flaky fixture"}}
    reply: {content: '{"city": "Paris", "degrees": 21}'}
    misbehave: {kind: schema_break, rate: 0.5}
"""


class Weather(pydantic.BaseModel):
    city: str
    degrees: int


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "units": {"type": "string"}},
            "required": ["city", "units"],
        },
    },
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("misbehave")
    (folder / "misbehave.yaml").write_text(SCENARIOS)
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,))) as server:
        yield server


def oai(live: MockServer, key: str, kind: str) -> openai.OpenAI:
    headers = {"X-Mock-Scenario": kind}
    return openai.OpenAI(
        api_key=key, base_url=live.base_url("openai"), max_retries=0, default_headers=headers
    )


ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


def test_refusal_through_parse_chat_and_stream(live: MockServer, key: str) -> None:
    client = oai(live, key, "refusal")
    raw = client.chat.completions.with_raw_response.parse(
        model="gpt-4o", messages=ASK, response_format=Weather
    )
    assert raw.headers["x-mocksrv-misbehaviour"] == "refusal"
    message = raw.parse().choices[0].message
    assert message.refusal and message.parsed is None and message.content is None
    assert raw.parse().choices[0].finish_reason == "stop"
    stream = client.chat.completions.create(model="gpt-4o", messages=ASK, stream=True)
    refusal = "".join(c.choices[0].delta.refusal or "" for c in stream if c.choices)
    assert refusal == message.refusal
    journal = httpx.get(live.url + "/_mock/requests").json()["requests"]
    assert journal[-1]["misbehaviour"] == "refusal"


def test_refusal_in_responses_anthropic_and_gemini(live: MockServer, key: str) -> None:
    answer = oai(live, key, "refusal").responses.create(model="gpt-4o", input="hi")
    part = answer.output[0].content[0]
    assert part.type == "refusal" and part.refusal
    events = oai(live, key, "refusal").responses.create(model="gpt-4o", input="hi", stream=True)
    kinds = [e.type for e in events]
    assert "response.refusal.delta" in kinds and "response.refusal.done" in kinds
    claude = anthropic.Anthropic(
        api_key=key,
        base_url=live.base_url("anthropic"),
        max_retries=0,
        default_headers={"X-Mock-Scenario": "refusal"},
    )
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert message.stop_reason == "refusal"
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=ASK) as stream:
        assert stream.get_final_message().stop_reason == "refusal"
    gemini = genai.Client(
        api_key=key,
        http_options=types.HttpOptions(
            base_url=live.base_url("gemini").removesuffix("/v1beta"), headers={"X-Mock-Scenario": "refusal"}
        ),
    )
    result = gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    candidate = result.candidates[0]
    assert candidate.finish_reason == types.FinishReason.SAFETY
    assert any(r.blocked for r in candidate.safety_ratings)
    assert result.text is None


def test_length_and_content_filter_raise_in_parse(live: MockServer, key: str) -> None:
    with pytest.raises(openai.LengthFinishReasonError):
        oai(live, key, "length").chat.completions.parse(model="gpt-4o", messages=ASK, response_format=Weather)
    raw = oai(live, key, "length").chat.completions.create(
        model="gpt-4o", messages=ASK, response_format={"type": "json_object"}
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw.choices[0].message.content)
    with pytest.raises(openai.ContentFilterFinishReasonError):
        oai(live, key, "content_filter").chat.completions.parse(
            model="gpt-4o", messages=ASK, response_format=Weather
        )


def test_schema_break_fails_validation(live: MockServer, key: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        oai(live, key, "schema_break").chat.completions.parse(
            model="gpt-4o", messages=ASK, response_format=Weather
        )


def test_tool_misbehaviours(live: MockServer, key: str) -> None:
    def call(kind: str):
        answer = oai(live, key, kind).chat.completions.create(
            model="gpt-4o", messages=ASK, tools=[WEATHER_TOOL]
        )
        assert answer.choices[0].finish_reason == "tool_calls"
        return answer.choices[0].message.tool_calls[0].function

    assert call("unknown_tool").name != "get_weather"
    with pytest.raises(json.JSONDecodeError):
        json.loads(call("bad_tool_json").arguments)
    broken = json.loads(call("tool_schema_break").arguments)
    assert call("tool_schema_break").name == "get_weather" and "city" not in broken


def test_empty_and_loop(live: MockServer, key: str) -> None:
    empty = oai(live, key, "empty").chat.completions.create(model="gpt-4o", messages=ASK)
    assert empty.choices[0].message.content == ""
    loop = oai(live, key, "loop").chat.completions.create(model="gpt-4o", messages=ASK)
    text = loop.choices[0].message.content
    sentence = text.split(". ")[0]
    assert text.count(sentence) > 10


def test_rate_is_seeded_per_session_position(live: MockServer, key: str) -> None:
    def run(session_key: str) -> list[str]:
        client = oai(live, session_key, "sometimes")
        seen = []
        for _ in range(12):
            raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=ASK)
            seen.append(raw.headers.get("x-mocksrv-misbehaviour", "-"))
        return seen

    first = run(key)
    assert {"empty", "-"} == set(first)
    httpx.post(live.url + "/_mock/reset", json={}).raise_for_status()
    assert run(key) == first  # same seed, session and positions: the same draws


def test_fixture_misbehaves_at_a_rate_even_for_a_repeated_body(live: MockServer, key: str) -> None:
    client = openai.OpenAI(api_key=key, base_url=live.base_url("openai"), max_retries=0)
    ask = [{"role": "user", "content": "the flaky fixture please"}]
    seen = set()
    for _ in range(12):
        raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=ask)
        assert raw.headers["x-mocksrv-fixture"] == "flaky-json"
        content = json.loads(raw.parse().choices[0].message.content)
        broken = raw.headers.get("x-mocksrv-misbehaviour") == "schema_break"
        assert broken == (content != {"city": "Paris", "degrees": 21})
        seen.add(broken)
    assert seen == {True, False}
