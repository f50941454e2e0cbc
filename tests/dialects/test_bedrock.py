"""AWS Bedrock behind /bedrock, judged by boto3's bedrock-runtime client and AnthropicBedrock."""

from __future__ import annotations

import json
import time
from typing import Any

import anthropic
import boto3
import botocore.exceptions
import pytest
import rawhttp
import urllib3
from botocore.config import Config

from mocksrv.testing import MockServer

MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0"
HELLO_REPLY = "Hello! How can I help you today?"  # tests/data/fixtures: the reply to "Hello!"
WEATHER = "What's the weather in Paris?"  # tests/data/fixtures: answered with a get_weather call
INVOKE_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100}
EXCEPTIONS = {
    "bad_request": (400, "ValidationException"),
    "permission": (403, "AccessDeniedException"),
    "not_found": (404, "ResourceNotFoundException"),
    "context_length": (400, "ValidationException"),
    "rate_limit": (429, "ThrottlingException"),
    "quota": (400, "ServiceQuotaExceededException"),
    "server_error": (500, "InternalServerException"),
    "overloaded": (503, "ServiceUnavailableException"),
    "timeout": (408, "ModelTimeoutException"),
}


def runtime(server: MockServer, key_id: str = "AKIDEXAMPLE", scenario: str | None = None) -> Any:
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=server.url + "/bedrock",
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    if scenario:
        client.meta.events.register(
            "before-send.bedrock-runtime.*",
            lambda request, **_: request.headers.__setitem__("X-Mock-Scenario", scenario),
        )
    return client


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


def test_converse_answers_the_fixture(server: MockServer) -> None:
    answer = runtime(server).converse(modelId=MODEL, messages=user("Hello!"))
    assert answer["output"]["message"] == {"role": "assistant", "content": [{"text": HELLO_REPLY}]}
    assert answer["stopReason"] == "end_turn"
    usage = answer["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"] > 0


def test_converse_stream_assembles_a_tool_call(server: MockServer) -> None:
    tools = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}]}
    stream = runtime(server).converse_stream(modelId=MODEL, messages=user(WEATHER), toolConfig=tools)[
        "stream"
    ]
    events = list(stream)
    names = [next(iter(e)) for e in events]
    assert names[0] == "messageStart" and names[-2:] == ["messageStop", "metadata"]
    start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
    tool = start["start"]["toolUse"]
    assert tool["name"] == "get_weather" and tool["toolUseId"].startswith("tooluse_")
    fragments = [
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in events
        if "toolUse" in e.get("contentBlockDelta", {}).get("delta", {})
    ]
    assert len(fragments) > 1 and json.loads("".join(fragments)) == {"city": "Paris", "unit": "celsius"}
    assert events[-2]["messageStop"]["stopReason"] == "tool_use"
    assert events[-1]["metadata"]["usage"]["outputTokens"] > 0


def test_invoke_model_and_its_stream(server: MockServer) -> None:
    client = runtime(server)
    body = json.dumps({**INVOKE_BODY, "messages": [{"role": "user", "content": "Hello!"}]})
    message = json.loads(client.invoke_model(modelId=MODEL, body=body)["body"].read())
    assert message["content"] == [{"type": "text", "text": HELLO_REPLY}] and message["model"] == MODEL
    chunks = [
        json.loads(e["chunk"]["bytes"])
        for e in client.invoke_model_with_response_stream(modelId=MODEL, body=body)["body"]
    ]
    assert chunks[0]["type"] == "message_start" and chunks[-1]["type"] == "message_stop"
    assert (
        "".join(c["delta"].get("text", "") for c in chunks if c["type"] == "content_block_delta")
        == HELLO_REPLY
    )
    assert chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] > 0


def test_invoke_requires_anthropic_version_in_the_body(server: MockServer) -> None:
    body = json.dumps({"max_tokens": 10, "messages": [{"role": "user", "content": "Hello!"}]})
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime(server).invoke_model(modelId=MODEL, body=body)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "anthropic_version" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "credentials", [{"aws_access_key": "AKIDEXAMPLE", "aws_secret_key": "x"}, {"api_key": "brk-key"}]
)
def test_anthropic_bedrock_client_creates_and_streams(
    server: MockServer, credentials: dict[str, str]
) -> None:
    client = anthropic.AnthropicBedrock(
        aws_region="us-east-1", base_url=server.url + "/bedrock", max_retries=0, **credentials
    )
    messages = [{"role": "user", "content": "Hello!"}]
    assert (
        client.messages.create(model=MODEL, max_tokens=100, messages=messages).content[0].text == HELLO_REPLY
    )
    with client.messages.stream(model=MODEL, max_tokens=100, messages=messages) as stream:
        assert stream.get_final_text() == HELLO_REPLY


def test_model_ids_arrive_raw_or_percent_encoded(server: MockServer) -> None:
    for path in (MODEL, MODEL.replace(":", "%3A")):
        answer = rawhttp.post(
            f"{server.url}/bedrock/model/{path}/converse",
            json={"messages": user("Hello!")},
            headers={"Authorization": "Bearer k"},
        )
        assert answer.status == 200, answer.text


@pytest.mark.parametrize(
    ("authorization", "error_type"),
    [
        (None, "MissingAuthenticationTokenException"),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/bedrock/aws4_request",
            "IncompleteSignatureException",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/bedrock/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "ab" * 32,
            None,
        ),
    ],
)
def test_sigv4_shape_is_checked(
    server: MockServer, authorization: str | None, error_type: str | None
) -> None:
    headers = {"x-amz-date": "20250101T000000Z"} | ({"Authorization": authorization} if authorization else {})
    answer = rawhttp.post(
        f"{server.url}/bedrock/model/{MODEL}/converse", json={"messages": user("Hello!")}, headers=headers
    )
    if error_type is None:
        assert answer.status == 200
    else:
        assert answer.status == 403
        assert answer.headers["x-amzn-errortype"].split(":")[0] == error_type
        assert set(answer.json()) == {"message"}


def test_unknown_access_key_is_rejected_when_keys_are_declared(make_server) -> None:
    live = make_server(api_keys=("AKIDEXAMPLE",))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime(live, key_id="AKIDOTHER").converse(modelId=MODEL, messages=user("Hello!"))
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert runtime(live).converse(modelId=MODEL, messages=user("Hello!"))["stopReason"] == "end_turn"


@pytest.mark.parametrize("kind", sorted(EXCEPTIONS))
def test_scenario_errors_are_bedrock_exceptions(server: MockServer, kind: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime(server, scenario=f"err-{kind}").converse(modelId=MODEL, messages=user("Hello!"))
    status, code = EXCEPTIONS[kind]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert caught.value.response["Error"]["Code"] == code


def test_in_stream_error_is_an_exception_message(server: MockServer) -> None:
    stream = runtime(server, scenario="midstream").converse_stream(
        modelId=MODEL, messages=user("long text please")
    )
    with pytest.raises(botocore.exceptions.EventStreamError) as caught:
        list(stream["stream"])
    assert caught.value.response["Error"]["Code"] == "serviceUnavailableException"


def test_malformed_fault_is_a_corrupted_frame(server: MockServer) -> None:
    from botocore.eventstream import ChecksumMismatch

    stream = runtime(server, scenario="garbage").converse_stream(
        modelId=MODEL, messages=user("long text please")
    )
    with pytest.raises(ChecksumMismatch):
        list(stream["stream"])


def test_anthropic_bedrock_stream_error(server: MockServer) -> None:
    client = anthropic.AnthropicBedrock(
        aws_region="us-east-1",
        api_key="k",
        base_url=server.url + "/bedrock",
        max_retries=0,
        default_headers={"X-Mock-Scenario": "midstream"},
    )
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        client.messages.stream(
            model=MODEL, max_tokens=200, messages=[{"role": "user", "content": "long text please"}]
        ) as stream,
    ):
        stream.get_final_text()
    assert "serviceUnavailableException" in str(caught.value)


def test_journal_redacts_bedrock_credentials(server: MockServer) -> None:
    rawhttp.post(
        f"{server.url}/bedrock/model/{MODEL}/converse",
        json={"messages": user("Hello!")},
        headers={"Authorization": "Bearer brk-secret-123", "X-Amz-Security-Token": "sts-secret-456"},
    )
    journal = rawhttp.request("GET", server.url + "/_mock/requests").text
    assert "/bedrock/model/" in journal
    assert "brk-secret-123" not in journal and "sts-secret-456" not in journal


def test_converse_shows_reasoning_when_thinking_is_enabled(server: MockServer) -> None:
    client = runtime(server)
    thinking = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
    ask = user("What is 17 * 23?")
    plain = client.converse(modelId=MODEL, messages=ask)["output"]["message"]["content"]
    assert plain == [{"text": "17 * 23 = 391."}]  # no thinking asked: none shown
    shown = client.converse(modelId=MODEL, messages=ask, additionalModelRequestFields=thinking)
    reasoning = shown["output"]["message"]["content"][0]["reasoningContent"]["reasoningText"]
    assert reasoning["text"].startswith("17 * 23 = 17 * 20") and reasoning["signature"]
    events = list(
        client.converse_stream(modelId=MODEL, messages=ask, additionalModelRequestFields=thinking)["stream"]
    )
    deltas = [e["contentBlockDelta"]["delta"] for e in events if "contentBlockDelta" in e]
    streamed = "".join(d["reasoningContent"].get("text", "") for d in deltas if "reasoningContent" in d)
    assert streamed == reasoning["text"]
    assert any(d.get("reasoningContent", {}).get("signature") == reasoning["signature"] for d in deltas)


def test_truncated_stream_ends_without_message_stop(server: MockServer) -> None:
    stream = runtime(server, scenario="truncated").converse_stream(
        modelId=MODEL, messages=user("long text please")
    )
    names = [next(iter(e)) for e in stream["stream"]]
    assert names[0] == "messageStart" and len(names) == 3 and "messageStop" not in names


def test_disconnected_stream_is_a_connection_error(server: MockServer) -> None:
    stream = runtime(server, scenario="cut").converse_stream(modelId=MODEL, messages=user("long text please"))
    with pytest.raises(urllib3.exceptions.ProtocolError):  # botocore reads the body through urllib3
        list(stream["stream"])


def test_stall_is_silence_then_the_rest(server: MockServer) -> None:
    started = time.monotonic()
    stream = runtime(server, scenario="stall").converse_stream(
        modelId=MODEL, messages=user("long text please")
    )
    names = [next(iter(e)) for e in stream["stream"]]
    assert names[-1] == "metadata" and time.monotonic() - started >= 0.4
