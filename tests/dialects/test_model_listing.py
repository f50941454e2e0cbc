"""/models from the catalog, in each provider's shape, through the official SDKs; models added at
run time through the control API (schema-checked) join the listings and the limits."""

from __future__ import annotations

from pathlib import Path

import anthropic
import openai
import pytest
import rawhttp
import yaml
from google import genai
from google.genai import types
from official_spec import official_validator

CATALOG = yaml.safe_load((Path(__file__).parents[2] / "models" / "catalog.yaml").read_text(encoding="utf-8"))


def family_ids(family: str) -> list[str]:
    return [m["id"] for m in CATALOG["models"] if m["family"] == family]


def test_openai_models_list_and_retrieve(server, key):
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    listed = [m.id for m in client.models.list()]
    assert listed[: len(family_ids("openai"))] == family_ids("openai")  # then run-time additions
    model = client.models.retrieve("gpt-4o")
    assert (model.id, model.object, model.created) == ("gpt-4o", "model", 1715367049)
    raw = rawhttp.request(
        "GET", server.base_url("openai") + "/models", headers={"Authorization": f"Bearer {key}"}
    )
    official_validator("ListModelsResponse").validate(raw.json())
    official_validator("Model").validate(raw.json()["data"][0])


def test_openai_retrieve_unknown_under_known_models(server, key):
    client = openai.OpenAI(
        base_url=server.base_url("openai"),
        api_key=key,
        max_retries=0,
        default_headers={"X-Mock-Known-Models": "1"},
    )
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("nope-model")


def test_anthropic_models_list_pages_and_retrieve(server, key):
    client = anthropic.Anthropic(base_url=server.base_url("anthropic"), api_key=key, max_retries=0)
    everything = [m.id for m in client.models.list()]  # the SDK follows the pages
    assert everything[: len(family_ids("anthropic"))] == family_ids("anthropic")
    page = client.models.list(limit=2)
    assert [m.id for m in page.data] == everything[:2]
    assert page.has_more and page.first_id == everything[0] and page.last_id == everything[1]
    following = client.models.list(limit=2, after_id=page.last_id)
    assert [m.id for m in following.data] == everything[2:4]
    model = client.models.retrieve("claude-sonnet-4-5")
    assert (model.type, model.display_name) == ("model", "Claude Sonnet 4.5")
    assert model.created_at.year == 2025


def test_gemini_models_list_and_get(server, key):
    client = genai.Client(
        api_key=key, http_options=types.HttpOptions(base_url=server.base_url("gemini"), api_version="v1beta")
    )
    listed = list(client.models.list(config={"page_size": 3}))  # several pages
    names = [f"models/{i}" for i in family_ids("gemini")]
    assert [m.name for m in listed][: len(names)] == names
    pro = client.models.get(model="gemini-2.5-pro")
    assert (pro.input_token_limit, pro.output_token_limit) == (1048576, 65536)
    assert pro.display_name == "Gemini 2.5 Pro" and pro.thinking is True
    assert "generateContent" in pro.supported_actions
    embedder = client.models.get(model="models/text-embedding-004")
    assert embedder.supported_actions[0] == "embedContent"


def test_models_added_at_run_time(make_server, key):
    server = make_server()
    bad = rawhttp.request(
        "POST", f"{server.url}/_mock/models", json={"models": [{"id": "x", "family": "acme"}]}
    )
    assert bad.status == 400 and "family" in bad.text
    entry = {"id": "acme-large", "family": "openai", "context_window": 64, "prices": {"input": 1.0}}
    added = rawhttp.request("POST", f"{server.url}/_mock/models", json={"models": [entry]})
    assert added.status == 201 and added.json() == {"added": ["acme-large"]}
    shown = rawhttp.request("GET", f"{server.url}/_mock/models").json()["models"]
    assert {"id": "acme-large", "context_window": 64}.items() <= next(
        m for m in shown if m["id"] == "acme-large"
    ).items()
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    assert "acme-large" in [m.id for m in client.models.list()]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="acme-large", messages=[{"role": "user", "content": "word " * 100}]
        )
    rawhttp.request("POST", f"{server.url}/_mock/reset", json={})
    assert "acme-large" not in [m.id for m in client.models.list()]
