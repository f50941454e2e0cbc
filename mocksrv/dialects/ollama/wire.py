"""Ollama's native shapes: message and generate bodies, timings, tags and show entries."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from ...model import JSON, Completion, Message, Reply, ToolCall, ToolSpec, Usage

DONE_REASONS = {"stop": "stop", "length": "length", "tool_calls": "stop", "content_filter": "stop"}


def created_at(completion: Completion) -> str:
    return datetime.fromtimestamp(completion.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timings(usage: Usage) -> JSON:
    """The final object's counters; durations (nanoseconds) derived from the token counts."""
    prompt_ns, eval_ns = usage.prompt_tokens * 400_000, usage.completion_tokens * 20_000_000
    return {
        "total_duration": 2_000_000 + prompt_ns + eval_ns,
        "load_duration": 1_000_000,
        "prompt_eval_count": usage.prompt_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": usage.completion_tokens,
        "eval_duration": eval_ns,
    }


def tool_call_body(call: ToolCall, index: int) -> JSON:
    """Arguments as an object, as Ollama sends them (not JSON text)."""
    return {
        "id": call.id,
        "function": {"index": index, "name": call.name, "arguments": call.arguments_object},
    }


def message_body(reply: Reply, content: str | None = None, thinking: str | None = None) -> JSON:
    message: JSON = {"role": "assistant", "content": (reply.content or "") if content is None else content}
    if thinking:
        message["thinking"] = thinking
    return message


def incoming_message(raw: Any) -> Message:
    if not isinstance(raw, dict):
        return Message("user")
    calls = tuple(
        ToolCall(str(c.get("id") or f"call_{i}"), str(fn.get("name", "")), _text(fn.get("arguments")))
        for i, c in enumerate(raw.get("tool_calls") or ())
        if isinstance(c, dict) and isinstance(fn := c.get("function"), dict)
    )
    content = raw.get("content")
    return Message(str(raw.get("role", "user")), content if isinstance(content, str) else "", calls)


def _text(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    return orjson.dumps(arguments if arguments is not None else {}).decode()


def tool_specs(raw: Any) -> tuple[ToolSpec, ...]:
    specs = []
    for tool in raw or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and fn.get("name"):
            specs.append(ToolSpec(str(fn["name"]), str(fn.get("description") or ""), fn.get("parameters")))
    return tuple(specs)


def response_format(value: Any) -> tuple[bool, dict | None]:
    """(json mode, schema) of `format`: "json" or a JSON schema."""
    if isinstance(value, dict):
        return True, value
    return value == "json", None


def tag_entry(name: str) -> JSON:
    full = name if ":" in name else f"{name}:latest"
    digest = hashlib.sha256(full.encode()).hexdigest()
    return {
        "name": full,
        "model": full,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": 2_019_393_189,
        "digest": digest,
        "details": details(name),
    }


def details(name: str) -> JSON:
    family = re.split(r"[^a-z]", name.lower(), maxsplit=1)[0] or "llama"
    return {
        "parent_model": "",
        "format": "gguf",
        "family": family,
        "families": [family],
        "parameter_size": "3.2B",
        "quantization_level": "Q4_K_M",
    }


def show_body(name: str, embedding: bool = False) -> JSON:
    capabilities = ["embedding"] if embedding else ["completion", "tools", "thinking"]
    return {
        "modelfile": f"FROM {name}\n",
        "parameters": 'stop                           "<|eot_id|>"',
        "template": "{{ .Prompt }}",
        "details": details(name),
        "model_info": {
            "general.architecture": details(name)["family"],
            "general.parameter_count": 3_212_749_888,
        },
        "capabilities": capabilities,
        "modified_at": "2025-01-01T00:00:00Z",
    }
