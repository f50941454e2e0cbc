"""Embedding models added at run time (POST /_mock/models) are served at their own size by every
embeddings dialect, even for a body first answered before the model was added."""

from __future__ import annotations

import math
import uuid

import httpx
import ollama
import openai
import pytest
import rawhttp
from google import genai
from google.genai import types


def add_models(server, *models: dict) -> None:
    response = rawhttp.request("POST", f"{server.url}/_mock/models", json={"models": list(models)})
    assert response.status == 201, response.body


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"  # the session server is shared: a model of its own


def oai(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)


def norm(vector) -> float:
    return math.sqrt(sum(x * x for x in vector))


def test_openai_embeddings_of_a_model_added_at_run_time(server, key):
    model = unique("acme-embed")
    add_models(server, {"id": model, "family": "openai", "kind": "embedding", "dimensions": 320})
    answer = oai(server, key).embeddings.create(model=model, input=["a cat sat", "on the mat"])
    assert [len(d.embedding) for d in answer.data] == [320, 320]
    assert abs(norm(answer.data[0].embedding) - 1) < 1e-5


def test_a_body_answered_before_the_model_was_added_gets_the_new_size(server, key):
    model = unique("late-embed")
    body = {"model": model, "input": "the same body, twice", "encoding_format": "float"}
    url, auth = f"{server.url}/openai/v1/embeddings", {"Authorization": f"Bearer {key}"}
    before = httpx.post(url, json=body, headers=auth)  # parsed and kept by the per-body memo
    assert before.status_code == 200 and len(before.json()["data"][0]["embedding"]) == 1536  # the default
    add_models(server, {"id": model, "family": "openai", "kind": "embedding", "dimensions": 200})
    after = httpx.post(url, json=body, headers=auth)
    assert after.status_code == 200 and len(after.json()["data"][0]["embedding"]) == 200


def test_dimensions_above_a_run_time_models_size_is_openais_400(server, key):
    model = unique("short-embed")
    add_models(
        server, {"id": model, "family": "openai", "kind": "embedding", "dimensions": 64, "shortenable": True}
    )
    short = oai(server, key).embeddings.create(model=model, input="x", dimensions=32)
    assert len(short.data[0].embedding) == 32
    with pytest.raises(openai.BadRequestError) as raised:
        oai(server, key).embeddings.create(model=model, input="x", dimensions=65)
    assert raised.value.param == "dimensions"


def test_gemini_embed_content_of_a_model_added_at_run_time(server, key):
    model = unique("acme-gemini-embed")
    add_models(server, {"id": model, "family": "gemini", "kind": "embedding", "dimensions": 96})
    options = types.HttpOptions(base_url=server.base_url("gemini"))
    api = genai.Client(api_key=key, http_options=options)  # held: a collected client closes its pool
    result = api.models.embed_content(model=model, contents="hello")
    assert [len(e.values) for e in result.embeddings] == [96]


def test_ollama_embed_of_a_model_added_at_run_time(server):
    model = unique("acme-ollama-embed")
    add_models(server, {"id": model, "family": "ollama", "kind": "embedding", "dimensions": 128})
    answer = ollama.Client(host=server.base_url("ollama")).embed(model=model, input=["hello", "world"])
    assert [len(v) for v in answer.embeddings] == [128, 128]


def test_azure_deployment_of_a_model_added_at_run_time(server, key):
    model = unique("acme-azure-embed")
    add_models(server, {"id": model, "family": "openai", "kind": "embedding", "dimensions": 48})
    azure = openai.AzureOpenAI(
        azure_endpoint=server.base_url("azure"), api_key=key, api_version="2024-10-21", max_retries=0
    )
    assert len(azure.embeddings.create(model=model, input="hello").data[0].embedding) == 48
