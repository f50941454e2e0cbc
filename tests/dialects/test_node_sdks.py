"""The official `openai` npm package as a test client: OpenAI and Azure OpenAI chat (plain,
streamed, streamed tool calls), embeddings (the SDK's base64 default, decoded), errors and retries.

Each test runs a small ESM script of tests/node/ with `node`; the script prints one JSON line
(the SDK's objects, or `{"error": ...}` for an API error) and the test asserts on it and on the
journal. `make install` installs the package (`npm ci` in tests/node); without node or npm the
tests skip, saying so.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from mocksrv.pytest_plugin import MockSrv
from mocksrv.testing import MockServer

NODE_DIR = Path(__file__).parents[1] / "node"
NODE = shutil.which("node")
LOCKED = json.loads((NODE_DIR / "package-lock.json").read_text())["packages"]["node_modules/openai"]
INSTALLED = NODE_DIR / "node_modules" / "openai" / "package.json"

pytestmark = pytest.mark.skipif(
    NODE is None or not INSTALLED.exists(),
    reason="the Node SDK tests need `node` and the openai npm package in tests/node/node_modules: "
    "run `make install` with npm on PATH (it runs `npm ci --prefix tests/node`)",
)

TOOLS = [
    {"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {}}}}
    for n in ("get_weather", "get_time", "lookup_order")
]


def node(script: str, request: dict[str, Any], server: MockServer, key: str, **env: str) -> dict[str, Any]:
    """Run tests/node/<script> with the request as its argument; its printed JSON.

    The environment is built from scratch: no OPENAI_* or AZURE_* variable of the machine
    reaches the SDK."""
    assert NODE is not None
    environment = {"PATH": os.environ.get("PATH", ""), "MOCKSRV_URL": server.url, "MOCKSRV_KEY": key, **env}
    done = subprocess.run(
        [NODE, str(NODE_DIR / script), json.dumps(request)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def chat(text: str, **params: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": text}], **params}


def streamed_text(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def float32(values: list[float]) -> list[float]:
    return [struct.unpack("<f", struct.pack("<f", x))[0] for x in values]


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (norm(a) * norm(b))


@pytest.fixture
def mock(server: MockServer) -> Iterator[MockSrv]:
    """The package's control-API handle on the shared server: its key is this test's session."""
    handle = MockSrv(server.url)
    yield handle
    handle.close()


# ---- OpenAI chat -----------------------------------------------------------------------------
def test_chat_plain_and_streamed_give_the_fixture_reply(server, mock):
    reply = "Hello from a fixture, seen by the Node SDK."
    fixture = mock.add_fixture(match={"last_user": {"equals": "node says hello"}}, reply={"content": reply})
    out = node("chat.mjs", chat("node says hello"), server, mock.api_key)

    completion = out["completion"]
    assert completion["object"] == "chat.completion" and completion["model"] == "gpt-4o"
    message = completion["choices"][0]["message"]
    assert (message["role"], message["content"], message["refusal"]) == ("assistant", reply, None)
    assert completion["choices"][0]["finish_reason"] == "stop"
    assert completion["usage"]["completion_tokens"] > 0

    chunks = out["chunks"]
    assert len(chunks) > 3 and {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert streamed_text(chunks) == reply
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"

    assert out["final"]["choices"][0]["message"]["content"] == reply
    assert out["final"]["choices"][0]["finish_reason"] == "stop"

    calls = mock.assert_called(fixture=fixture, times=3)
    assert [c.body.get("stream", False) for c in calls] == [False, True, True]
    entry = mock.requests()[0]
    assert entry["request"]["headers"]["User-Agent"] == f"OpenAI/JS {LOCKED['version']}"


def test_streamed_tool_call_is_assembled_by_the_sdk(server, mock):
    arguments = {"order_id": "A-17", "lines": [{"sku": "tea", "qty": 2}], "gift": False}
    mock.add_fixture(
        match={"last_user": {"equals": "node wants an order looked up"}},
        reply={"tool_calls": [{"name": "lookup_order", "arguments": arguments}]},
    )
    out = node("chat.mjs", chat("node wants an order looked up", tools=TOOLS), server, mock.api_key)

    pieces = [
        call["function"].get("arguments") or ""
        for c in out["chunks"]
        if c["choices"]
        for call in c["choices"][0]["delta"].get("tool_calls") or ()
    ]
    assert len([p for p in pieces if p]) > 1  # the arguments arrive in fragments...
    final = out["final"]["choices"][0]
    assert final["finish_reason"] == "tool_calls"
    [call] = final["message"]["tool_calls"]  # ...and the SDK's stream helper joins them
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "lookup_order"
    assert json.loads(call["function"]["arguments"]) == arguments
    assert "".join(pieces) == call["function"]["arguments"]
    plain = out["completion"]["choices"][0]
    assert plain["finish_reason"] == "tool_calls"
    assert json.loads(plain["message"]["tool_calls"][0]["function"]["arguments"]) == arguments


# ---- OpenAI embeddings -----------------------------------------------------------------------
def test_embeddings_decoded_from_base64_equal_the_python_sdks_floats(server, mock):
    texts = ["The quick brown fox", "jumps over the lazy dog"]
    out = node("embeddings.mjs", {"model": "text-embedding-3-small", "input": texts}, server, mock.api_key)
    [entry] = mock.requests()
    assert entry["request"]["body"]["encoding_format"] == "base64"  # the Node SDK's default

    python = openai.OpenAI(base_url=server.base_url("openai"), api_key=mock.api_key, max_retries=0)
    floats = python.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float")
    assert out["model"] == "text-embedding-3-small" and out["usage"]["prompt_tokens"] == 9
    assert [d["index"] for d in out["data"]] == [0, 1]
    for decoded, expected in zip(out["data"], floats.data, strict=True):
        assert len(decoded["embedding"]) == 1536
        assert abs(norm(decoded["embedding"]) - 1) < 1e-5
        assert decoded["embedding"] == float32(expected.embedding)
    assert out["data"][0]["embedding"] != out["data"][1]["embedding"]


def test_embeddings_dimensions_256_is_the_python_sdks_vector(server, mock):
    request = {"model": "text-embedding-3-small", "input": "shorter please", "dimensions": 256}
    out = node("embeddings.mjs", request, server, mock.api_key)
    vector = out["data"][0]["embedding"]
    assert len(vector) == 256 and abs(norm(vector) - 1) < 1e-5
    python = openai.OpenAI(base_url=server.base_url("openai"), api_key=mock.api_key, max_retries=0)
    expected = python.embeddings.create(**request, encoding_format="float").data[0].embedding
    assert vector == float32(expected)


def test_embeddings_rank_the_passage_sharing_the_querys_words_first(server, mock):
    passages = [
        "Espresso is coffee brewed by forcing hot water through finely ground beans.",
        "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
        "Mount Everest is the highest mountain above sea level, in the Himalayas.",
    ]
    query = "How tall is the Eiffel Tower in Paris?"
    request = {"model": "text-embedding-3-small", "input": [query, *passages]}
    vectors = [d["embedding"] for d in node("embeddings.mjs", request, server, mock.api_key)["data"]]
    scores = [cosine(vectors[0], v) for v in vectors[1:]]
    assert max(range(len(scores)), key=scores.__getitem__) == 1, scores
    assert scores[1] - max(scores[0], scores[2]) > 0.1, scores


# ---- errors and retries ----------------------------------------------------------------------
def test_scripted_429_is_the_sdks_rate_limit_error(server, mock):
    out = node("chat.mjs", chat("hello"), server, mock.api_key, MOCKSRV_SCENARIO="err-rate_limit")
    assert out["error"] == {
        "class": "RateLimitError",
        "status": 429,
        "body": {
            "message": "Rate limit reached. Please try again later.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        },
        "retryAfter": "2",
    }
    assert [e["status"] for e in mock.requests()] == [429]  # maxRetries: 0, one request


def test_sdk_retries_a_429_after_retry_after_then_answers(server, mock):
    scenario = mock.add_scenario(
        name=f"node-retry-{mock.api_key[-8:]}", steps=[{"error": "rate_limit", "retry_after": 1}, "ok"]
    )
    out = node(
        "chat.mjs", chat("Hello!"), server, mock.api_key, MOCKSRV_SCENARIO=scenario, MOCKSRV_MAX_RETRIES="2"
    )
    assert out["completion"]["choices"][0]["message"]["content"]
    entries = mock.requests()
    assert [e["status"] for e in entries] == [429, 200, 200, 200]
    assert [e["request"]["headers"]["x-stainless-retry-count"] for e in entries[:2]] == ["0", "1"]
    assert entries[1]["time"] - entries[0]["time"] >= 0.9  # the SDK waited out retry-after


# ---- Azure OpenAI ----------------------------------------------------------------------------
def test_azure_chat_plain_and_streamed_with_the_prompt_filter_chunk(server, mock):
    text = "One two three four five six seven eight nine ten eleven twelve."
    out = node("chat.mjs", chat("long text please"), server, mock.api_key, MOCKSRV_AZURE="node-deployment")

    completion = out["completion"]
    assert completion["choices"][0]["message"]["content"] == text
    assert completion["model"] == "node-deployment"
    assert completion["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False

    first, *rest = out["chunks"]
    assert first["choices"] == [] and first["prompt_filter_results"]  # Azure's opening chunk
    assert streamed_text(rest) == text
    # the stream helper copes with the choice-less chunk and assembles the same answer
    assert out["final"]["choices"][0]["message"]["content"] == text
    assert out["final"]["choices"][0]["finish_reason"] == "stop"

    entries = mock.requests()
    assert {e["path"] for e in entries} == {"/azure/openai/deployments/node-deployment/chat/completions"}
    assert {e["request"]["query"]["api-version"] for e in entries} == {"2024-10-21"}
    assert all(e["request"]["headers"]["api-key"] == "[redacted]" for e in entries)
    assert all(e["request"]["headers"]["User-Agent"].startswith("AzureOpenAI/JS ") for e in entries)


def test_azure_streamed_tool_calls_are_assembled(server, mock):
    request = chat("two tools please", tools=TOOLS)
    out = node("chat.mjs", request, server, mock.api_key, MOCKSRV_AZURE="node-deployment")
    final = out["final"]["choices"][0]
    assert final["finish_reason"] == "tool_calls"
    calls = [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in final["message"]["tool_calls"]
    ]
    assert calls == [("get_weather", {"city": "Paris"}), ("get_time", {"timezone": "Europe/Paris"})]
    plain = out["completion"]["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in plain] == ["get_weather", "get_time"]


def test_azure_wrong_api_key_is_azures_401_body(make_server):
    locked = make_server(api_keys=("right-key",))
    out = node("chat.mjs", chat("Hello!"), locked, "wrong-key", MOCKSRV_AZURE="node-deployment")
    assert out["error"] == {
        "class": "AuthenticationError",
        "status": 401,
        "body": {
            "code": "401",
            "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
            "to provide a valid key for an active subscription and use a correct regional API endpoint "
            "for your resource.",
        },
        "retryAfter": None,
    }
    allowed = node("chat.mjs", chat("Hello!"), locked, "right-key", MOCKSRV_AZURE="node-deployment")
    assert allowed["completion"]["choices"][0]["message"]["content"]
