"""The catalog's limits, each refused as the provider refuses it, seen through the official SDKs:
prompts over the context window, output limits over the model's, unknown names under
--known-models (or the per-request header), chat requests to embedding models."""

from __future__ import annotations

import re

import anthropic
import openai
import pytest
import rawhttp
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

TINY = [
    {"id": "tiny-gpt", "family": "openai", "context_window": 100, "max_output_tokens": 50},
    {"id": "tiny-claude", "family": "anthropic", "context_window": 100, "max_output_tokens": 50},
    {"id": "tiny-gemini", "family": "gemini", "context_window": 100, "max_output_tokens": 50},
]
LONG = "The quick brown fox jumps over the lazy dog. " * 40  # ~400 tokens: over every tiny window


@pytest.fixture(scope="module")
def tiny(server):
    response = rawhttp.request("POST", f"{server.url}/_mock/models", json={"models": TINY})
    assert response.status == 201, response.body
    return server


def oai(server, key, dialect="openai", **options):
    return openai.OpenAI(base_url=server.base_url(dialect), api_key=key, max_retries=0, **options)


def claude(server, key, **options):
    return anthropic.Anthropic(base_url=server.base_url("anthropic"), api_key=key, max_retries=0, **options)


def gemini(server, key, headers=None):
    options = types.HttpOptions(base_url=server.base_url("gemini"), api_version="v1beta", headers=headers)
    return genai.Client(api_key=key, http_options=options)


# ---- context window -------------------------------------------------------------------------
def test_openai_prompt_over_the_context_window(tiny, key):
    with pytest.raises(openai.BadRequestError) as raised:
        oai(tiny, key).chat.completions.create(model="tiny-gpt", messages=[{"role": "user", "content": LONG}])
    error = raised.value
    assert error.code == "context_length_exceeded" and error.param == "messages"
    found = re.fullmatch(
        r"This model's maximum context length is 100 tokens\. However, your messages resulted in (\d+) "
        r"tokens\. Please reduce the length of the messages\.",
        error.body["message"],
    )
    assert found and int(found.group(1)) > 100


def test_responses_prompt_over_the_context_window(tiny, key):
    with pytest.raises(openai.BadRequestError) as raised:
        oai(tiny, key).responses.create(model="tiny-gpt", input=LONG)
    assert raised.value.code == "context_length_exceeded" and raised.value.param == "input"


def test_anthropic_prompt_too_long(tiny, key):
    with pytest.raises(anthropic.BadRequestError) as raised:
        claude(tiny, key).messages.create(
            model="tiny-claude", max_tokens=10, messages=[{"role": "user", "content": LONG}]
        )
    assert raised.value.body["error"]["type"] == "invalid_request_error"
    found = re.fullmatch(
        r"prompt is too long: (\d+) tokens > 100 maximum", raised.value.body["error"]["message"]
    )
    assert found
    counted = claude(tiny, key).messages.count_tokens(
        model="tiny-claude", messages=[{"role": "user", "content": LONG}]
    )
    assert int(found.group(1)) == counted.input_tokens  # the refusal counts as count_tokens does


def test_gemini_input_token_count_exceeds(tiny, key):
    client = gemini(tiny, key)  # kept: a client dropped after one call closes its connection pool
    with pytest.raises(genai_errors.ClientError) as raised:
        client.models.generate_content(model="tiny-gemini", contents=LONG)
    assert raised.value.code == 400 and raised.value.status == "INVALID_ARGUMENT"
    counted = client.models.count_tokens(model="tiny-gemini", contents=LONG).total_tokens
    assert raised.value.message == (
        f"The input token count ({counted}) exceeds the maximum number of tokens allowed (100)."
    )


def test_a_gateway_refuses_in_its_own_envelope(tiny, key):
    with pytest.raises(openai.BadRequestError) as raised:
        oai(tiny, key, "opeai").chat.completions.create(
            model="tiny-gpt", messages=[{"role": "user", "content": LONG}]
        )
    assert raised.value.code == "context_length_exceeded"


# ---- output limits --------------------------------------------------------------------------
@pytest.mark.parametrize("param", ["max_tokens", "max_completion_tokens"])
def test_openai_output_limit(server, key, param):
    with pytest.raises(openai.BadRequestError) as raised:
        oai(server, key).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], **{param: 20000}
        )
    error = raised.value
    assert (error.code, error.param) == ("invalid_value", param)
    assert error.body["message"] == (
        f"{param} is too large: 20000. This model supports at most 16384 completion tokens, "
        "whereas you provided 20000."
    )


def test_responses_output_limit(server, key):
    with pytest.raises(openai.BadRequestError) as raised:
        oai(server, key).responses.create(model="gpt-4o", input="Hi", max_output_tokens=20000)
    assert raised.value.param == "max_output_tokens"


def test_anthropic_output_limit(server, key):
    with pytest.raises(anthropic.BadRequestError) as raised:
        claude(server, key).messages.create(
            model="claude-3-5-haiku-latest", max_tokens=10000, messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.body["error"]["message"] == (
        "max_tokens: 10000 > 8192, which is the maximum allowed number of output tokens for "
        "claude-3-5-haiku-latest"
    )


def test_gemini_output_limit(tiny, key):
    config = types.GenerateContentConfig(max_output_tokens=51)
    client = gemini(tiny, key)
    with pytest.raises(genai_errors.ClientError) as raised:
        client.models.generate_content(model="tiny-gemini", contents="Hi", config=config)
    assert raised.value.code == 400
    assert "maxOutputTokens value of 51" in raised.value.message
    assert "from 1 (inclusive) to 51 (exclusive)" in raised.value.message


def test_within_the_limits_is_answered(tiny, key):
    answer = oai(tiny, key).chat.completions.create(
        model="tiny-gpt", messages=[{"role": "user", "content": "Hi"}], max_tokens=50
    )
    assert answer.choices[0].message.content


# ---- unknown names and kinds ----------------------------------------------------------------
def test_unknown_models_are_answered_by_default(server, key):
    answer = oai(server, key).chat.completions.create(
        model="gpt-from-the-future", messages=[{"role": "user", "content": "Hi"}]
    )
    assert answer.model == "gpt-from-the-future"


def test_known_models_flag_makes_unknown_names_not_found(make_server, key):
    strict = make_server(known_models=True)
    with pytest.raises(openai.NotFoundError) as raised:
        oai(strict, key).chat.completions.create(model="nope-1", messages=[{"role": "user", "content": "Hi"}])
    assert raised.value.code == "model_not_found"
    assert (
        raised.value.body["message"] == "The model `nope-1` does not exist or you do not have access to it."
    )
    with pytest.raises(anthropic.NotFoundError) as raised_claude:
        claude(strict, key).messages.create(
            model="nope-2", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert raised_claude.value.body["error"] == {"type": "not_found_error", "message": "model: nope-2"}
    client = gemini(strict, key)
    with pytest.raises(genai_errors.ClientError) as raised_gemini:
        client.models.generate_content(model="nope-3", contents="Hi")
    assert raised_gemini.value.code == 404 and raised_gemini.value.status == "NOT_FOUND"
    assert raised_gemini.value.message.startswith("models/nope-3 is not found for API version v1beta")
    # A dated snapshot of a listed model is known.
    answer = oai(strict, key).chat.completions.create(
        model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": "Hi"}]
    )
    assert answer.choices


def test_the_header_turns_it_on_for_one_request(server, key):
    client = oai(server, key, default_headers={"X-Mock-Known-Models": "1"})
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope-4", messages=[{"role": "user", "content": "Hi"}])
    gateway = oai(server, key, "opeai", default_headers={"X-Mock-Known-Models": "1"})
    with pytest.raises(openai.InternalServerError) as raised:  # new-api: 503 "no channel"
        gateway.chat.completions.create(model="nope-5", messages=[{"role": "user", "content": "Hi"}])
    assert raised.value.status_code == 503
    assert raised.value.code == "model_not_found" and "nope-5" in raised.value.body["message"]


def test_a_chat_request_to_an_embedding_model_is_refused(server, key):
    with pytest.raises(openai.NotFoundError) as raised:
        oai(server, key).chat.completions.create(
            model="text-embedding-3-small", messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.param == "model"
    assert raised.value.body["message"].startswith("This is not a chat model")
    client = gemini(server, key)
    with pytest.raises(genai_errors.ClientError) as raised_gemini:
        client.models.generate_content(model="text-embedding-004", contents="Hi")
    assert raised_gemini.value.code == 404


def test_known_models_from_the_environment():
    from mocksrv.env import from_environ

    assert from_environ({"MOCKSRV_KNOWN_MODELS": "1"}) == {"known_models": True}
    assert from_environ({"MOCKSRV_KNOWN_MODELS": "off"}) == {"known_models": False}
