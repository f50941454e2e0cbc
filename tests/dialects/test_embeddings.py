"""Embeddings through the official SDKs: OpenAI /v1/embeddings (and the gateways that relay it),
Gemini embedContent / batchEmbedContents, LangChain; the similarity contract on a small corpus."""

from __future__ import annotations

import base64
import math
import struct

import httpx
import openai
import pytest
from google import genai
from google.genai import types as gtypes
from official_spec import official_validator


def client(server, key: str, dialect: str = "openai") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url(dialect), api_key=key, max_retries=0)


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (norm(a) * norm(b))


def raw_post(server, path: str, body: dict, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers=headers, timeout=10)


# ---- OpenAI shape, sizes and encodings ----------------------------------------------------
@pytest.mark.parametrize(
    ("model", "size"), [("text-embedding-3-small", 1536), ("text-embedding-3-large", 3072)]
)
def test_sdk_default_base64_gives_unit_vectors_of_the_catalog_size(server, key, model, size):
    answer = client(server, key).embeddings.create(model=model, input=["a cat sat", "on the mat"])
    assert [d.index for d in answer.data] == [0, 1]
    assert all(len(d.embedding) == size for d in answer.data)
    assert all(abs(norm(d.embedding) - 1) < 1e-5 for d in answer.data)
    assert answer.model == model and answer.usage.prompt_tokens == answer.usage.total_tokens == 6


def test_base64_is_little_endian_float32_of_the_float_answer(server, key):
    body = {"model": "text-embedding-3-small", "input": "The quick brown fox"}
    auth = {"Authorization": f"Bearer {key}"}
    floats = raw_post(server, "/openai/v1/embeddings", body, **auth).json()["data"][0]["embedding"]
    packed = raw_post(server, "/openai/v1/embeddings", {**body, "encoding_format": "base64"}, **auth).json()
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == [
        struct.unpack("<f", struct.pack("<f", x))[0] for x in floats
    ]
    assert packed["data"][0]["object"] == "embedding" and packed["usage"]["prompt_tokens"] == 4


def test_float_answer_matches_the_official_schema(server, key):
    body = {"model": "text-embedding-3-small", "input": ["one", "two"], "encoding_format": "float"}
    answer = raw_post(server, "/openai/v1/embeddings", body, Authorization=f"Bearer {key}")
    official_validator("CreateEmbeddingResponse").validate(answer.json())
    assert answer.headers["x-request-id"].startswith("req_")


def test_dimensions_is_the_renormalized_prefix_of_the_full_vector(server, key):
    api = client(server, key)
    full = api.embeddings.create(model="text-embedding-3-large", input="prefix please").data[0].embedding
    short = api.embeddings.create(model="text-embedding-3-large", input="prefix please", dimensions=256)
    cut = short.data[0].embedding
    assert len(cut) == 256 and abs(norm(cut) - 1) < 1e-5
    scale = norm(full[:256])
    assert all(abs(c - f / scale) < 1e-5 for c, f in zip(cut, full[:256], strict=True))


def test_ada_with_dimensions_is_openais_400(server, key):
    with pytest.raises(openai.BadRequestError) as caught:
        client(server, key).embeddings.create(model="text-embedding-ada-002", input="x", dimensions=256)
    assert caught.value.status_code == 400
    assert caught.value.body["message"] == "This model does not support specifying dimensions."


@pytest.mark.parametrize("bad_input", ["", [], [""], [[]], ["ok"] * 2049])
def test_empty_or_too_many_inputs_are_openais_400(server, key, bad_input):
    answer = raw_post(
        server,
        "/openai/v1/embeddings",
        {"model": "text-embedding-3-small", "input": bad_input},
        Authorization=f"Bearer {key}",
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error" and "input" in error["message"]


def test_an_input_over_the_models_token_limit_is_a_context_length_400(server, key):
    with pytest.raises(openai.BadRequestError) as caught:
        client(server, key).embeddings.create(model="text-embedding-3-small", input="word " * 9000)
    assert caught.value.code == "context_length_exceeded"
    assert "maximum context length is 8191 tokens" in caught.value.body["message"]


def test_token_id_inputs_count_their_tokens_and_repeat(server, key):
    api = client(server, key)
    one = api.embeddings.create(model="text-embedding-3-small", input=[1212, 318, 257])
    many = api.embeddings.create(model="text-embedding-3-small", input=[[1212, 318, 257], [99, 98]])
    assert one.usage.prompt_tokens == 3 and many.usage.prompt_tokens == 5
    assert many.data[0].embedding == one.data[0].embedding
    assert many.data[0].embedding != many.data[1].embedding


def test_vectors_depend_on_model_text_and_seed_only(make_server, key):
    first, second, other = make_server(), make_server(), make_server(seed=7)
    ask = lambda s, text, model="text-embedding-3-small": (  # noqa: E731
        client(s, key).embeddings.create(model=model, input=text).data[0].embedding
    )
    assert ask(first, "same text") == ask(second, "same text")
    assert ask(first, "same text") != ask(other, "same text")
    assert ask(first, "same text") != ask(first, "same text", "text-embedding-ada-002")
    batch = client(first, key).embeddings.create(model="text-embedding-3-small", input=["x y", "same text"])
    assert batch.data[1].embedding == ask(first, "same text")  # not changed by its neighbours


# ---- the similarity contract (docs/embeddings.md) ----------------------------------------
CORPUS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
    "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar.",
    "The Python programming language uses indentation to delimit blocks of code.",
    "Mount Everest is the highest mountain above sea level, in the Himalayas.",
    "Espresso is coffee brewed by forcing hot water through finely ground beans.",
    "The mitochondria is the powerhouse of the cell, producing ATP.",
]
QUESTIONS = [
    ("How tall is the Eiffel Tower in Paris?", 0),
    ("How do plants use sunlight in photosynthesis?", 1),
    ("Why does Python care about indentation?", 2),
    ("Which mountain is the highest above sea level?", 3),
    ("How is espresso coffee brewed?", 4),
    ("What does the mitochondria produce in a cell?", 5),
]


def test_retrieval_ranks_the_passage_sharing_the_questions_words_first(server, key):
    api = client(server, key)
    passages = [d.embedding for d in api.embeddings.create(model="text-embedding-3-small", input=CORPUS).data]
    for question, expected in QUESTIONS:
        query = api.embeddings.create(model="text-embedding-3-small", input=question).data[0].embedding
        scores = [cosine(query, p) for p in passages]
        assert max(range(len(scores)), key=scores.__getitem__) == expected, (question, scores)
        others = [s for i, s in enumerate(scores) if i != expected]
        assert scores[expected] - max(others) > 0.1


def test_shared_word_pieces_beat_unrelated_text(server, key):
    api = client(server, key)
    texts = ["embedding vectors", "embeddings vectorized", "volcanic eruption"]
    a, b, c = (d.embedding for d in api.embeddings.create(model="text-embedding-3-small", input=texts).data)
    assert cosine(a, b) > 0.25 > 0.1 > abs(cosine(a, c))


# ---- the gateways -------------------------------------------------------------------------
@pytest.mark.parametrize("dialect", ["opeai", "maisi"])
def test_openai_compatible_gateways_relay_embeddings(server, key, dialect):
    answer = client(server, key, dialect).embeddings.create(model="text-embedding-3-small", input="hi there")
    direct = client(server, key).embeddings.create(model="text-embedding-3-small", input="hi there")
    assert answer.data[0].embedding == direct.data[0].embedding


def test_wrapped_puts_embeddings_and_errors_in_its_envelope(server, key):
    auth = {"Authorization": f"Bearer {key}"}
    good = raw_post(
        server, "/wrapped/api/v1/embeddings", {"model": "text-embedding-3-small", "input": "x"}, **auth
    )
    assert good.status_code == 200 and good.json()["success"] is True
    assert good.json()["data"]["object"] == "list" and len(good.json()["data"]["data"]) == 1
    bad = raw_post(
        server, "/wrapped/api/v1/embeddings", {"model": "text-embedding-3-small", "input": ""}, **auth
    )
    assert bad.status_code == 400
    assert bad.json() == {"success": False, "code": "400", "message": bad.json()["message"], "data": None}


# ---- Gemini ------------------------------------------------------------------------------
def gemini(server, key: str) -> genai.Client:
    return genai.Client(api_key=key, http_options=gtypes.HttpOptions(base_url=server.base_url("gemini")))


def test_google_genai_embed_content_full_size_is_normalized(server, key):
    api = gemini(server, key)  # held: a client collected mid-call closes its connection pool
    answer = api.models.embed_content(
        model="gemini-embedding-001", contents=["What is the meaning of life?", "How do birds fly?"]
    )
    assert [len(e.values) for e in answer.embeddings] == [3072, 3072]
    assert all(abs(norm(e.values) - 1) < 1e-5 for e in answer.embeddings)


def test_output_dimensionality_truncates_without_renormalizing(server, key):
    api = gemini(server, key)
    text = "What is the meaning of life?"
    full = api.models.embed_content(model="gemini-embedding-001", contents=text).embeddings[0].values
    config = gtypes.EmbedContentConfig(output_dimensionality=768, task_type="RETRIEVAL_QUERY")
    cut = (
        api.models.embed_content(model="gemini-embedding-001", contents=text, config=config)
        .embeddings[0]
        .values
    )
    assert len(cut) == 768 and norm(cut) < 0.99
    assert all(abs(c - f) < 1e-6 for c, f in zip(cut, full[:768], strict=True))


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_embed_content_single_route(server, key, version):
    body = {
        "content": {"parts": [{"text": "hello"}]},
        "task_type": "SEMANTIC_SIMILARITY",
        "outputDimensionality": 8,
    }
    answer = raw_post(
        server, f"/gemini/{version}/models/text-embedding-004:embedContent", body, **{"x-goog-api-key": key}
    )
    assert answer.status_code == 200
    assert len(answer.json()["embedding"]["values"]) == 8
    unknown = raw_post(
        server,
        f"/gemini/{version}/models/text-embedding-004:embedContent",
        {**body, "foo": 1},
        **{"x-goog-api-key": key},
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert unknown.json()["error"]["message"].startswith('Invalid JSON payload received. Unknown name "foo"')


# ---- LangChain ---------------------------------------------------------------------------
def test_langchain_openai_embeddings(server, key):
    langchain_openai = pytest.importorskip("langchain_openai")
    embedder = langchain_openai.OpenAIEmbeddings(
        model="text-embedding-3-small",
        base_url=server.base_url("openai"),
        api_key=key,
        check_embedding_ctx_length=False,  # else tiktoken downloads its encoding first
    )
    documents = embedder.embed_documents(CORPUS)
    query = embedder.embed_query("Which mountain is the highest above sea level?")
    assert len(documents) == len(CORPUS) and len(query) == 1536
    assert max(range(len(CORPUS)), key=lambda i: cosine(query, documents[i])) == 3


def test_a_long_input_sent_twice_is_billed_without_cached_tokens(server, key):
    """Embeddings generate nothing: no prompt cache, so usage and cost are the same each time."""
    text = " ".join(f"word{i}" for i in range(3000))  # far over any prompt cache's minimum
    for _ in range(2):
        answer = client(server, key).embeddings.create(model="text-embedding-3-small", input=[text, text])
    entries = httpx.get(f"{server.url}/_mock/requests", params={"session": key}).json()["requests"]
    assert len(entries) == 2 and entries[0]["usage"] == entries[1]["usage"]
    assert entries[1]["usage"]["cached_tokens"] == 0
    assert entries[1]["usage"]["input_tokens"] == answer.usage.prompt_tokens > 1024
    assert entries[0]["cost"] == entries[1]["cost"] > 0
