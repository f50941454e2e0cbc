"""Azure OpenAI through `openai.AzureOpenAI`: deployments, api-version, both credentials,
content-filter annotations, Azure's error bodies, streams, tool calls and scenarios."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest
from azure_client import AZURE_FIXTURES, TEST_FIXTURES, VERSION, azure

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
TOOLS = [
    {"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {}}}}
    for n in ("get_weather", "get_time")
]


def ask(client, text: str = "Hello!", model: str = "my-deployment", **kw):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}], **kw)


def test_chat_on_any_deployment_by_default(server, key):
    raw = azure(server, key).chat.completions.with_raw_response.create(
        model="whatever-i-named-it", messages=[{"role": "user", "content": "Hello!"}]
    )
    assert "/azure/openai/deployments/whatever-i-named-it/chat/completions" in str(raw.http_request.url)
    assert raw.http_request.url.params["api-version"] == VERSION
    assert raw.headers["apim-request-id"]
    body = json.loads(raw.text)
    assert SCHEMAS.violations("azure/response", body) == []
    assert body["model"] == "whatever-i-named-it"
    assert body["prompt_filter_results"][0]["content_filter_results"]["hate"] == {
        "filtered": False,
        "severity": "safe",
    }
    assert body["choices"][0]["content_filter_results"]["violence"]["severity"] == "safe"
    assert body["choices"][0]["message"]["content"]


def test_entra_id_bearer_token_is_a_credential(server):
    answer = ask(azure(server, token="eyJ0eXAiOiJKV1Qi.entra.token"))
    assert answer.choices[0].finish_reason == "stop"


def test_missing_and_wrong_key_are_azures_401(server, make_server):
    url = server.url + f"/azure/openai/deployments/d/chat/completions?api-version={VERSION}"
    body = {"messages": [{"role": "user", "content": "hi"}]}
    response = httpx2.post(url, json=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "401"
    assert "missing subscription key" in response.json()["error"]["message"]
    locked = make_server(api_keys=("right-key",))
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(azure(locked, "wrong-key"))
    assert caught.value.body == {
        "code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
        "provide a valid key for an active subscription and use a correct regional API endpoint for your "
        "resource.",
    }


def test_api_version_missing_is_404_and_unknown_is_400(server, key):
    url = server.url + "/azure/openai/deployments/d/chat/completions"
    body, headers = {"messages": [{"role": "user", "content": "hi"}]}, {"api-key": key}
    missing = httpx2.post(url, json=body, headers=headers)
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": {"code": "404", "message": "Resource not found"}},
    )
    unknown = httpx2.post(url, params={"api-version": "2019-01-01"}, json=body, headers=headers)
    assert unknown.status_code == 400
    assert unknown.json() == {"error": {"code": "BadRequest", "message": "API version not supported"}}
    assert SCHEMAS.violations("azure/error", unknown.json()) == []
    with pytest.raises(openai.NotFoundError):
        ask(azure(server, key, api_version=""))


def test_v1_routes_take_the_model_in_the_body(server, key):
    client = openai.OpenAI(base_url=server.url + "/azure/openai/v1", api_key=key, max_retries=0)
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}]
    )
    assert answer.model == "gpt-4o-mini" and answer.choices[0].message.content
    models = client.models.list()
    assert models.data
    wrong = httpx2.post(
        server.url + "/azure/openai/v1/chat/completions?api-version=2024-10-21",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        headers={"api-key": key},
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "BadRequest"


def test_declared_deployments_map_to_models_and_others_are_not_found(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    client = azure(live, key)
    assert ask(client, model="chat-prod").model == "gpt-4o"
    with pytest.raises(openai.NotFoundError) as caught:
        ask(client, model="gpt-4o")
    assert caught.value.body["code"] == "DeploymentNotFound"
    assert caught.value.body["message"].startswith("The API deployment for this resource does not exist.")


def test_streaming_starts_with_the_prompt_filter_chunk(server, key):
    events = []
    with azure(server, key).chat.completions.with_streaming_response.create(
        model="d", messages=[{"role": "user", "content": "long text please"}], stream=True
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
    assert events[0]["choices"] == [] and events[0]["prompt_filter_results"]
    assert all(SCHEMAS.violations("azure/stream_event", e) == [] for e in events)
    content = [e for e in events[1:] if e["choices"] and e["choices"][0]["delta"].get("content")]
    assert content and all(
        e["choices"][0]["content_filter_results"]["hate"]["filtered"] is False for e in content
    )
    stream = ask(azure(server, key), "long text please", stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "One two three four five six seven eight nine ten eleven twelve."


def test_streamed_tool_calls_assemble(server, key):
    stream = ask(azure(server, key), "two tools please", tools=TOOLS, stream=True)
    calls: dict[int, dict[str, str]] = {}
    finish = None
    for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or ():
                entry = calls.setdefault(call.index, {"name": "", "arguments": ""})
                entry["name"] += call.function.name or ""
                entry["arguments"] += call.function.arguments or ""
    assert finish == "tool_calls"
    assert [c["name"] for c in calls.values()] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
    plain = ask(azure(server, key), "two tools please", tools=TOOLS)
    assert plain.choices[0].message.tool_calls[1].function.name == "get_time"


def test_a_filtered_prompt_is_azures_400(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as caught:
            ask(azure(live, key), "a forbidden topic", model="chat-prod", stream=stream)
        body = caught.value.body
        assert body["code"] == "content_filter" and body["param"] == "prompt"
        assert body["innererror"]["code"] == "ResponsibleAIPolicyViolation"
        assert body["innererror"]["content_filter_result"]["violence"] == {
            "filtered": True,
            "severity": "high",
        }


def test_a_filtered_answer_ends_content_filter(make_server, key):
    live = make_server(fixture_dirs=(TEST_FIXTURES, AZURE_FIXTURES))
    raw = azure(live, key).chat.completions.with_raw_response.create(
        model="chat-canary", messages=[{"role": "user", "content": "half an answer"}]
    )
    body = json.loads(raw.text)
    assert body["choices"][0]["finish_reason"] == "content_filter"
    assert body["choices"][0]["content_filter_results"]["violence"]["filtered"] is True
    chunks = list(ask(azure(live, key), "half an answer", model="chat-canary", stream=True))
    assert chunks[-1].choices[0].finish_reason == "content_filter"


@pytest.mark.parametrize(
    ("scenario", "status", "code"),
    [
        ("err-rate_limit", 429, "429"),
        ("err-auth", 401, "401"),
        ("err-not_found", 404, "DeploymentNotFound"),
        ("err-server_error", 500, "InternalServerError"),
        ("err-overloaded", 503, "ServiceUnavailable"),
        ("err-timeout", 408, "Timeout"),
        ("err-quota", 429, "insufficient_quota"),
        ("err-bad_request", 400, None),
        ("err-context_length", 400, "context_length_exceeded"),
        ("err-permission", 403, "403"),
    ],
)
def test_every_scripted_error_is_azures(server, key, scenario, status, code):
    client = azure(server, key, default_headers={"X-Mock-Scenario": scenario})
    with pytest.raises(openai.APIStatusError) as caught:
        ask(client)
    assert caught.value.status_code == status
    assert caught.value.body["code"] == code
    assert SCHEMAS.violations("azure/error", {"error": caught.value.body}) == []
    if scenario == "err-rate_limit":
        assert caught.value.response.headers["retry-after"]


def test_in_stream_error_raises_in_the_sdk(server, key):
    client = azure(server, key, default_headers={"X-Mock-Scenario": "midstream"})
    with pytest.raises(openai.APIError):
        for _ in ask(client, "long text please", stream=True):
            pass


def test_journal_redacts_the_api_key(server, key):
    session = "journal-" + key[-8:]
    ask(azure(server, key, default_headers={"X-Mock-Session": session}))
    entries = httpx2.get(server.url + "/_mock/requests", params={"session": session}).json()["requests"]
    assert entries
    texts = json.dumps(entries)
    assert key not in texts
    assert "api-key" in texts.lower()
