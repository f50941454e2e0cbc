"""Wire shapes of the OpenAI Responses API: the response object, output items, stream events.

Pure functions of (Completion, Turn). Item ids derive from the completion id, so the streamed
items and the final response agree (the SDK's stream helper checks identities).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from ...model import JSON, Completion, Reply, Turn, pieces
from .chat import argument_fragments
from .responses_sealed import seal

Payload = tuple[JSON, bool]  # (event data without sequence_number, carries generated text)

INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def echo_tool(tool: Any) -> Any:
    """Function tools come back with every key the API fills in; other tools as sent."""
    if not (isinstance(tool, dict) and tool.get("type") == "function"):
        return tool
    return {
        "type": "function",
        "name": tool.get("name"),
        "description": tool.get("description"),
        "parameters": tool.get("parameters"),
        "strict": _or(tool.get("strict"), True),  # Responses function tools are strict by default
    }


def echo_fields(body: JSON) -> JSON:
    """The request settings a response object repeats, with the API's defaults filled in."""
    text = as_dict(body.get("text"))
    reasoning = as_dict(body.get("reasoning"))
    tools = body["tools"] if isinstance(body.get("tools"), list) else []
    echo = {
        "background": bool(body.get("background")),
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "parallel_tool_calls": _or(body.get("parallel_tool_calls"), True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default",
        "store": _or(body.get("store"), True),
        "temperature": _or(body.get("temperature"), 1.0),
        "text": {
            "format": text.get("format") or {"type": "text"},
            "verbosity": text.get("verbosity") or "medium",
        },
        "tool_choice": _or(body.get("tool_choice"), "auto"),
        "tools": [echo_tool(t) for t in tools],
        "top_logprobs": _or(body.get("top_logprobs"), 0),
        "top_p": _or(body.get("top_p"), 1.0),
        "truncation": _or(body.get("truncation"), "disabled"),
        "user": body.get("user"),
        "metadata": _or(body.get("metadata"), {}),
    }
    if conversation_of(body) is not None:
        echo["conversation"] = {"id": conversation_of(body)}
    if echo["user"] is None:
        del echo["user"]  # real traffic says `"user": null`, but the spec types it string-only
    return echo


def conversation_of(body: JSON) -> str | None:
    """The `conversation` parameter's id: a string, or an object with an `id`."""
    value = body.get("conversation")
    value = value.get("id") if isinstance(value, dict) else value
    return value if isinstance(value, str) and value else None


# ---- ids and the response object ------------------------------------------------------------
def _hex(seed: str, size: int) -> str:
    return hashlib.blake2b(seed.encode(), digest_size=size).hexdigest()


def response_id(completion: Completion) -> str:
    return f"resp_{_hex(completion.id, 25)}"


def item_id(prefix: str, completion: Completion, index: int) -> str:
    return f"{prefix}_{_hex(f'{completion.id}/{index}', 25)}"


def usage_body(completion: Completion) -> JSON:
    u = completion.usage
    return {
        "input_tokens": u.prompt_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_tokens, "cache_write_tokens": 0},
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens,
    }


def response_object(
    completion: Completion, turn: Turn, status: str, output: list[JSON], usage: JSON | None
) -> JSON:
    echo = turn.extras.get("echo") or {}
    return {
        "id": response_id(completion),
        "object": "response",
        "created_at": completion.created,
        "status": status,
        "background": False,
        "completed_at": completion.created if status == "completed" else None,
        "error": None,
        "incomplete_details": None,
        "model": completion.model,
        "output": output,
        **echo,
        # Real traffic says `"usage": null` until the end, but the spec's Response.usage is not
        # nullable: leave the key out instead, which every reader handles.
        **({"usage": usage} if usage is not None else {}),
    }


def _status(reply: Reply) -> str:
    return "incomplete" if reply.finish in INCOMPLETE_REASONS else "completed"


def final_response(completion: Completion, turn: Turn) -> JSON:
    reply = completion.choices[0]
    body = response_object(
        completion, turn, _status(reply), output_items(completion, turn), usage_body(completion)
    )
    if reply.finish in INCOMPLETE_REASONS:
        body["incomplete_details"] = {"reason": INCOMPLETE_REASONS[reply.finish]}
    return body


def failed_response(completion: Completion, turn: Turn, error: JSON) -> JSON:
    return {**response_object(completion, turn, "failed", [], None), "error": error}


# ---- output items ---------------------------------------------------------------------------
def output_items(completion: Completion, turn: Turn) -> list[JSON]:
    """Reasoning first, then the message, then one item per function call, as the API orders them."""
    reply = completion.choices[0]
    items: list[JSON] = []
    if reply.reasoning:
        summary = [{"type": "summary_text", "text": reply.reasoning}] if turn.show_reasoning else []
        items.append({"id": item_id("rs", completion, 0), "type": "reasoning", "summary": summary})
        signer = turn.extras.get("signer")  # set when `include` asks for reasoning.encrypted_content
        if signer is not None:
            items[-1]["encrypted_content"] = seal(signer, reply.reasoning)
    if reply.content or reply.refusal is not None or not (reply.tool_calls or reply.reasoning):
        part = {"type": "output_text", "annotations": [], "logprobs": [], "text": reply.content or ""}
        if reply.refusal is not None:  # the Responses API's refusal content part
            part = {"type": "refusal", "refusal": reply.refusal}
        items.append(
            {
                "id": item_id("msg", completion, len(items)),
                "type": "message",
                "status": _status(reply),
                "content": [part],
                "role": "assistant",
            }
        )
    for call in reply.tool_calls:
        items.append(
            {
                "id": item_id("fc", completion, len(items)),
                "type": "function_call",
                "status": "completed",
                "arguments": call.arguments,
                "call_id": call.id,
                "name": call.name,
            }
        )
    return items


def _opening(item: JSON) -> JSON:
    """The item as `response.output_item.added` shows it: nothing generated yet."""
    if item["type"] == "message":
        return {**item, "status": "in_progress", "content": []}
    if item["type"] == "function_call":
        return {**item, "status": "in_progress", "arguments": ""}
    return {**item, "summary": []}


# ---- stream events --------------------------------------------------------------------------
def stream_payloads(completion: Completion, turn: Turn) -> Iterator[Payload]:
    pending = response_object(completion, turn, "in_progress", [], None)
    yield {"type": "response.created", "response": pending}, False
    yield {"type": "response.in_progress", "response": pending}, False
    for index, item in enumerate(output_items(completion, turn)):
        yield {"type": "response.output_item.added", "output_index": index, "item": _opening(item)}, False
        yield from _ITEM_EVENTS[item["type"]](index, item)
        yield {"type": "response.output_item.done", "output_index": index, "item": item}, False
    final = final_response(completion, turn)
    yield {"type": f"response.{final['status']}", "response": final}, False


def _message_events(index: int, item: JSON) -> Iterator[Payload]:
    part = item["content"][0]
    where = {"item_id": item["id"], "output_index": index, "content_index": 0}
    if part["type"] == "refusal":
        yield from _refusal_events(where, part)
        return
    yield {"type": "response.content_part.added", **where, "part": {**part, "text": ""}}, False
    for piece in pieces(part["text"]):
        yield {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}, True
    yield {"type": "response.output_text.done", **where, "text": part["text"], "logprobs": []}, False
    yield {"type": "response.content_part.done", **where, "part": part}, False


def _refusal_events(where: JSON, part: JSON) -> Iterator[Payload]:
    yield {"type": "response.content_part.added", **where, "part": {**part, "refusal": ""}}, False
    for piece in pieces(part["refusal"]):
        yield {"type": "response.refusal.delta", **where, "delta": piece}, True
    yield {"type": "response.refusal.done", **where, "refusal": part["refusal"]}, False
    yield {"type": "response.content_part.done", **where, "part": part}, False


def _function_call_events(index: int, item: JSON) -> Iterator[Payload]:
    where = {"item_id": item["id"], "output_index": index}
    for fragment in argument_fragments(item["arguments"]):
        yield {"type": "response.function_call_arguments.delta", **where, "delta": fragment}, True
    done = {"type": "response.function_call_arguments.done", **where}
    yield {**done, "name": item["name"], "arguments": item["arguments"]}, False


def _reasoning_events(index: int, item: JSON) -> Iterator[Payload]:
    for summary_index, part in enumerate(item["summary"]):
        where = {"item_id": item["id"], "output_index": index, "summary_index": summary_index}
        yield {"type": "response.reasoning_summary_part.added", **where, "part": {**part, "text": ""}}, False
        for piece in pieces(part["text"]):
            yield {"type": "response.reasoning_summary_text.delta", **where, "delta": piece}, True
        yield {"type": "response.reasoning_summary_text.done", **where, "text": part["text"]}, False
        yield {"type": "response.reasoning_summary_part.done", **where, "part": part}, False


_ITEM_EVENTS = {
    "message": _message_events,
    "function_call": _function_call_events,
    "reasoning": _reasoning_events,
}
