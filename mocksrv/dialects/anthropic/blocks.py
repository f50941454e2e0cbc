"""Messages content blocks: a start and deltas in named SSE events, folded back for the plain answer."""

from __future__ import annotations

import json

from ...model import JSON, SSEEvent, ToolCall
from ..base import dumps
from ..openai.chat import argument_fragments
from . import wire

# A block to stream: its content_block_start payload and its deltas (delta, paced as content).
StreamBlock = tuple[JSON, list[tuple[JSON, bool]]]


def event(data: JSON, content: bool = False, terminal: bool = False) -> SSEEvent:
    """The SDK dispatches on the `event:` name, so it always equals data.type."""
    return SSEEvent(dumps(data), data["type"], content=content, terminal=terminal)


def ping() -> SSEEvent:
    """The SDK dispatches on the event name and never parses a ping's data."""
    return SSEEvent(dumps({"type": "ping"}), "ping", unread=True)


def tool_block(call: ToolCall) -> StreamBlock:
    opening = {"type": "tool_use", "id": wire.tool_use_id(call.id), "name": call.name, "input": {}}
    # First an empty fragment, as the real API does; every later prefix parses as partial JSON.
    deltas = [({"type": "input_json_delta", "partial_json": ""}, False)]
    text = call.arguments if isinstance(call.arguments_object, dict) and call.arguments.strip() else "{}"
    deltas += [({"type": "input_json_delta", "partial_json": f}, True) for f in argument_fragments(text)]
    return opening, deltas


def final_block(start: JSON, deltas: list[tuple[JSON, bool]]) -> JSON:
    """A streamed block folded back into its final form, so both paths always agree."""
    block = dict(start)
    text = "".join(d.get("text") or d.get("thinking") or d.get("partial_json") or "" for d, _ in deltas)
    if block["type"] == "text":
        block["text"] = text
    elif block["type"] == "thinking":
        block["thinking"] = text
        block["signature"] = next(d["signature"] for d, _ in deltas if d["type"] == "signature_delta")
    elif block["type"] == "tool_use":
        block["input"] = json.loads(text)
    return block
