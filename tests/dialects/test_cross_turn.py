"""Cross-turn checks (docs/cross-turn.md), judged by the official SDKs' own tool loops.

A correct loop passes; each broken variant raises the SDK's error carrying the provider's
message (and `param`), `X-Mock-Lenient: 1` or `--lenient` let it through, and the journal
names the rule that refused it.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import anthropic
import openai
import pytest
import rawhttp
from anthropic import beta_tool
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

LENIENT = {"X-Mock-Lenient": "1"}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


FORECAST_TOOL = {"type": "function", "function": {**WEATHER_TOOL["function"], "name": "forecast"}}


def journal(server, key: str) -> list[dict[str, Any]]:
    return rawhttp.request("GET", f"{server.url}/_mock/requests?session={key}").json()["requests"]


# ---- OpenAI chat (and the OpenAI-compatible gateways) ---------------------------------------
def chat_client(server, key: str, base: str = "/openai/v1") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + base, api_key=key, max_retries=0)


def chat_tool_turn(
    client: openai.OpenAI, model: str = "gpt-4o", tool: dict = WEATHER_TOOL
) -> tuple[list[dict], list[dict]]:
    """The first round of a tool loop: (messages so far, the tool messages answering it)."""
    messages: list[dict] = [{"role": "user", "content": "What is the weather in Paris?"}]
    reply = client.chat.completions.create(model=model, messages=messages, tools=[tool])
    message = reply.choices[0].message
    assert message.tool_calls, "the generated answer calls the offered tool"
    messages.append(message.model_dump(exclude_none=True))
    answers = [{"role": "tool", "tool_call_id": c.id, "content": '{"temp": 18}'} for c in message.tool_calls]
    return messages, answers


def test_openai_chat_tool_loop_passes(server, key):
    client = chat_client(server, key)
    messages, answers = chat_tool_turn(client)
    final = client.chat.completions.create(model="gpt-4o", messages=messages + answers, tools=[WEATHER_TOOL])
    assert final.choices[0].message.content


def test_openai_chat_unanswered_tool_calls_refused(server, key):
    client = chat_client(server, key)
    messages, _ = chat_tool_turn(client)
    call_id = messages[1]["tool_calls"][0]["id"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o", messages=[*messages, {"role": "user", "content": "and?"}]
        )
    error = caught.value
    assert error.status_code == 400 and error.param == "messages.[2].role"
    assert error.body["message"] == (
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {call_id}"
    )
    assert error.body["type"] == "invalid_request_error"
    refused = journal(server, key)[-1]
    assert refused["status"] == 400 and refused["violations"][0].startswith("tool_calls_unanswered: ")


def test_openai_chat_orphan_tool_message_refused(server, key):
    client = chat_client(server, key)
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "tool", "tool_call_id": "call_nowhere", "content": "{}"},
    ]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=messages)
    assert caught.value.param == "messages.[1].role"
    assert caught.value.body["message"] == (
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
        "with 'tool_calls'."
    )
    assert journal(server, key)[-1]["violations"][0].startswith("tool_message_orphan: ")


def test_gateways_share_the_chat_rules(server, key):
    client = chat_client(server, key, "/mountsea/chat")
    broken = [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "call_x", "content": "{}"}]
    with pytest.raises(openai.BadRequestError, match="must be a response to a preceeding message"):
        client.chat.completions.create(model="gpt-4o", messages=broken)


def test_lenient_header_and_flag_let_refused_conversations_through(server, make_server, key):
    broken = [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "call_x", "content": "{}"}]
    reply = chat_client(server, key).chat.completions.create(
        model="gpt-4o", messages=broken, extra_headers=LENIENT
    )
    assert reply.choices[0].message.content
    lenient = make_server(lenient=True)
    assert chat_client(lenient, key).chat.completions.create(model="gpt-4o", messages=broken).choices


# ---- reasoning gateway: DeepSeek-style thinking models behind new-api (opeai) ----------------
def test_opeai_thinking_model_needs_reasoning_content_back(server, key):
    client = chat_client(server, key, "/opeai/v1")
    # A generated tool call (the bundled weather fixture gives none): it reasons first.
    messages, answers = chat_tool_turn(client, "deepseek-reasoner", FORECAST_TOOL)
    assert isinstance(messages[1].get("reasoning_content"), str), "the tool call came with its reasoning"
    final = client.chat.completions.create(model="deepseek-reasoner", messages=messages + answers)
    assert final.choices[0].message.content
    dropped = {k: v for k, v in messages[1].items() if k != "reasoning_content"}
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="deepseek-reasoner", messages=[messages[0], dropped, *answers])
    assert caught.value.body["message"] == (
        "The reasoning_content in the thinking mode must be passed back to the API."
    )
    # A model the model data does not call a thinking model has no such rule.
    assert client.chat.completions.create(model="deepseek-chat", messages=[messages[0], dropped, *answers])


# ---- Responses --------------------------------------------------------------------------------
RESPONSES_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": WEATHER_TOOL["function"]["parameters"],
}


def test_responses_function_call_output_must_answer_a_call(server, key):
    client = chat_client(server, key)
    items: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.responses.create(model="gpt-4.1", input=items, tools=[RESPONSES_TOOL])
    call = next(item for item in first.output if item.type == "function_call")
    answer = {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 18}'}
    done = client.responses.create(
        model="gpt-4.1", input=[*items, *first.output, answer], tools=[RESPONSES_TOOL]
    )
    assert done.output_text
    stray = {**answer, "call_id": "call_unknown"}
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4.1", input=[*items, stray], tools=[RESPONSES_TOOL])
    assert caught.value.param == "input"
    assert (
        caught.value.body["message"]
        == "No tool call found for function call output with call_id call_unknown."
    )


# ---- Anthropic -------------------------------------------------------------------------------
@beta_tool
def forecast(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city
    """
    return json.dumps({"city": city, "temp": 18})


def anthropic_client(server, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url + "/anthropic", api_key=key, max_retries=0)


THINKING = {"type": "enabled", "budget_tokens": 1024}


@pytest.mark.parametrize("thinking", [None, THINKING], ids=["plain", "thinking"])
@pytest.mark.parametrize("thread", [None, False], ids=["thread", "whole-history"])
def test_anthropic_tool_runner_loop_passes(server, key, thinking, thread):
    """The SDK's runner continues a message thread by default; `thread=False` sends the whole
    history each time, so every rule sees the loop."""
    client = anthropic_client(server, key)
    extra = {"thinking": thinking} if thinking else {}
    if thread is False:
        extra["thread"] = False
    runner = client.beta.messages.tool_runner(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        tools=[forecast],
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        **extra,
    )
    turns = list(runner)
    assert turns[0].stop_reason == "tool_use" and turns[-1].stop_reason == "end_turn"
    if thinking:
        assert turns[0].content[0].type == "thinking" and turns[0].content[0].signature


def anthropic_tool_turn(client: anthropic.Anthropic, stream: bool = False) -> tuple[list[dict], dict]:
    """A thinking tool turn as the client must send it back, and the tool result answering it."""
    ask = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 2048,
        "thinking": THINKING,
        "tools": [{"name": "forecast", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
    }
    if stream:
        with client.messages.stream(**ask) as events:
            message = events.get_final_message()
    else:
        message = client.messages.create(**ask)
    blocks = [b.model_dump(exclude_none=True) for b in message.content]
    call = next(b for b in blocks if b["type"] == "tool_use")
    result = {"type": "tool_result", "tool_use_id": call["id"], "content": "18 degrees"}
    return [*ask["messages"], {"role": "assistant", "content": blocks}], result


def send_anthropic(
    client: anthropic.Anthropic, messages: list[dict], **options: Any
) -> anthropic.types.Message:
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        thinking=THINKING,
        tools=[{"name": "forecast", "input_schema": {"type": "object"}}],
        messages=messages,
        **options,
    )


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_anthropic_thinking_signature_is_verified(server, key, stream):
    client = anthropic_client(server, key)
    history, result = anthropic_tool_turn(client, stream)
    assert send_anthropic(client, [*history, {"role": "user", "content": [result]}]).content
    thinking = history[1]["content"][0]
    for edited in (
        {**thinking, "thinking": thinking["thinking"] + " (edited)"},
        {**thinking, "signature": "Zm9yZWlnbg=="},
    ):
        tampered = [history[0], {"role": "assistant", "content": [edited, *history[1]["content"][1:]]}]
        with pytest.raises(anthropic.BadRequestError) as caught:
            send_anthropic(client, [*tampered, {"role": "user", "content": [result]}])
        assert (
            caught.value.body["error"]["message"]
            == "messages.1.content.0: Invalid `signature` in `thinking` block"
        )
    assert journal(server, key)[-1]["violations"][0].startswith("thinking_signature_invalid: ")


def test_anthropic_thinking_dropped_in_a_tool_loop_refused(server, key):
    client = anthropic_client(server, key)
    history, result = anthropic_tool_turn(client)
    without = {"role": "assistant", "content": history[1]["content"][1:]}
    with pytest.raises(anthropic.BadRequestError) as caught:
        send_anthropic(client, [history[0], without, {"role": "user", "content": [result]}])
    message = caught.value.body["error"]["message"]
    assert message.startswith(
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`."
    )
    # Without thinking, the same history is fine.
    plain = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=256,
        messages=[history[0], without, {"role": "user", "content": [result]}],
    )
    assert plain.content


def test_anthropic_tool_use_needs_its_result_next(server, key):
    client = anthropic_client(server, key)
    history, result = anthropic_tool_turn(client)
    call_id = result["tool_use_id"]
    with pytest.raises(anthropic.BadRequestError) as caught:
        send_anthropic(client, [*history, {"role": "user", "content": "never mind"}])
    assert caught.value.body["error"]["message"] == (
        f"messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: {call_id}. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
    )
    stray = {**result, "tool_use_id": "toolu_01nowhere"}
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=[{"role": "user", "content": [stray]}]
        )
    assert caught.value.body["error"]["message"].startswith(
        "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01nowhere."
    )


def test_signatures_are_deterministic_and_bound_to_the_seed(server, make_server, key):
    first, _ = anthropic_tool_turn(anthropic_client(server, key))
    again, _ = anthropic_tool_turn(anthropic_client(server, key))
    assert first[1]["content"][0]["signature"] == again[1]["content"][0]["signature"]
    history, result = (
        first,
        {"type": "tool_result", "tool_use_id": first[1]["content"][-1]["id"], "content": "x"},
    )
    other = make_server(seed=7)  # another seed: the signature is foreign there
    with pytest.raises(anthropic.BadRequestError, match="Invalid `signature`"):
        send_anthropic(anthropic_client(other, key), [*history, {"role": "user", "content": [result]}])


# ---- Gemini ----------------------------------------------------------------------------------
def gemini_client(server, key: str) -> genai.Client:
    return genai.Client(api_key=key, http_options=types.HttpOptions(base_url=server.url + "/gemini"))


def weather(city: str) -> dict:
    """The weather in a city."""
    return {"city": city, "temp": 18}


def test_gemini_automatic_function_calling_passes(server, key):
    client = gemini_client(server, key)
    reply = client.models.generate_content(
        model="gemini-3-pro-preview",
        contents="What is the weather in Paris?",
        config=types.GenerateContentConfig(tools=[weather]),
    )
    history = reply.automatic_function_calling_history
    calls = [p for c in history for p in c.parts or () if p.function_call]
    assert calls and calls[0].thought_signature, "the loop sent the call back with its signature"
    assert reply.text


def gemini_turn(client: genai.Client) -> tuple[list[types.Content], types.Content]:
    """One function call turn, and the function response turn answering it."""
    config = types.GenerateContentConfig(
        tools=[weather], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
    )
    ask = types.Content(role="user", parts=[types.Part(text="What is the weather in Paris?")])
    reply = client.models.generate_content(model="gemini-3-pro-preview", contents=[ask], config=config)
    model_turn = reply.candidates[0].content
    call = model_turn.parts[0].function_call
    answer = types.Content(
        role="user", parts=[types.Part.from_function_response(name=call.name, response={"temp": 18})]
    )
    return [ask, model_turn], answer


def send_gemini(client: genai.Client, contents: list[types.Content]) -> types.GenerateContentResponse:
    config = types.GenerateContentConfig(
        tools=[weather], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
    )
    return client.models.generate_content(model="gemini-3-pro-preview", contents=contents, config=config)


def test_gemini_thought_signature_must_come_back(server, key):
    client = gemini_client(server, key)
    history, answer = gemini_turn(client)
    assert send_gemini(client, [*history, answer]).text
    part = history[1].parts[0]
    stripped = history[1].model_copy(update={"parts": [part.model_copy(update={"thought_signature": None})]})
    with pytest.raises(genai_errors.ClientError) as caught:
        send_gemini(client, [history[0], stripped, answer])
    assert caught.value.code == 400 and caught.value.message == (
        "Function call is missing a thought_signature in functionCall parts. This is required for tools "
        "to work correctly, and missing thought_signature may lead to degraded model performance. "
        "Additional data, function call `default_api:weather` , position 2. Please refer to "
        "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
    )
    forged = part.model_copy(update={"thought_signature": base64.b64decode("Zm9yZ2Vk")})
    with pytest.raises(genai_errors.ClientError, match=r"Corrupted thought signature\."):
        send_gemini(client, [history[0], history[1].model_copy(update={"parts": [forged]}), answer])


def test_gemini_function_responses_answer_each_call(server, key):
    client = gemini_client(server, key)
    history, answer = gemini_turn(client)
    twice = types.Content(role="user", parts=[*answer.parts, *answer.parts])
    with pytest.raises(genai_errors.ClientError) as caught:
        send_gemini(client, [*history, twice])
    assert caught.value.message == (
        "Please ensure that the number of function response parts is equal to the number of function "
        "call parts of the function call turn."
    )
    assert caught.value.status == "INVALID_ARGUMENT"


# ---- over raw HTTP: what the SDK helpers never send -----------------------------------------
GEMINI_3 = "/gemini/v1beta/models/gemini-3-pro-preview:generateContent"
GEMINI_TOOLS = [{"functionDeclarations": [{"name": "forecast", "parameters": {"type": "OBJECT"}}]}]


def gemini_post(server, key: str, contents: list[dict], headers: dict | None = None) -> rawhttp.RawResponse:
    body = {"contents": contents, "tools": GEMINI_TOOLS}
    return rawhttp.post(server.url + GEMINI_3, json=body, headers={"x-goog-api-key": key, **(headers or {})})


def gemini_call_turn(server, key: str) -> tuple[dict, dict]:
    ask = {"role": "user", "parts": [{"text": "forecast for Paris"}]}
    answer = gemini_post(server, key, [ask]).json()["candidates"][0]["content"]
    return ask, answer


def test_gemini_signature_in_either_base64_alphabet(server, key):
    ask, model_turn = gemini_call_turn(server, key)
    part = model_turn["parts"][0]
    raw = base64.b64decode(part["thoughtSignature"])
    result = {"role": "user", "parts": [{"functionResponse": {"name": "forecast", "response": {}}}]}
    for encoded in (part["thoughtSignature"], base64.urlsafe_b64encode(raw).decode().rstrip("=")):
        sent = {**model_turn, "parts": [{**part, "thoughtSignature": encoded}]}
        assert gemini_post(server, key, [ask, sent, result]).status == 200


def test_gemini_function_response_names_must_match(server, key):
    ask, model_turn = gemini_call_turn(server, key)
    wrong = {"role": "user", "parts": [{"functionResponse": {"name": "other", "response": {}}}]}
    refused = gemini_post(server, key, [ask, model_turn, wrong])
    assert refused.status == 400 and refused.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "names of the function response parts" in refused.json()["error"]["message"]
    orphan = [ask, {"role": "user", "parts": [{"functionResponse": {"name": "forecast", "response": {}}}]}]
    assert "number of function response parts" in gemini_post(server, key, orphan).json()["error"]["message"]
    assert gemini_post(server, key, orphan, LENIENT).status == 200


def test_gemini_25_does_not_require_signatures(server, key):
    """Gemini 2.5 accepts function calls without their signature (the model data says so)."""
    ask = {"role": "user", "parts": [{"text": "forecast for Paris"}]}
    call = {"role": "model", "parts": [{"functionCall": {"name": "forecast", "args": {}}}]}
    result = {"role": "user", "parts": [{"functionResponse": {"name": "forecast", "response": {}}}]}
    body = {"contents": [ask, call, result], "tools": GEMINI_TOOLS}
    path = "/gemini/v1beta/models/gemini-2.5-flash:generateContent"
    assert rawhttp.post(server.url + path, json=body, headers={"x-goog-api-key": key}).status == 200
    assert gemini_post(server, key, [ask, call, result]).status == 400  # Gemini 3 does


def anthropic_post(server, key: str, body: dict, headers: dict | None = None) -> rawhttp.RawResponse:
    head = {"x-api-key": key, "anthropic-version": "2023-06-01", **(headers or {})}
    return rawhttp.post(server.url + "/anthropic/v1/messages", json=body, headers=head)


def test_anthropic_thinking_block_must_come_first(server, key):
    history, _ = anthropic_tool_turn(anthropic_client(server, key))
    thinking, *rest = history[1]["content"]
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 2048,
        "thinking": THINKING,
        "messages": [history[0], {"role": "assistant", "content": [*rest, thinking]}],
    }
    refused = anthropic_post(server, key, body)
    assert refused.status == 400
    assert refused.json()["error"]["message"] == (
        "messages.1.content.0: If an assistant message contains any thinking blocks, the first block "
        "must be `thinking` or `redacted_thinking`. Found `tool_use`."
    )


def test_a_refused_body_stays_refused_when_sent_again(server, key):
    """Repeated bodies are parsed once (memo.py); the verdict is not remembered past a lenient
    request, and a refusal is given every time."""
    body = {"model": "gpt-4o", "messages": [{"role": "tool", "tool_call_id": "c", "content": "{}"}]}
    head = {"Authorization": f"Bearer {key}"}
    url = server.url + "/openai/v1/chat/completions"
    assert rawhttp.post(url, json=body, headers={**head, **LENIENT}).status == 200
    assert [rawhttp.post(url, json=body, headers=head).status for _ in range(3)] == [400, 400, 400]


def test_responses_chain_outputs_are_not_judged_without_the_chain(server, key):
    """An output may answer a call stored with `previous_response_id`: not judged from here."""
    client = chat_client(server, key)
    first = client.responses.create(
        model="gpt-4.1", input="What is the weather in Paris?", tools=[RESPONSES_TOOL]
    )
    output = {"type": "function_call_output", "call_id": "call_stored", "output": "{}"}
    chained = client.responses.create(
        model="gpt-4.1", input=[output], previous_response_id=first.id, tools=[RESPONSES_TOOL]
    )
    assert chained.status == "completed"


def test_lenient_from_the_environment():
    from mocksrv.env import from_environ

    assert from_environ({"MOCKSRV_LENIENT": "yes"}) == {"lenient": True}
    assert from_environ({"MOCKSRV_LENIENT": "0"}) == {"lenient": False}


def test_a_model_added_at_run_time_brings_its_cross_turn_rules(server, key):
    """The checks read the request's model table: a Gemini model added with `thought_signatures`
    refuses an unsigned call, even for a body it accepted before the model was added."""
    model = f"gemini-custom-{uuid.uuid4().hex[:8]}"
    ask = {"role": "user", "parts": [{"text": "forecast for Paris"}]}
    call = {"role": "model", "parts": [{"functionCall": {"name": "forecast", "args": {}}}]}
    result = {"role": "user", "parts": [{"functionResponse": {"name": "forecast", "response": {}}}]}
    body = {"contents": [ask, call, result], "tools": GEMINI_TOOLS}
    path = f"/gemini/v1beta/models/{model}:generateContent"
    assert rawhttp.post(server.url + path, json=body, headers={"x-goog-api-key": key}).status == 200
    added = {"id": model, "family": "gemini", "thought_signatures": True}
    assert rawhttp.request("POST", f"{server.url}/_mock/models", json={"models": [added]}).status == 201
    refused = rawhttp.post(server.url + path, json=body, headers={"x-goog-api-key": key})
    assert refused.status == 400 and "thought_signature" in refused.json()["error"]["message"]
