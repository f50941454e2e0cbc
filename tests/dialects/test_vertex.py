"""Vertex AI: Gemini and Claude behind /vertex, judged by google-genai and AnthropicVertex."""

from __future__ import annotations

import anthropic
import pytest
import rawhttp
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from google.oauth2.credentials import Credentials

from mocksrv.testing import MockServer

GEMINI = "gemini-2.5-flash"
CLAUDE = "claude-sonnet-4@20250514"
HELLO_REPLY = "Hello! How can I help you today?"  # tests/data/fixtures: the reply to "Hello!"
ERROR_KINDS = [
    "bad_request",
    "auth",
    "permission",
    "not_found",
    "context_length",
    "rate_limit",
    "quota",
    "server_error",
    "overloaded",
    "timeout",
]


def vertex_genai(server: MockServer, token: str, **http: object) -> genai.Client:
    options = types.HttpOptions(base_url=server.url + "/vertex", **http)
    return genai.Client(
        vertexai=True,
        project="proj",
        location="us-central1",
        credentials=Credentials(token),
        http_options=options,
    )


def vertex_claude(server: MockServer, token: str, **options: object) -> anthropic.AnthropicVertex:
    options.setdefault("max_retries", 0)
    return anthropic.AnthropicVertex(
        project_id="proj",
        region="us-east5",
        access_token=token,
        base_url=server.url + "/vertex/v1",
        **options,
    )


@pytest.mark.parametrize("version", [None, "v1"])  # google-genai's default is v1beta1
def test_gemini_on_vertex_generates_streams_and_counts(
    server: MockServer, key: str, version: str | None
) -> None:
    client = vertex_genai(server, key, **({"api_version": version} if version else {}))
    assert client.models.generate_content(model=GEMINI, contents="Hello!").text == HELLO_REPLY
    chunks = list(client.models.generate_content_stream(model=GEMINI, contents="Hello!"))
    assert "".join(c.text or "" for c in chunks) == HELLO_REPLY
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert client.models.count_tokens(model=GEMINI, contents="Hello!").total_tokens > 0


def test_gemini_on_vertex_routes_both_versions(server: MockServer, key: str) -> None:
    path = "/vertex/{v}/projects/p/locations/europe-west4/publishers/google/models/"
    path += "gemini-2.5-pro:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "Hello!"}]}]}
    for version in ("v1", "v1beta1"):
        answer = rawhttp.post(
            server.url + path.format(v=version), json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status == 200
        assert answer.json()["modelVersion"] == "gemini-2.5-pro"
    unknown = rawhttp.post(
        server.url + path.format(v="v1beta"), json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert unknown.status == 404


def test_vertex_without_a_token_is_googles_401(server: MockServer) -> None:
    path = "/vertex/v1beta1/projects/p/locations/l/publishers/{pub}/models/m:{method}"
    for pub, method in (("google", "generateContent"), ("anthropic", "rawPredict")):
        answer = rawhttp.post(server.url + path.format(pub=pub, method=method), json={})
        assert answer.status == 401
        assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_vertex_rejects_an_unknown_token_when_keys_are_declared(make_server) -> None:
    live = make_server(api_keys=("good-token",))
    bad, good = vertex_genai(live, "bad-token"), vertex_genai(live, "good-token")  # kept: GC closes them
    with pytest.raises(genai_errors.ClientError) as caught:
        bad.models.generate_content(model=GEMINI, contents="Hello!")
    assert caught.value.code == 401 and caught.value.status == "UNAUTHENTICATED"
    assert good.models.generate_content(model=GEMINI, contents="Hello!").text


def test_claude_on_vertex_creates_streams_and_counts(server: MockServer, key: str) -> None:
    client = vertex_claude(server, key)
    messages = [{"role": "user", "content": "Hello!"}]
    message = client.messages.create(model=CLAUDE, max_tokens=100, messages=messages)
    assert message.model == CLAUDE  # from the URL: the body carries no model
    assert message.content[0].text == HELLO_REPLY
    with client.messages.stream(model=CLAUDE, max_tokens=100, messages=messages) as stream:
        assert stream.get_final_text() == HELLO_REPLY
    assert (
        client.messages.count_tokens(model=CLAUDE, messages=messages).input_tokens
        == message.usage.input_tokens
    )


def test_claude_on_vertex_requires_anthropic_version_in_the_body(server: MockServer, key: str) -> None:
    url = (
        server.url
        + f"/vertex/v1/projects/p/locations/us-east5/publishers/anthropic/models/{CLAUDE}:rawPredict"
    )
    body = {"max_tokens": 10, "messages": [{"role": "user", "content": "Hello!"}]}
    headers = {"Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01"}  # a header does not count
    missing = rawhttp.post(url, json=body, headers=headers)
    assert missing.status == 400
    assert missing.json()["error"] == {
        "type": "invalid_request_error",
        "message": "anthropic_version: Field required",
    }
    for version in ("vertex-2023-10-16", "2026-10-21"):  # required, not pinned
        assert rawhttp.post(url, json={**body, "anthropic_version": version}, headers=headers).status == 200


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_vertex_scenario_errors_reach_both_sdks(server: MockServer, key: str, kind: str) -> None:
    headers = {"X-Mock-Scenario": f"err-{kind}"}
    gemini = vertex_genai(server, key, headers=headers, retry_options=types.HttpRetryOptions(attempts=1))
    with pytest.raises(genai_errors.APIError) as gemini_error:
        gemini.models.generate_content(model=GEMINI, contents="Hello!")
    with pytest.raises(anthropic.APIStatusError) as claude_error:
        vertex_claude(server, key, default_headers=headers).messages.create(
            model=CLAUDE, max_tokens=10, messages=[{"role": "user", "content": "Hello!"}]
        )
    assert gemini_error.value.code >= 400 and claude_error.value.status_code >= 400
    if kind == "auth":  # Vertex's front end answers it, for both publishers
        assert gemini_error.value.status == claude_error.value.body["error"]["status"] == "UNAUTHENTICATED"
    else:  # past the front end: each family's own envelope
        assert claude_error.value.body["type"] == "error"
        assert gemini_error.value.status != "UNAUTHENTICATED"


def test_claude_on_vertex_in_stream_error(server: MockServer, key: str) -> None:
    client = vertex_claude(server, key, default_headers={"X-Mock-Scenario": "midstream"})
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        client.messages.stream(
            model=CLAUDE, max_tokens=200, messages=[{"role": "user", "content": "long text please"}]
        ) as stream,
    ):
        stream.get_final_text()
    assert caught.value.body["error"]["type"] == "overloaded_error"


def test_vertex_journal_redacts_the_token(server: MockServer, key: str) -> None:
    client = vertex_genai(server, key)
    client.models.generate_content(model=GEMINI, contents="Hello!")
    entries = rawhttp.request("GET", server.url + "/_mock/requests").text
    assert "/vertex/v1beta1/projects/proj" in entries
    assert key not in entries


def test_gemini_on_vertex_in_stream_error(server: MockServer, key: str) -> None:
    client = vertex_genai(server, key, headers={"X-Mock-Scenario": "midstream"})
    with pytest.raises(genai_errors.APIError) as caught:
        list(client.models.generate_content_stream(model=GEMINI, contents="long text please"))
    assert caught.value.status == "UNAVAILABLE"
