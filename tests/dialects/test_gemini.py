"""Gemini dialect: the official google-genai SDK against mocksrv, plus byte-level checks."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest
import rawhttp
from google import genai
from google.genai import errors, types
from sse import read_events

from mocksrv.dialects.gemini.generate import GeminiGenerate
from mocksrv.errors import MockError
from mocksrv.model import ErrorKind
from mocksrv.schemas import SchemaRegistry

MODEL = "gemini-2.5-flash"
HELLO = "Hello! How can I help you today?"
SCHEMAS = SchemaRegistry()
WEATHER_TOOL = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="Current weather for a city.",
            parameters={
                "type": "OBJECT",
                "properties": {"city": {"type": "STRING"}, "unit": {"type": "STRING"}},
                "required": ["city"],
            },
        )
    ]
)


def client(base: str, key: str, api_version: str | None = None, headers: dict | None = None) -> genai.Client:
    options = types.HttpOptions(base_url=base + "/gemini", api_version=api_version, headers=headers)
    return genai.Client(api_key=key, http_options=options)


def url(server, method: str = "generateContent", version: str = "v1beta", prefix: str = "/gemini") -> str:
    return f"{server.url}{prefix}/{version}/models/{MODEL}:{method}"


def hello_body(text: str = "Hello!") -> dict:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}]}


def sse_chunks(body: bytes) -> list[dict]:
    """Gemini's frames: unnamed `data:` events, each ended by a blank CRLF line."""
    return [data for _, data in read_events(body, "\r\n")]


def scenario_server(make_server, tmp_path: Path, scenario: str):
    (tmp_path / "scenarios.yaml").write_text(f"scenarios:\n  - {scenario}\n")
    return make_server(fixture_dirs=(tmp_path,))


# ---- SDK: answers ------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1beta", None])  # None: the SDK's default, /v1/
def test_generate_content_reproduces_fixture(server, key, version):
    gemini = client(server.url, key, version)
    response = gemini.models.generate_content(model=MODEL, contents="Hello!")
    assert response.text == HELLO
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.model_version == MODEL
    assert len(response.response_id) == 22
    usage = response.usage_metadata
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count


@pytest.mark.parametrize("version", ["v1beta", None])
def test_stream_joins_to_fixture_text(server, key, version):
    gemini = client(server.url, key, version)
    chunks = list(gemini.models.generate_content_stream(model=MODEL, contents="Hello!"))
    assert len(chunks) > 1
    assert "".join(c.text or "" for c in chunks) == HELLO
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert all(c.candidates[0].finish_reason is None for c in chunks[:-1])


def test_function_call(server, key):
    config = types.GenerateContentConfig(tools=[WEATHER_TOOL])
    gemini = client(server.url, key)
    response = gemini.models.generate_content(
        model=MODEL, contents="What's the weather in Paris?", config=config
    )
    call = response.function_calls[0]
    assert call.name == "get_weather"
    assert call.args == {"city": "Paris", "unit": "celsius"}
    assert response.candidates[0].finish_reason == types.FinishReason.STOP


def test_function_response_round_trip(server, key):
    contents = [
        types.Content(role="user", parts=[types.Part(text="What's the weather in Paris?")]),
        types.Content(
            role="model",
            parts=[types.Part(function_call=types.FunctionCall(name="get_weather", args={"city": "Paris"}))],
        ),
        types.Content(
            role="user",
            parts=[types.Part.from_function_response(name="get_weather", response={"temp": 18})],
        ),
    ]
    config = types.GenerateContentConfig(tools=[WEATHER_TOOL])
    gemini = client(server.url, key)
    response = gemini.models.generate_content(model=MODEL, contents=contents, config=config)
    assert response.text == "It is 18 °C and sunny in Paris."


def test_thoughts_only_when_included(server, key):
    gemini = client(server.url, key, "v1beta")
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    response = gemini.models.generate_content(model=MODEL, contents="What is 17 * 23?", config=config)
    thought, answer = response.candidates[0].content.parts
    assert thought.thought is True
    assert thought.text == "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391."
    assert answer.text == response.text == "17 * 23 = 391."
    usage = response.usage_metadata
    assert usage.thoughts_token_count > 0
    assert (
        usage.total_token_count
        == usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    )

    plain = gemini.models.generate_content(model=MODEL, contents="What is 17 * 23?")
    assert [p.thought for p in plain.candidates[0].content.parts] == [None]
    assert plain.usage_metadata.thoughts_token_count == usage.thoughts_token_count


def test_streamed_thoughts_come_first(server, key):
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    gemini = client(server.url, key)
    chunks = list(
        gemini.models.generate_content_stream(model=MODEL, contents="What is 17 * 23?", config=config)
    )
    parts = [p for c in chunks for p in c.candidates[0].content.parts]
    thoughts = [p.text for p in parts if p.thought]
    answer = [p.text for p in parts if not p.thought]
    assert "".join(thoughts) == "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391."
    assert "".join(answer) == "17 * 23 = 391."
    assert parts.index(next(p for p in parts if not p.thought)) == len(thoughts)


class Recipe(pydantic.BaseModel):
    name: str
    minutes: int
    ingredients: list[str]


def test_structured_output_with_response_schema(server, key):
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Recipe)
    gemini = client(server.url, key)
    response = gemini.models.generate_content(model=MODEL, contents="Give me a cookie recipe.", config=config)
    assert isinstance(response.parsed, Recipe)


def test_structured_output_with_json_schema(server, key):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    config = types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=schema)
    gemini = client(server.url, key)
    response = gemini.models.generate_content(model=MODEL, contents="Name a big city.", config=config)
    data = json.loads(response.text)
    assert isinstance(data["city"], str) and isinstance(data["population"], int)


def test_max_output_tokens_and_candidate_count(server, key):
    config = types.GenerateContentConfig(max_output_tokens=3, candidate_count=2)
    gemini = client(server.url, key)
    response = gemini.models.generate_content(model=MODEL, contents="Hello!", config=config)
    assert len(response.candidates) == 2
    assert [c.index for c in response.candidates] == [0, 1]
    assert all(c.finish_reason == types.FinishReason.MAX_TOKENS for c in response.candidates)
    assert response.candidates[0].content.parts[0].text == "Hello! How can"


def test_stop_sequences(server, key):
    config = types.GenerateContentConfig(stop_sequences=["help"])
    gemini = client(server.url, key)
    response = gemini.models.generate_content(model=MODEL, contents="Hello!", config=config)
    assert response.text == "Hello! How can I "
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    streamed = list(gemini.models.generate_content_stream(model=MODEL, contents="Hello!", config=config))
    assert "".join(c.text or "" for c in streamed) == "Hello! How can I "


def test_models_list(server, key):
    gemini = client(server.url, key, "v1beta")
    names = [m.name for m in gemini.models.list()]
    assert f"models/{MODEL}" in names


def test_models_get(server, key):
    gemini = client(server.url, key, "v1beta")  # kept: a collected Client closes its connections
    model = gemini.models.get(model=MODEL)
    assert model.name == f"models/{MODEL}" and "countTokens" in model.supported_actions


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_count_tokens_agrees_with_the_usage_of_an_answer(server, key, version):
    gemini = client(server.url, key, version)
    text = "Count the words of this prompt, please."
    counted = gemini.models.count_tokens(model=MODEL, contents=text)
    answered = gemini.models.generate_content(model=MODEL, contents=text)
    assert counted.total_tokens == answered.usage_metadata.prompt_token_count > 0
    entry = rawhttp.request("GET", f"{server.url}/_mock/requests?limit=2").json()["requests"][0]
    assert entry["path"].endswith(":countTokens") and entry["status"] == 200


def test_count_tokens_checks_key_and_body(server, key):
    missing = rawhttp.post(url(server, "countTokens"), json=hello_body())
    assert missing.status == 403 and missing.json()["error"]["status"] == "PERMISSION_DENIED"
    bad = rawhttp.post(url(server, "countTokens"), json={"contents": "nope"}, headers={"x-goog-api-key": key})
    assert bad.status == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


# ---- SDK: errors -------------------------------------------------------------------------


def test_invalid_key_is_400_api_key_invalid(make_server):
    live = make_server(api_keys=frozenset({"good-key"}))
    gemini = client(live.url, "bad-key")
    with pytest.raises(errors.ClientError) as caught:
        gemini.models.generate_content(model=MODEL, contents="Hello!")
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert caught.value.message == "API key not valid. Please pass a valid API key."
    assert caught.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"


def test_overloaded_scenario_raises_server_error(make_server, tmp_path, key):
    live = scenario_server(make_server, tmp_path, "{name: over, steps: [{error: overloaded}]}")
    gemini = client(live.url, key, headers={"X-Mock-Scenario": "over"})
    with pytest.raises(errors.ServerError) as caught:
        gemini.models.generate_content(model=MODEL, contents="Hello!")
    assert (caught.value.code, caught.value.status) == (503, "UNAVAILABLE")
    assert caught.value.message == "The model is overloaded. Please try again later."


def test_mid_stream_error_raises_after_first_chunks(make_server, tmp_path, key):
    live = scenario_server(make_server, tmp_path, "{name: mid, stream: {error_after: 2, error: overloaded}}")
    gemini = client(live.url, key, headers={"X-Mock-Scenario": "mid"})
    stream = gemini.models.generate_content_stream(model=MODEL, contents="Hello!")
    received = []
    with pytest.raises(errors.ServerError) as caught:
        for chunk in stream:
            received.append(chunk.text)
    assert received == ["Hello!", " How"]
    assert (caught.value.code, caught.value.status) == (503, "UNAVAILABLE")


# ---- raw HTTP ----------------------------------------------------------------------------


def test_missing_key_is_403_permission_denied_pretty_printed(server):
    response = rawhttp.post(url(server), json=hello_body())
    assert response.status == 403
    assert response.text.startswith('{\n  "error": {\n    "code": 403,\n')
    error = response.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith("Method doesn't allow unregistered callers")
    assert SCHEMAS.violations("gemini/error", response.json()) == []


def test_invalid_json_is_400_invalid_argument(server, key):
    response = rawhttp.post(
        url(server), data=b"{not json", headers={"x-goog-api-key": key, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert response.json()["error"]["message"].startswith("Invalid JSON payload received.")


def test_query_key_and_snake_case_accepted(server, key):
    body = {
        "contents": [{"role": "user", "parts": [{"text": "Hello!"}]}],
        "system_instruction": {"parts": [{"text": "Be brief."}]},
        "generation_config": {"max_output_tokens": 2, "thinking_config": {"include_thoughts": True}},
    }
    response = rawhttp.post(url(server) + f"?key={key}", json=body)
    assert response.status == 200, response.text
    candidate = response.json()["candidates"][0]
    assert candidate["finishReason"] == "MAX_TOKENS"
    assert candidate["content"]["parts"] == [{"text": "Hello! How"}]


def test_unknown_field_is_rejected_by_name(server, key):
    body = {**hello_body(), "generationConfig": {"maxTokens": 5}}
    response = rawhttp.post(url(server), json=body, headers={"x-goog-api-key": key})
    assert response.status == 400
    error = response.json()["error"]
    assert error["message"] == (
        "Invalid JSON payload received. Unknown name \"maxTokens\" at 'generationConfig': Cannot find field."
    )
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"


def test_schema_violation_is_400_with_field(server, key):
    response = rawhttp.post(url(server), json={"contents": []}, headers={"x-goog-api-key": key})
    assert response.status == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["fieldViolations"][0]["field"] == "contents"


def test_too_large_is_400_like_google(make_server, key):
    live = make_server(max_body_bytes=1000)
    response = rawhttp.post(url(live), json=hello_body("x" * 2000), headers={"x-goog-api-key": key})
    assert response.status == 400
    error = response.json()["error"]
    assert (error["status"], error["message"]) == (
        "INVALID_ARGUMENT",
        "Request payload size exceeds the limit: 1000 bytes.",
    )


def test_unknown_method_is_404(server, key):
    response = rawhttp.request("GET", url(server), headers={"x-goog-api-key": key})
    assert response.status == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"


def test_rate_limit_has_retry_info(make_server, tmp_path, key):
    live = scenario_server(
        make_server, tmp_path, "{name: limited, steps: [{error: rate_limit, retry_after: 7}]}"
    )
    headers = {"x-goog-api-key": key, "X-Mock-Scenario": "limited"}
    response = rawhttp.post(url(live), json=hello_body(), headers=headers)
    assert response.status == 429
    assert response.headers["retry-after"] == "7"
    error = response.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    retry = [d for d in error["details"] if d["@type"].endswith("RetryInfo")]
    assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]


def test_stream_bytes(server, key):
    response = rawhttp.post(
        url(server, "streamGenerateContent") + "?alt=sse", json=hello_body(), headers={"x-goog-api-key": key}
    )
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert b"[DONE]" not in response.body and b"event:" not in response.body
    chunks = sse_chunks(response.body)
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks) == HELLO
    assert len({c["responseId"] for c in chunks}) == 1
    counts = [c["usageMetadata"]["candidatesTokenCount"] for c in chunks]
    assert counts == list(range(1, len(chunks) + 1))  # cumulative, one word-piece per chunk
    assert [("finishReason" in c["candidates"][0]) for c in chunks] == [False] * (len(chunks) - 1) + [True]
    for chunk in chunks:
        assert SCHEMAS.violations("gemini/stream_event", chunk) == []


def test_mid_stream_error_bytes(make_server, tmp_path, key):
    live = scenario_server(
        make_server, tmp_path, "{name: mid, stream: {error_after: 1, error: server_error}}"
    )
    headers = {"x-goog-api-key": key, "X-Mock-Scenario": "mid"}
    response = rawhttp.post(
        url(live, "streamGenerateContent") + "?alt=sse", json=hello_body(), headers=headers
    )
    frames = response.body.split(b"\r\n\r\n")
    assert frames[1].startswith(b'data: {"error": {"code": 500,')
    assert SCHEMAS.violations("gemini/stream_event", sse_chunks(response.body)[1]) == []


# ---- schemas -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Hello!", "What is 17 * 23?", "Tell me something random."])
def test_rendered_bodies_validate(server, key, text):
    body = {
        **hello_body(text),
        "tools": [{"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "OBJECT"}}]}]
        if "random" in text
        else [],
        "generationConfig": {"thinkingConfig": {"includeThoughts": True}, "candidateCount": 2},
    }
    response = rawhttp.post(url(server), json=body, headers={"x-goog-api-key": key})
    assert response.status == 200, response.text
    assert SCHEMAS.violations("gemini/request", body) == []
    assert SCHEMAS.violations("gemini/response", response.json()) == []


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_error_kind_validates(kind):
    dialect = GeminiGenerate()
    rendered = dialect.render_error(MockError(kind, retry_after=2), "req")
    assert 400 <= rendered.status < 600
    assert SCHEMAS.violations("gemini/error", rendered.body) == []
    event = dialect.render_stream_error(MockError(kind), "req")
    assert event.data.startswith('{"error":') and event.eol == "\r\n"
    assert SCHEMAS.violations("gemini/stream_event", json.loads(event.data)) == []


# ---- Maisi's Gemini ----------------------------------------------------------------------


def test_maisi_gemini_bearer_and_camel_case_only(server, key):
    maisi = url(server, prefix="/maisi/gemini")
    bearer = {"Authorization": f"Bearer {key}"}
    ok = rawhttp.post(maisi, json=hello_body(), headers=bearer)
    assert ok.status == 200, ok.text
    assert ok.json()["candidates"][0]["content"]["parts"][0]["text"] == HELLO

    snake = {**hello_body(), "generation_config": {"max_output_tokens": 5}}
    rejected = rawhttp.post(maisi, json=snake, headers=bearer)
    assert rejected.status == 400
    assert rejected.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert '"generation_config"' in rejected.json()["error"]["message"]

    google_key = rawhttp.post(maisi, json=hello_body(), headers={"x-goog-api-key": key})
    assert google_key.status == 403
