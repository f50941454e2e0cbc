"""Embeddings, moderations and legacy completions go through the one pipeline: fixtures with
`match.endpoint` / `match.input`, pinned vectors and verdicts, strict mode's near misses,
scenarios in each route's envelope, the journal and metrics."""

from __future__ import annotations

import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as gtypes


def client(server, key: str, dialect: str = "openai") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url(dialect), api_key=key, max_retries=0)


def control(server, method: str, path: str, body: dict | None = None) -> httpx.Response:
    return httpx.request(method, f"{server.url}/_mock{path}", json=body, timeout=10)


PINNED = [0.5, -0.5, 0.5, 0.5]  # exact in float32, as the SDK decodes it


def test_a_fixture_pins_a_vector_for_the_embeddings_endpoint_only(make_server, key):
    live = make_server()
    fixture = {
        "id": "pinned-vector",
        "match": {"endpoint": "embeddings", "input": {"contains": "pin me"}},
        "reply": {"embedding": PINNED},
    }
    assert control(live, "POST", "/fixtures", {"fixtures": [fixture]}).status_code == 201
    api = client(live, key)
    answer = api.embeddings.create(model="text-embedding-3-small", input=["other", "please PIN ME"])
    assert [d.embedding for d in answer.data] == [PINNED, PINNED]
    cut = api.embeddings.create(model="text-embedding-3-small", input="pin me", dimensions=1)
    assert cut.data[0].embedding == [1.0]  # the prefix, renormalized
    other = api.embeddings.create(model="text-embedding-3-small", input="nothing to pin")
    assert len(other.data[0].embedding) == 1536
    chat = api.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "pin me"}])
    assert chat.choices[0].message.content  # the endpoint rule kept the vector fixture away
    entry = control(live, "GET", "/requests").json()["requests"][-4]
    assert entry["fixture"] == "pinned-vector" and entry["path"] == "/openai/v1/embeddings"


def test_a_fixture_error_and_strict_near_misses_on_embeddings(make_server, key):
    live = make_server(strict=True)
    fixtures = [
        {
            "id": "embed-fails",
            "match": {"endpoint": "embeddings", "input": {"equals": "boom"}},
            "reply": {"error": "overloaded"},
        },
    ]
    control(live, "POST", "/fixtures", {"fixtures": fixtures})
    api = client(live, key)
    with pytest.raises(openai.InternalServerError) as failed:
        api.embeddings.create(model="text-embedding-3-small", input="boom")
    assert failed.value.status_code == 503
    with pytest.raises(openai.NotFoundError) as missed:
        api.embeddings.create(model="text-embedding-3-small", input="no fixture for this")
    assert "embed-fails" in missed.value.message and "input: expected equals 'boom'" in missed.value.message


def test_a_fixture_for_another_endpoint_is_no_near_miss(make_server, key):
    live = make_server(strict=True)
    fixture = {"id": "vectors-only", "match": {"endpoint": "embeddings"}, "reply": {"embedding": PINNED}}
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    with pytest.raises(openai.NotFoundError) as missed:
        client(live, key).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert "vectors-only" not in missed.value.message


def test_scenarios_apply_to_the_new_routes_in_their_envelopes(make_server, key):
    live = make_server()
    control(
        live,
        "POST",
        "/scenarios",
        {"scenarios": [{"name": "limited", "steps": [{"error": "rate_limit", "retry_after": 2}]}]},
    )
    header = {"X-Mock-Scenario": "limited"}
    api = openai.OpenAI(base_url=live.base_url("openai"), api_key=key, max_retries=0, default_headers=header)
    for call in (
        lambda: api.embeddings.create(model="text-embedding-3-small", input="x"),
        lambda: api.moderations.create(input="x"),
        lambda: api.completions.create(model="gpt-3.5-turbo-instruct", prompt="x"),
    ):
        with pytest.raises(openai.RateLimitError) as caught:
            call()
        assert caught.value.response.headers["retry-after"] == "2"
        assert caught.value.code == "rate_limit_exceeded"
    wrapped = httpx.post(
        f"{live.url}/wrapped/api/v1/embeddings",
        json={"model": "text-embedding-3-small", "input": "x"},
        headers={"Authorization": f"Bearer {key}", **header},
    )
    assert wrapped.status_code == 429 and wrapped.json()["success"] is False
    gemini = genai.Client(
        api_key=key, http_options=gtypes.HttpOptions(base_url=live.base_url("gemini"), headers=header)
    )
    with pytest.raises(genai_errors.ClientError) as caught:
        gemini.models.embed_content(model="gemini-embedding-001", contents="x")
    assert caught.value.code == 429 and caught.value.status == "RESOURCE_EXHAUSTED"


def test_latency_scenario_delays_an_embedding(make_server, key):
    import time

    live = make_server()
    control(live, "POST", "/scenarios", {"scenarios": [{"name": "slow", "latency": {"ttft_ms": 300}}]})
    api = openai.OpenAI(
        base_url=live.base_url("openai"),
        api_key=key,
        max_retries=0,
        default_headers={"X-Mock-Scenario": "slow"},
    )
    started = time.monotonic()
    api.embeddings.create(model="text-embedding-3-small", input="slowly")
    assert time.monotonic() - started >= 0.3


def test_metrics_count_the_new_routes(make_server, key):
    live = make_server()
    fixture = {"id": "metric-vec", "match": {"endpoint": "embeddings"}, "reply": {"embedding": PINNED}}
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    client(live, key).embeddings.create(model="text-embedding-3-small", input="count me")
    text = httpx.get(f"{live.url}/_mock/metrics", timeout=10).text
    assert any('fixture="metric-vec"' in line and 'status="200"' in line for line in text.splitlines())


# ---- moderations -------------------------------------------------------------------------
CATEGORIES = {
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
    "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence",
    "violence/graphic",
}  # fmt: skip


def test_moderation_flags_nothing_without_a_keyword(server, key):
    answer = client(server, key).moderations.create(
        model="omni-moderation-latest", input="A lovely day at the beach."
    )
    result = answer.results[0]
    assert answer.id.startswith("modr-") and result.flagged is False
    dumped = result.model_dump(by_alias=True)
    assert set(dumped["categories"]) == CATEGORIES == set(dumped["category_scores"])
    assert set(dumped["category_applied_input_types"]) == CATEGORIES
    assert all(score < 0.01 for score in dumped["category_scores"].values())


def test_moderation_keyword_list_and_array_inputs(server, key):
    answer = client(server, key).moderations.create(input=["I will kill the process", "tea time"])
    first, second = (r.model_dump(by_alias=True) for r in answer.results)
    assert first["flagged"] and first["categories"]["violence"] and first["category_scores"]["violence"] > 0.8
    assert not second["flagged"]


def test_multimodal_input_is_one_result_with_image_types(server, key):
    parts = [
        {"type": "text", "text": "a picture"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    answer = client(server, key).moderations.create(model="omni-moderation-latest", input=parts)
    assert len(answer.results) == 1
    types = answer.results[0].model_dump(by_alias=True)["category_applied_input_types"]
    assert types["violence"] == ["text", "image"] and types["hate"] == ["text"]


def test_a_fixture_pins_a_moderation_verdict(make_server, key):
    live = make_server()
    fixture = {
        "id": "flag-it",
        "match": {"endpoint": "moderations", "input": {"contains": "flag this"}},
        "reply": {"moderation": {"flagged": ["hate", "violence/graphic"]}},
    }
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    result = (
        client(live, key).moderations.create(input="please flag this").results[0].model_dump(by_alias=True)
    )
    assert result["flagged"] is True
    assert {c for c, on in result["categories"].items() if on} == {"hate", "violence/graphic"}


def test_text_moderation_model_leaves_illicit_null(server, key):
    body = {"model": "text-moderation-latest", "input": "hello"}
    answer = httpx.post(
        f"{server.url}/openai/v1/moderations",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()
    assert answer["model"] == "text-moderation-latest"
    assert answer["results"][0]["categories"]["illicit"] is None


# ---- legacy completions ------------------------------------------------------------------
def test_legacy_completion_defaults_to_16_tokens(server, key):
    answer = client(server, key).completions.create(model="gpt-3.5-turbo-instruct", prompt="Once upon a time")
    assert answer.object == "text_completion" and answer.id.startswith("cmpl-")
    choice = answer.choices[0]
    assert answer.usage.completion_tokens <= 16 and answer.usage.prompt_tokens == 4
    assert choice.finish_reason in ("stop", "length") and choice.text


def test_legacy_completion_prompts_n_echo_stop_and_fixture(make_server, key):
    live = make_server()
    fixture = {
        "id": "legacy",
        "match": {"endpoint": "completions"},
        "reply": {"content": "one two. three four"},
    }
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    api = client(live, key)
    answer = api.completions.create(
        model="gpt-3.5-turbo-instruct", prompt=["A:", "B:"], n=2, echo=True, stop=["."], suffix="END"
    )
    assert [c.index for c in answer.choices] == [0, 1, 2, 3]
    assert [c.text for c in answer.choices] == ["A:one two", "A:one two", "B:one two", "B:one two"]
    assert all(c.finish_reason == "stop" for c in answer.choices)
    assert answer.usage.prompt_tokens == 2 and answer.usage.completion_tokens == 8


def test_legacy_completion_streams_with_usage(make_server, key):
    live = make_server()
    fixture = {"id": "legacy", "match": {"endpoint": "completions"}, "reply": {"content": "alpha beta gamma"}}
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    stream = client(live, key).completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say", stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "alpha beta gamma"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.completion_tokens == 3 and chunks[-1].choices == []


# ---- bytes against the official OpenAPI schemas ------------------------------------------
REQUESTS = {
    "CreateEmbeddingRequest": (
        "openai/embeddings.request",
        [
            {"model": "m", "input": "x"},
            {"model": "m", "input": ["x", "y"], "encoding_format": "base64", "dimensions": 3},
            {"model": "m", "input": [1, 2]},
            {"model": "m", "input": [[1, 2], [3]]},
            {"model": "m", "input": [[]]},
            {"model": "m", "input": []},
            {"model": "m", "input": 3},
            {"model": "m", "input": "x", "encoding_format": "int8"},
            {"model": "m", "input": "x", "dimensions": 0},
            {"model": "m", "input": "x", "unknown": 1},
            {"input": "x"},
        ],
    ),
    "CreateModerationRequest": (
        "openai/moderations.request",
        [
            {"input": "x"},
            {"input": ["x", "y"], "model": "omni-moderation-latest"},
            {
                "input": [
                    {"type": "text", "text": "x"},
                    {"type": "image_url", "image_url": {"url": "https://a/b.png"}},
                ]
            },
            {"input": [{"type": "video", "url": "x"}]},
            {"input": 3},
            {"model": "omni-moderation-latest"},
        ],
    ),
    "CreateCompletionRequest": (
        "openai/completions.request",
        [
            {
                "model": "m",
                "prompt": "x",
                "n": 2,
                "echo": True,
                "stop": ["a"],
                "suffix": "s",
                "max_tokens": 5,
            },
            {"model": "m", "prompt": ["x", "y"], "stream": True, "stream_options": {"include_usage": True}},
            {"model": "m", "prompt": [[1, 2]]},
            {"model": "m", "prompt": "x", "n": 0},
            {"model": "m", "prompt": "x", "logprobs": 6},
            {"model": "m", "prompt": 5},
            {"prompt": "x"},
        ],
    ),
}


@pytest.mark.parametrize("official", sorted(REQUESTS))
def test_request_schemas_agree_with_the_official_ones(official):
    from official_spec import official_validator

    from mocksrv.schemas import SchemaRegistry

    ours_name, bodies = REQUESTS[official]
    ours, theirs = SchemaRegistry().validator(ours_name), official_validator(official)
    for body in bodies:
        assert ours.is_valid(body) == theirs.is_valid(body), body


def test_moderation_and_completion_bodies_match_the_official_schemas(server, key):
    from official_spec import official_validator

    auth = {"Authorization": f"Bearer {key}"}
    moderation = httpx.post(
        f"{server.url}/openai/v1/moderations",
        json={
            "input": [
                {"type": "text", "text": "kill"},
                {"type": "image_url", "image_url": {"url": "https://a/b"}},
            ]
        },
        headers=auth,
        timeout=10,
    )
    official_validator("CreateModerationResponse").validate(moderation.json())
    completion = httpx.post(
        f"{server.url}/openai/v1/completions",
        json={"model": "gpt-3.5-turbo-instruct", "prompt": ["a", "b"], "n": 2},
        headers=auth,
        timeout=10,
    )
    official_validator("CreateCompletionResponse").validate(completion.json())
