"""Azure OpenAI embeddings and legacy completions through `openai.AzureOpenAI` (and LangChain's
AzureOpenAIEmbeddings): OpenAI's vectors and texts on deployments and v1 routes, Azure's
api-version checks, credentials, deployments, content-filter annotations and error bodies."""

from __future__ import annotations

import base64
import json
import math
import struct

import httpx2
import openai
import pytest
from azure_client import AZURE_FIXTURES, TEST_FIXTURES, VERSION, azure
from official_spec import official_validator

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
SMALL = "text-embedding-3-small"
INSTRUCT = "instruct-prod"  # the deployment tests/data/azure declares for gpt-3.5-turbo-instruct
PASSAGES = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
    "Espresso is coffee brewed by forcing hot water through finely ground beans.",
    "Mount Everest is the highest mountain above sea level, in the Himalayas.",
]


def openai_vectors(server, key: str, texts: list[str], model: str = SMALL, **kw) -> list[list[float]]:
    direct = openai.OpenAI(base_url=server.url + "/openai/v1", api_key=key, max_retries=0)
    return [d.embedding for d in direct.embeddings.create(model=model, input=texts, **kw).data]


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def post(server, path: str, body: dict, **headers: str) -> httpx2.Response:
    return httpx2.post(server.url + "/azure/openai" + path, json=body, headers=headers, timeout=10)


# ---- embeddings ---------------------------------------------------------------------------
def test_embeddings_on_a_deployment_are_openais_vectors(server, key):
    raw = azure(server, key).embeddings.with_raw_response.create(model=SMALL, input=PASSAGES)
    assert f"/azure/openai/deployments/{SMALL}/embeddings" in str(raw.http_request.url)
    assert raw.http_request.url.params["api-version"] == VERSION
    assert json.loads(raw.http_request.content)["encoding_format"] == "base64"  # the SDK's default
    assert raw.headers["apim-request-id"] and raw.headers["x-ms-region"]
    answer = raw.parse()
    assert answer.model == SMALL and [d.index for d in answer.data] == [0, 1, 2]
    assert [d.embedding for d in answer.data] == openai_vectors(server, key, PASSAGES)
    assert all(len(d.embedding) == 1536 and abs(norm(d.embedding) - 1) < 1e-5 for d in answer.data)
    assert answer.usage.prompt_tokens == answer.usage.total_tokens > 0


def test_float_embeddings_match_the_official_schema_and_the_base64_bytes(server, key):
    body = {"input": "The quick brown fox", "encoding_format": "float"}
    path = f"/deployments/{SMALL}/embeddings?api-version={VERSION}"
    floats = post(server, path, body, **{"api-key": key})
    assert floats.status_code == 200
    official_validator("CreateEmbeddingResponse").validate(floats.json())
    assert "prompt_filter_results" not in floats.json()  # the content filter does not see embeddings
    packed = post(server, path, {**body, "encoding_format": "base64"}, **{"api-key": key}).json()
    raw = base64.b64decode(packed["data"][0]["embedding"])
    as_float32 = [struct.unpack("<f", struct.pack("<f", x))[0] for x in floats.json()["data"][0]["embedding"]]
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == as_float32
    assert floats.json()["model"] == SMALL  # no `model` in the body: the deployment names it


def test_dimensions_cut_as_openai_does(server, key):
    short = azure(server, key).embeddings.create(model=SMALL, input="prefix please", dimensions=256)
    vector = short.data[0].embedding
    assert len(vector) == 256 and abs(norm(vector) - 1) < 1e-5
    assert vector == openai_vectors(server, key, ["prefix please"], dimensions=256)[0]
    with pytest.raises(openai.BadRequestError) as caught:
        azure(server, key).embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)
    assert caught.value.body["message"] == "This model does not support specifying dimensions."


@pytest.mark.parametrize("bad_input", ["", [], [""], ["ok"] * 2049])
def test_bad_embedding_input_is_the_openai_400(server, key, bad_input):
    answer = post(
        server,
        f"/deployments/{SMALL}/embeddings?api-version={VERSION}",
        {"input": bad_input},
        **{"api-key": key},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert SCHEMAS.violations("azure/error", answer.json()) == []


def test_declared_deployments_name_the_model_and_others_are_not_found(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    client = azure(live, key)
    answer = client.embeddings.create(model="embed-prod", input=PASSAGES[:2], dimensions=1024)
    assert answer.model == "text-embedding-3-large"  # the deployment's model, as Azure answers
    assert [d.embedding for d in answer.data] == openai_vectors(
        live, key, PASSAGES[:2], "text-embedding-3-large", dimensions=1024
    )
    assert len(client.embeddings.create(model="embed-prod", input="x").data[0].embedding) == 3072
    completion = client.completions.create(model=INSTRUCT, prompt="Once upon a time")
    assert completion.model == "gpt-3.5-turbo-instruct"
    for call in (
        lambda: client.embeddings.create(model=SMALL, input="x"),
        lambda: client.completions.create(model="gpt-3.5-turbo-instruct", prompt="x"),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.body["code"] == "DeploymentNotFound"
        assert SCHEMAS.violations("azure/error", {"error": caught.value.body}) == []


# ---- api-version, v1 routes, credentials --------------------------------------------------
@pytest.mark.parametrize(
    ("operation", "body"),
    [("embeddings", {"input": "hi"}), ("completions", {"prompt": "hi"})],
)
def test_api_version_missing_is_404_and_unknown_is_400(server, key, operation, body):
    path, headers = f"/deployments/d/{operation}", {"api-key": key}
    missing = post(server, path, body, **headers)
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": {"code": "404", "message": "Resource not found"}},
    )
    unknown = post(server, path + "?api-version=2019-01-01", body, **headers)
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"error": {"code": "BadRequest", "message": "API version not supported"}},
    )
    on_v1 = post(server, f"/v1/{operation}?api-version={VERSION}", {**body, "model": "m"}, **headers)
    assert on_v1.status_code == 400 and on_v1.json()["error"]["code"] == "BadRequest"


def test_v1_routes_take_the_deployment_in_the_body(server, key):
    client = openai.OpenAI(base_url=server.url + "/azure/openai/v1", api_key=key, max_retries=0)
    vectors = client.embeddings.create(model=SMALL, input=PASSAGES)
    assert [d.embedding for d in vectors.data] == openai_vectors(server, key, PASSAGES)
    legacy = client.completions.create(model="gpt-35-turbo-instruct", prompt="Say hi", max_tokens=5)
    assert legacy.object == "text_completion" and legacy.model == "gpt-35-turbo-instruct"
    assert legacy.usage.completion_tokens <= 5


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
        ("embeddings", {"input": "hi"}),
        ("completions", {"prompt": "hi"}),
    ],
)
def test_a_v1_route_without_a_model_is_a_400(server, key, operation, body):
    """A deployment route names the model in its path; a v1 route has only the body's `model`."""
    refused = post(server, f"/v1/{operation}", body, **{"api-key": key})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "'model'" in error["message"] and error.get("param") == "model"
    assert SCHEMAS.violations("azure/error", {"error": error}) == []
    assert (
        post(
            server, f"/deployments/d/{operation}?api-version={VERSION}", body, **{"api-key": key}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("operation", ["embeddings", "completions"])
def test_credentials_and_azures_401_bodies(server, make_server, key, operation):
    body = {"input": "hi"} if operation == "embeddings" else {"prompt": "hi"}
    missing = post(server, f"/deployments/d/{operation}?api-version={VERSION}", body)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "401"
    assert missing.json()["error"]["message"].startswith("Access denied due to missing subscription key.")
    call = {
        "embeddings": lambda c: c.embeddings.create(model=SMALL, input="hi"),
        "completions": lambda c: c.completions.create(model="d", prompt="hi"),
    }[operation]
    assert call(azure(server, token="eyJ0eXAiOiJKV1Qi.entra.token"))  # Entra ID: Authorization: Bearer
    locked = make_server(api_keys=("right-key",))
    assert call(azure(locked, "right-key"))
    with pytest.raises(openai.AuthenticationError) as caught:
        call(azure(locked, "wrong-key"))
    assert caught.value.body["code"] == "401"
    assert caught.value.body["message"].startswith("Access denied due to invalid subscription key")


# ---- completions ----------------------------------------------------------------------------
def test_completion_carries_the_content_filter_verdicts(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    raw = azure(live, key).completions.with_raw_response.create(model=INSTRUCT, prompt="Once upon a time")
    assert "/azure/openai/deployments/instruct-prod/completions" in str(raw.http_request.url)
    body = json.loads(raw.text)
    official_validator("CreateCompletionResponse").validate(body)
    assert body["object"] == "text_completion" and body["choices"][0]["text"] == "there was a mock server."
    assert [p["prompt_index"] for p in body["prompt_filter_results"]] == [0]
    assert body["prompt_filter_results"][0]["content_filter_results"]["jailbreak"] == {
        "filtered": False,
        "detected": False,
    }
    verdicts = body["choices"][0]["content_filter_results"]
    assert verdicts["violence"] == {"filtered": False, "severity": "safe"}
    assert verdicts["protected_material_text"] == {"filtered": False, "detected": False}


def test_array_prompts_times_n_choices_one_verdict_per_prompt(server, key):
    answer = azure(server, key).completions.with_raw_response.create(
        model="d", prompt=["First prompt", "Second prompt"], n=2, max_tokens=4
    )
    body = json.loads(answer.text)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2, 3]
    assert [p["prompt_index"] for p in body["prompt_filter_results"]] == [0, 1]
    assert all(c["content_filter_results"]["hate"]["severity"] == "safe" for c in body["choices"])
    parsed = answer.parse()
    assert len(parsed.choices) == 4 and all(c.text for c in parsed.choices)


def test_completion_stream_starts_with_the_prompt_filter_chunk(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    events = []
    with azure(live, key).completions.with_streaming_response.create(
        model=INSTRUCT, prompt="Once upon a time", stream=True, stream_options={"include_usage": True}
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
    first, *rest = events
    assert first["choices"] == [] and first["id"] == "" and first["prompt_filter_results"]
    texts = [e for e in rest if e["choices"] and e["choices"][0]["text"]]
    assert texts
    assert all(e["choices"][0]["content_filter_results"]["sexual"]["filtered"] is False for e in texts)
    assert rest[-1]["choices"] == [] and rest[-1]["usage"]["completion_tokens"] > 0
    stream = azure(live, key).completions.create(model=INSTRUCT, prompt="Once upon a time", stream=True)
    assert "".join(c.choices[0].text for c in stream if c.choices) == "there was a mock server."


def test_a_filtered_completion_prompt_is_azures_400(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as caught:
            azure(live, key).completions.create(model=INSTRUCT, prompt="a forbidden prompt", stream=stream)
        body = caught.value.body
        assert body["code"] == "content_filter" and body["param"] == "prompt"
        assert body["innererror"]["content_filter_result"]["violence"]["filtered"] is True


# ---- scripted errors ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operation", "scenario", "status", "code"),
    [
        ("embeddings", "err-rate_limit", 429, "429"),
        ("completions", "err-rate_limit", 429, "429"),
        ("embeddings", "err-server_error", 500, "InternalServerError"),
        ("completions", "err-overloaded", 503, "ServiceUnavailable"),
        ("embeddings", "err-not_found", 404, "DeploymentNotFound"),
        ("completions", "err-context_length", 400, "context_length_exceeded"),
    ],
)
def test_scripted_errors_come_in_azures_envelope(server, key, operation, scenario, status, code):
    client = azure(server, key, default_headers={"X-Mock-Scenario": scenario})
    with pytest.raises(openai.APIStatusError) as caught:
        if operation == "embeddings":
            client.embeddings.create(model=SMALL, input="hi")
        else:
            client.completions.create(model="d", prompt="hi")
    assert caught.value.status_code == status and caught.value.body["code"] == code
    assert SCHEMAS.violations("azure/error", {"error": caught.value.body}) == []
    if scenario == "err-rate_limit":
        operation_name = {"embeddings": "Embeddings_Create", "completions": "Completions_Create"}[operation]
        assert f"Requests to the {operation_name} Operation" in caught.value.body["message"]
        delay = caught.value.response.headers["retry-after"]
        assert f"Please retry after {delay} second" in caught.value.body["message"]


# ---- LangChain ------------------------------------------------------------------------------
def test_langchain_azure_openai_embeddings(server, key):
    langchain_openai = pytest.importorskip("langchain_openai")
    embedder = langchain_openai.AzureOpenAIEmbeddings(
        model=SMALL,
        azure_endpoint=server.url + "/azure",
        api_key=key,
        api_version=VERSION,
        check_embedding_ctx_length=False,  # else tiktoken downloads its encoding first
    )
    documents = embedder.embed_documents(PASSAGES)
    query = embedder.embed_query("How is espresso brewed?")
    assert documents == openai_vectors(server, key, PASSAGES)
    scores = [sum(q * p for q, p in zip(query, passage, strict=True)) for passage in documents]
    assert max(range(len(PASSAGES)), key=scores.__getitem__) == 1
