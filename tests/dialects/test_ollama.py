"""Ollama through its own Python client and LangChain's ChatOllama: NDJSON streams, thinking,
tool calls with object arguments, structured output, model listing, its `{"error": ...}`
bodies and in-stream errors, and the OpenAI-compatible routes (embeddings:
test_ollama_embeddings.py)."""

from __future__ import annotations

import json
import time
import uuid

import httpx2
import ollama
import openai
import pytest

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
USER = [{"role": "user", "content": "long text please"}]
LONG = "One two three four five six seven eight nine ten eleven twelve."


def client(server, **headers: str) -> ollama.Client:
    return ollama.Client(host=server.url + "/ollama", headers=headers)


def ndjson(response: httpx2.Response) -> list[dict]:
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def test_chat_streams_ndjson_and_ends_with_the_counters(server):
    parts = list(client(server).chat(model="llama3.2", messages=USER, stream=True))
    assert "".join(p.message.content for p in parts) == LONG
    assert [p.done for p in parts].count(True) == 1 and parts[-1].done
    assert parts[-1].done_reason == "stop" and parts[-1].eval_count > 0 and parts[-1].total_duration > 0
    raw = httpx2.post(server.url + "/ollama/api/chat", json={"model": "llama3.2", "messages": USER})
    lines = ndjson(raw)
    assert all(SCHEMAS.violations("ollama/stream_event", line) == [] for line in lines)


def test_chat_without_stream_is_one_object(server):
    answer = client(server).chat(model="llama3.2", messages=USER, stream=False)
    assert answer.message.content == LONG and answer.done
    raw = httpx2.post(
        server.url + "/ollama/api/chat", json={"model": "llama3.2", "messages": USER, "stream": False}
    )
    assert raw.headers["content-type"].startswith("application/json")
    assert SCHEMAS.violations("ollama/response", raw.json()) == []


def test_think_yields_thinking_text(server):
    messages = [{"role": "user", "content": "Why is the sky blue, in a sentence?"}]
    answer = client(server).chat(model="qwen3", messages=messages, think=True, stream=False)
    assert answer.message.thinking and answer.message.content
    parts = list(client(server).chat(model="qwen3", messages=messages, think=True, stream=True))
    assert "".join(p.message.thinking or "" for p in parts) == answer.message.thinking
    plain = client(server).chat(model="qwen3", messages=messages, stream=False)
    assert plain.message.thinking is None


def test_tool_calls_carry_object_arguments(server):
    messages = [{"role": "user", "content": "two tools please"}]
    answer = client(server).chat(model="llama3.2", messages=messages, tools=[WEATHER], stream=False)
    calls = answer.message.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert calls[0].function.arguments == {"city": "Paris"}
    streamed = [
        c
        for p in client(server).chat(model="llama3.2", messages=messages, tools=[WEATHER], stream=True)
        for c in p.message.tool_calls or ()
    ]
    assert [c.function.arguments for c in streamed] == [{"city": "Paris"}, {"timezone": "Europe/Paris"}]
    history = [*messages, answer.message, {"role": "tool", "content": "sunny", "tool_name": "get_weather"}]
    assert client(server).chat(model="llama3.2", messages=history, stream=False).done


def test_format_json_schema_and_json_mode(server):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
    }
    messages = [{"role": "user", "content": "Describe a person."}]
    answer = client(server).chat(model="llama3.2", messages=messages, format=schema, stream=False)
    value = json.loads(answer.message.content)
    assert isinstance(value["name"], str) and isinstance(value["age"], int) and value["age"] >= 0
    generated = client(server).generate(model="llama3.2", prompt="Describe a person.", format="json")
    assert isinstance(json.loads(generated.response), dict)


def test_generate_streams_and_returns_context(server):
    parts = list(client(server).generate(model="llama3.2", prompt="long text please", stream=True))
    assert "".join(p.response for p in parts) == LONG
    assert parts[-1].done and parts[-1].context
    single = client(server).generate(model="llama3.2", prompt="long text please", system="Be brief.")
    assert single.response == LONG and single.done_reason == "stop"


def test_tags_show_and_version(server):
    listed = client(server).list()
    assert "llama3.2:latest" in [m.model for m in listed.models]
    assert listed.models[0].details.format == "gguf"
    shown = client(server).show("llama3.2")
    assert "tools" in shown.capabilities and shown.details.family == "llama"
    assert httpx2.get(server.url + "/ollama/api/version").json() == {"version": "0.12.6"}


def test_missing_model_is_400_with_ollamas_body(server):
    response = httpx2.post(server.url + "/ollama/api/chat", json={"messages": USER})
    assert (response.status_code, response.json()) == (400, {"error": "model is required"})
    shown = httpx2.post(server.url + "/ollama/api/show", json={})
    assert (shown.status_code, shown.json()) == (400, {"error": "model is required"})
    empty = httpx2.post(server.url + "/ollama/api/generate", json={"model": "", "prompt": "hi"})
    assert (empty.status_code, empty.json()) == (400, {"error": "model is required"})


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        ("err-bad_request", 400),
        ("err-auth", 401),
        ("err-permission", 403),
        ("err-not_found", 404),
        ("err-context_length", 400),
        ("err-rate_limit", 429),
        ("err-quota", 429),
        ("err-server_error", 500),
        ("err-overloaded", 503),
        ("err-timeout", 500),
    ],
)
def test_every_scripted_error_is_ollamas(server, scenario, status):
    for stream in (False, True):
        with pytest.raises(ollama.ResponseError) as caught:
            list(
                client(server, **{"X-Mock-Scenario": scenario}).chat(model="m", messages=USER, stream=stream)
            ) if (stream) else client(server, **{"X-Mock-Scenario": scenario}).chat(
                model="m", messages=USER, stream=False
            )
        assert caught.value.status_code == status
        assert isinstance(caught.value.error, str) and caught.value.error
    raw = httpx2.post(
        server.url + "/ollama/api/chat",
        json={"model": "m", "messages": USER},
        headers={"X-Mock-Scenario": scenario},
    )
    assert SCHEMAS.violations("ollama/error", raw.json()) == []
    if scenario == "err-rate_limit":
        assert "usage limit" in raw.json()["error"]


def test_mid_stream_error_is_an_error_line(server):
    response = httpx2.post(
        server.url + "/ollama/api/chat",
        json={"model": "m", "messages": USER},
        headers={"X-Mock-Scenario": "midstream"},
    )
    lines = ndjson(response)
    assert response.status_code == 200 and len(lines) == 4
    assert lines[-1] == {"error": "server busy, please try again.  maximum pending requests exceeded"}
    with pytest.raises(ollama.ResponseError, match="server busy"):
        list(client(server, **{"X-Mock-Scenario": "midstream"}).chat(model="m", messages=USER, stream=True))


def test_stream_faults_keep_ndjson_framing(make_server):
    server = make_server()  # its own: keyless requests share one session on a shared server
    session = f"ndjson-{uuid.uuid4().hex[:8]}"

    def lines_of(scenario: str) -> list[str]:
        response = httpx2.post(
            server.url + "/ollama/api/chat",
            json={"model": "m", "messages": USER},
            headers={"X-Mock-Scenario": scenario, "X-Mock-Session": session},
        )
        return response.text.splitlines()

    truncated = lines_of("truncated")
    assert len(truncated) == 3 and all(not json.loads(x)["done"] for x in truncated)
    garbage = lines_of("garbage")
    with pytest.raises(json.JSONDecodeError):
        json.loads(garbage[2])
    assert json.loads(garbage[3])["done"] is False
    with pytest.raises(httpx2.HTTPError):
        lines_of("cut")


def test_root_mount_serves_ollama_paths(make_server):
    live = make_server(root_dialect="ollama")
    root = ollama.Client(host=live.url)
    assert root.chat(model="llama3.2", messages=USER, stream=False).message.content == LONG
    compat = openai.OpenAI(base_url=live.url + "/v1", api_key="ollama", max_retries=0)
    assert compat.chat.completions.create(model="llama3.2", messages=USER).choices[0].message.content == LONG


def test_openai_compatible_routes(server):
    compat = openai.OpenAI(base_url=server.url + "/ollama/v1", api_key="ollama", max_retries=0)
    answer = compat.chat.completions.create(model="llama3.2", messages=USER)
    assert answer.choices[0].message.content == LONG and answer.system_fingerprint == "fp_ollama"
    stream = compat.chat.completions.create(model="llama3.2", messages=USER, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == LONG
    assert "llama3.2:latest" in [m.id for m in compat.models.list().data]


def test_keys_are_checked_only_when_configured(make_server):
    live = make_server(api_keys=("secret",))
    with pytest.raises(ollama.ResponseError) as caught:
        client(live).chat(model="m", messages=USER, stream=False)
    assert caught.value.status_code == 401 and caught.value.error == "unauthorized"
    keyed = client(live, Authorization="Bearer secret").chat(model="m", messages=USER, stream=False)
    assert keyed.message.content == LONG


def test_journal_redacts_the_bearer_key(server):
    session = "ollama-journal-session"
    client(server, Authorization="Bearer very-secret-key", **{"X-Mock-Session": session}).chat(
        model="m", messages=USER, stream=False
    )
    entries = httpx2.get(server.url + "/_mock/requests", params={"session": session}).json()["requests"]
    assert entries and "very-secret-key" not in json.dumps(entries)


def test_langchain_chat_ollama(server):
    from langchain_ollama import ChatOllama

    chat = ChatOllama(model="llama3.2", base_url=server.url + "/ollama")
    assert chat.invoke("long text please").content == LONG
    assert "".join(str(c.content) for c in chat.stream("long text please")) == LONG
    tooled = chat.bind_tools([WEATHER]).invoke("two tools please")
    assert tooled.tool_calls[0]["name"] == "get_weather" and tooled.tool_calls[0]["args"] == {"city": "Paris"}


def test_paced_and_stalled_streams_stay_json_lines(server):
    for scenario in ("slow", "stall"):
        started = time.monotonic()
        parts = list(
            client(server, **{"X-Mock-Scenario": scenario}).chat(model="m", messages=USER, stream=True)
        )
        assert "".join(p.message.content for p in parts) == LONG and parts[-1].done
        assert time.monotonic() - started >= 0.3  # the scripted first-token wait, or the stall
