"""Reading a Messages request: system and chat messages, tools, tool choice, thinking, output schema."""

from __future__ import annotations

import json
from typing import Any

from ...model import JSON, Message, ToolCall, ToolSpec

THINKING_TYPES = ("enabled", "adaptive")


def _text(content: Any) -> str:
    """Text of a string or a list of content blocks (other block kinds carry no text)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def system_messages(system: Any) -> tuple[Message, ...]:
    text = _text(system)
    return (Message("system", text),) if text else ()


def chat_messages(raw: Any) -> list[Message]:
    messages: list[Message] = []
    for item in raw or ():
        if isinstance(item, dict):
            messages.extend(_message(item))
    return messages


def _message(raw: JSON) -> list[Message]:
    """One wire message; its tool_result blocks become canonical role="tool" messages first."""
    role, content = str(raw.get("role", "user")), raw.get("content")
    if not isinstance(content, list):
        return [Message(role, _text(content))]
    blocks = [b for b in content if isinstance(b, dict)]
    results = [Message("tool", _text(b.get("content"))) for b in blocks if b.get("type") == "tool_result"]
    calls = tuple(
        ToolCall(str(b.get("id", "")), str(b.get("name", "")), json.dumps(b.get("input") or {}))
        for b in blocks
        if b.get("type") == "tool_use"
    )
    text = _text(blocks)
    rest = [Message(role, text, calls)] if text or calls or not results else []
    return results + rest


def thinking_enabled(thinking: Any) -> bool:
    return isinstance(thinking, dict) and thinking.get("type") in THINKING_TYPES


def tool_specs(raw: Any) -> tuple[ToolSpec, ...]:
    specs = []
    for tool in raw or ():
        if isinstance(tool, dict) and tool.get("name"):
            schema = tool.get("input_schema") if isinstance(tool.get("input_schema"), dict) else None
            specs.append(ToolSpec(str(tool["name"]), tool.get("description") or "", schema))
    return tuple(specs)


def tool_choice(raw: Any) -> str | JSON | None:
    """In the shape generate.py reads: "none", {"name": ...}, or a plain word."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind == "tool":
        return {"name": raw.get("name")}
    return {"any": "required", "none": "none"}.get(str(kind), "auto")


def output_schema(body: JSON) -> JSON | None:
    """Structured outputs: `output_config.format` (current) or `output_format` (beta)."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else body.get("output_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
        return fmt["schema"]
    return None
