"""Ollama `/api/embed` and the older `/api/embeddings` through the `ollama` client (and
LangChain's OllamaEmbeddings): the shared vectors (mocksrv/vectors.py) at the catalog's sizes,
the similarity contract of docs/embeddings.md, determinism, `dimensions`, and Ollama's own
shapes (unit vectors on /api/embed, the raw vector on /api/embeddings, no vectors for no input)."""

from __future__ import annotations

import math
from pathlib import Path

import httpx2
import ollama
import pytest

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
CORPUS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
    "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar.",
    "Mount Everest is the highest mountain above sea level, in the Himalayas.",
    "Espresso is coffee brewed by forcing hot water through finely ground beans.",
]
QUESTIONS = [
    ("How tall is the Eiffel Tower in Paris?", 0),
    ("How do plants use sunlight in photosynthesis?", 1),
    ("Which mountain is the highest above sea level?", 2),
    ("How is espresso coffee brewed?", 3),
]


def client(server) -> ollama.Client:
    return ollama.Client(host=server.url + "/ollama")


def norm(vector) -> float:
    return math.sqrt(sum(x * x for x in vector))


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (norm(a) * norm(b))


@pytest.mark.parametrize(
    ("model", "size"), [("nomic-embed-text", 768), ("mxbai-embed-large", 1024), ("all-minilm", 384)]
)
def test_embed_gives_unit_vectors_of_the_catalogs_size(server, model, size):
    answer = client(server).embed(model=model, input=["the cat sat", "the cat sat", "stock prices"])
    first, same, other = answer.embeddings
    assert first == same and first != other
    assert [len(v) for v in answer.embeddings] == [size] * 3
    assert all(abs(norm(v) - 1) < 1e-5 for v in answer.embeddings)  # /api/embed normalizes
    assert answer.model == model and answer.prompt_eval_count > 0 and answer.total_duration > 0
    raw = httpx2.post(server.url + "/ollama/api/embed", json={"model": model, "input": "x"})
    assert SCHEMAS.violations("ollama/embed.response", raw.json()) == []


def test_retrieval_ranks_the_passage_sharing_the_questions_words_first(server):
    passages = client(server).embed(model="nomic-embed-text", input=CORPUS).embeddings
    for question, expected in QUESTIONS:
        query = client(server).embed(model="nomic-embed-text", input=question).embeddings[0]
        scores = [cosine(query, p) for p in passages]
        assert max(range(len(scores)), key=scores.__getitem__) == expected, (question, scores)
        assert scores[expected] - max(s for i, s in enumerate(scores) if i != expected) > 0.1


def test_vectors_depend_on_model_text_and_seed_only(server, make_server):
    ask = lambda s, text, model="nomic-embed-text": client(s).embed(model=model, input=text).embeddings[0]  # noqa: E731
    again, reseeded = make_server(), make_server(seed=7)
    assert ask(server, "same text") == ask(again, "same text")
    assert ask(server, "same text") != ask(reseeded, "same text")
    assert ask(server, "same text") == ask(server, "same text", "nomic-embed-text:latest")  # one model
    assert ask(server, "same text", "all-minilm")[:8] != ask(server, "same text")[:8]
    batch = client(server).embed(model="nomic-embed-text", input=["x y", "same text"]).embeddings
    assert batch[1] == ask(server, "same text")  # not changed by its neighbours


def test_dimensions_is_the_renormalized_prefix(server):
    full = client(server).embed(model="mxbai-embed-large", input="prefix please").embeddings[0]
    cut = client(server).embed(model="mxbai-embed-large", input="prefix please", dimensions=64).embeddings[0]
    assert len(cut) == 64 and abs(norm(cut) - 1) < 1e-5
    scale = norm(full[:64])
    assert all(abs(c - f / scale) < 1e-5 for c, f in zip(cut, full[:64], strict=True))


def test_unknown_model_gets_the_families_default_size(server):
    assert len(client(server).embed(model="bge-m3", input="hello").embeddings[0]) == 768


def test_show_names_the_catalogs_embedding_models(server):
    assert client(server).show("all-minilm").capabilities == ["embedding"]  # the catalog's kind
    assert client(server).show("nomic-embed-text:v1.5").capabilities == ["embedding"]
    assert "completion" in client(server).show("llama3.2").capabilities


def test_older_embeddings_route_is_the_raw_vector_of_the_same_direction(server):
    unit = client(server).embed(model="nomic-embed-text", input="the cat sat").embeddings[0]
    older = client(server).embeddings(model="nomic-embed-text", prompt="the cat sat").embedding
    assert len(older) == 768 and norm(older) > 2  # not normalized, as Ollama's legacy route
    scale = norm(older)
    assert all(abs(o / scale - u) < 1e-6 for o, u in zip(older, unit, strict=True))
    raw = httpx2.post(
        server.url + "/ollama/api/embeddings", json={"model": "nomic-embed-text", "prompt": "the cat sat"}
    )
    assert raw.json()["embedding"] == older  # the same bytes every time
    assert SCHEMAS.violations("ollama/embeddings.response", raw.json()) == []


# ---- the context and `dimensions`, as Ollama's EmbedHandler (docs/wire-decisions.md) ------------
LONG = "rivers " * 600  # 600 tokens: over all-minilm's 512


def test_truncate_false_with_an_input_over_the_context_is_ollamas_400(server):
    with pytest.raises(ollama.ResponseError) as raised:
        client(server).embed(model="all-minilm", input=["short", LONG], truncate=False)
    assert raised.value.status_code == 400
    assert raised.value.error == "the input length exceeds the context length"
    raw = httpx2.post(
        server.url + "/ollama/api/embed", json={"model": "all-minilm", "input": LONG, "truncate": False}
    )
    assert (raw.status_code, raw.json()) == (400, {"error": "the input length exceeds the context length"})
    assert SCHEMAS.violations("ollama/error", raw.json()) == []


def test_an_input_over_the_context_is_cut_to_it_by_default(server):
    cut = " ".join(["rivers"] * 512)  # the first 512 tokens (the trailing space is a token of its own)
    for truncate in (None, True):
        answer = client(server).embed(model="all-minilm", input=[LONG, cut], truncate=truncate)
        assert answer.embeddings[0] == answer.embeddings[1]
        assert answer.prompt_eval_count == 512 + 512
    within = client(server).embed(model="all-minilm", input=cut, truncate=False)
    assert within.embeddings[0] == answer.embeddings[1]  # at the context: no error, no cut


def test_num_ctx_below_the_models_context_is_the_limit(server):
    with pytest.raises(ollama.ResponseError) as raised:
        client(server).embed(model="all-minilm", input="a b c d e", truncate=False, options={"num_ctx": 4})
    assert raised.value.status_code == 400
    answer = client(server).embed(model="all-minilm", input="a b c d e", options={"num_ctx": 4})
    assert answer.prompt_eval_count == 4


@pytest.mark.parametrize("dimensions", [768, 1024, 100_000, 0, -5])
def test_dimensions_not_below_the_models_size_is_the_full_vector(server, dimensions):
    full = client(server).embed(model="nomic-embed-text", input="the full vector").embeddings[0]
    raw = httpx2.post(
        server.url + "/ollama/api/embed",
        json={"model": "nomic-embed-text", "input": "the full vector", "dimensions": dimensions},
    )
    assert raw.status_code == 200 and raw.json()["embeddings"] == [full]
    answer = client(server).embed(model="nomic-embed-text", input="the full vector", dimensions=dimensions)
    assert answer.embeddings == [full]


def test_no_input_is_no_vectors(server):
    assert client(server).embed(model="nomic-embed-text").embeddings == []  # the client's preload
    assert client(server).embed(model="nomic-embed-text", input=[]).embeddings == []
    assert client(server).embeddings(model="nomic-embed-text", prompt="").embedding == []
    missing = httpx2.post(server.url + "/ollama/api/embed", json={"input": "x"})
    assert (missing.status_code, missing.json()) == (400, {"error": "model is required"})


def test_a_fixture_pins_an_ollama_vector(make_server, tmp_path: Path):
    (tmp_path / "pinned.yaml").write_text(
        "fixtures:\n"
        "  - id: pinned\n"
        "    match: {dialect: ollama, endpoint: embeddings, input: {contains: pinned}}\n"
        "    reply: {embedding: [0.6, 0.8, 0.0, 0.0]}\n"
    )
    live = make_server(fixture_dirs=(tmp_path,))
    answer = client(live).embed(model="nomic-embed-text", input="a pinned text")
    assert answer.embeddings == [[0.6, 0.8, 0.0, 0.0]]


def test_langchain_ollama_embeddings(server):
    langchain_ollama = pytest.importorskip("langchain_ollama")
    embedder = langchain_ollama.OllamaEmbeddings(model="nomic-embed-text", base_url=server.url + "/ollama")
    documents = embedder.embed_documents(CORPUS)
    query = embedder.embed_query("Which mountain is the highest above sea level?")
    assert len(documents) == len(CORPUS) and len(query) == 768
    assert max(range(len(CORPUS)), key=lambda i: cosine(query, documents[i])) == 2
