"""Reading a generateContent request: its system instruction, contents and tools as canonical pieces."""

from __future__ import annotations

import json
from typing import Any

from ...model import JSON, Message, ToolCall, ToolSpec


def text_of(content: Any) -> str:
    parts = content.get("parts") if isinstance(content, dict) else None
    return "".join(p["text"] for p in parts or () if isinstance(p, dict) and isinstance(p.get("text"), str))


def system_messages(instruction: Any) -> tuple[Message, ...]:
    return (Message("system", text_of(instruction)),) if instruction else ()


def content_messages(contents: Any) -> tuple[Message, ...]:
    messages: list[Message] = []
    for content in contents:
        if isinstance(content, dict):
            messages += _content(content)
    return tuple(messages)


def _content(content: JSON) -> list[Message]:
    parts = [p for p in content.get("parts") or () if isinstance(p, dict)]
    text = "".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
    if content.get("role") == "model":
        calls = tuple(
            ToolCall(str(c.get("id", "")), str(c.get("name", "")), json.dumps(c.get("args") or {}))
            for p in parts
            if isinstance(c := p.get("functionCall"), dict)
        )
        return [Message("assistant", text, calls)]
    # A user turn may carry function results (tool messages) as well as text.
    results = [p["functionResponse"] for p in parts if isinstance(p.get("functionResponse"), dict)]
    messages = [Message("tool", json.dumps(r.get("response") or {})) for r in results]
    return [*messages, Message("user", text)] if text or not results else messages


def tool_specs(tools: Any) -> tuple[ToolSpec, ...]:
    specs: list[ToolSpec] = []
    for tool in tools:
        for fn in (tool.get("functionDeclarations") or ()) if isinstance(tool, dict) else ():
            if isinstance(fn, dict) and fn.get("name"):
                parameters = fn.get("parametersJsonSchema") or fn.get("parameters")
                specs.append(ToolSpec(fn["name"], fn.get("description") or "", parameters))
    return tuple(specs)


def tool_choice(config: Any) -> Any:
    calling = config.get("functionCallingConfig") if isinstance(config, dict) else None
    mode = str((calling or {}).get("mode", "AUTO")).upper()
    if mode == "NONE":
        return "none"
    allowed = (calling or {}).get("allowedFunctionNames") or []
    return {"name": allowed[0]} if mode == "ANY" and allowed else None
