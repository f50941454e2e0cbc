"""Bedrock Converse: POST /model/{modelId}/converse and /converse-stream.

One request shape for every model on Bedrock (content blocks as single-key objects: `text`,
`toolUse`, `toolResult`, `reasoningContent`). The stream is binary event-stream messages:
messageStart, per block contentBlockStart (tool use only) / contentBlockDelta / contentBlockStop,
messageStop, then metadata with usage and metrics.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any, ClassVar

from ...errors import MockError
from ...model import JSON, Completion, Message, Reply, SSEEvent, ToolCall, ToolSpec, Turn, stops_of
from ..base import AuthScheme, Dialect, ErrorResponse, Incoming, RouteSpec
from ..openai.chat import argument_fragments
from . import errors, wire

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "content_filtered",
}


def stop_reason(reply: Reply) -> str:
    return "stop_sequence" if reply.stop_sequence is not None else STOP_REASONS[reply.finish]


def tool_use_id(call_id: str) -> str:
    digest = hashlib.blake2b(call_id.encode(), digest_size=16).digest()
    return "tooluse_" + base64.urlsafe_b64encode(digest).decode().rstrip("=").replace("-", "x").replace(
        "_", "y"
    )


def signature(text: str) -> str:
    return base64.b64encode(hashlib.blake2b(text.encode(), digest_size=48).digest()).decode()


class BedrockDialect(Dialect):
    """What every Bedrock route shares: mount, auth, errors, request ids."""

    family = "anthropic"  # the catalog family Bedrock's Claude ids are looked up in
    name = "bedrock"
    prefix = "/bedrock"
    base_path = "/bedrock"
    auth: ClassVar[AuthScheme] = wire.BedrockAuth()
    auth_hint = "SigV4 Authorization + X-Amz-Date, or Authorization: Bearer <Bedrock API key>"
    stream_content_type = wire.STREAM_CONTENT_TYPE

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        return errors.render_error(error)

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        return errors.stream_exception(error)

    def keepalive(self) -> bytes:
        return b""  # the event stream has no keep-alive message: a stall is silence

    def new_request_id(self, seed: str) -> str:
        return wire.request_id(seed)

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {"x-amzn-RequestId": request_id}


class BedrockConverse(BedrockDialect):
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/model/{model}/converse", stream=False),
        RouteSpec("POST", "/model/{model}/converse-stream", stream=True),
    )
    schema_dir = "bedrock"

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        config = body.get("inferenceConfig") or {}
        extra = body.get("additionalModelRequestFields") or {}
        thinking = extra.get("thinking") or extra.get("reasoning_config") if isinstance(extra, dict) else None
        tools = body.get("toolConfig") or {}
        return Turn(
            dialect=self.name,
            model=incoming.match_info.get("model", ""),
            messages=(*system_messages(body.get("system")), *chat_messages(body.get("messages"))),
            stream=bool(incoming.route.stream),
            tools=tool_specs(tools.get("tools")),
            max_tokens=config.get("maxTokens"),
            stop=stops_of(config.get("stopSequences")),
            show_reasoning=isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"),
            silent_reasoning=False,
            extras={"tool_choice": tool_choice(tools.get("toolChoice"))},
        )

    # ---- answers ------------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        reply = completion.choices[0]
        content: list[JSON] = []
        if turn.show_reasoning and reply.reasoning:
            text = {"text": reply.reasoning, "signature": signature(reply.reasoning)}
            content.append({"reasoningContent": {"reasoningText": text}})
        if reply.content:
            content.append({"text": reply.content})
        content += [{"toolUse": tool_use(call, call.arguments_object)} for call in reply.tool_calls]
        return {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop_reason(reply),
            "usage": self.usage(completion, turn),
            "metrics": {"latencyMs": latency_ms(completion)},
        }

    @staticmethod
    def usage(completion: Completion, turn: Turn) -> JSON:
        u = completion.usage
        output = max(u.completion_tokens - (0 if turn.show_reasoning else u.reasoning_tokens), 1)
        return {
            "inputTokens": u.prompt_tokens,
            "outputTokens": output,
            "totalTokens": u.prompt_tokens + output,
        }

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        reply = completion.choices[0]
        yield wire.event("messageStart", {"role": "assistant"})
        for index, (start, deltas) in enumerate(self._blocks(reply, turn)):
            if start is not None:
                yield wire.event("contentBlockStart", {"start": start, "contentBlockIndex": index})
            for delta, content in deltas:
                yield wire.event("contentBlockDelta", {"delta": delta, "contentBlockIndex": index}, content)
            yield wire.event("contentBlockStop", {"contentBlockIndex": index})
        yield wire.event("messageStop", {"stopReason": stop_reason(reply)})
        metadata = {"usage": self.usage(completion, turn), "metrics": {"latencyMs": latency_ms(completion)}}
        yield wire.event("metadata", metadata, terminal=True)

    @staticmethod
    def _blocks(reply: Reply, turn: Turn) -> Iterator[tuple[JSON | None, list[tuple[JSON, bool]]]]:
        """(contentBlockStart's `start` or None, [(delta, is content)]): reasoning, text, tool uses."""
        if turn.show_reasoning and reply.reasoning:
            deltas = [({"reasoningContent": {"text": p}}, True) for p in reply.reasoning_pieces]
            deltas.append(({"reasoningContent": {"signature": signature(reply.reasoning)}}, False))
            yield None, deltas
        if reply.content:
            yield None, [({"text": p}, True) for p in reply.content_pieces]
        for call in reply.tool_calls:
            text = (
                call.arguments if isinstance(call.arguments_object, dict) and call.arguments.strip() else "{}"
            )
            start = {"toolUse": {"toolUseId": tool_use_id(call.id), "name": call.name}}
            yield start, [({"toolUse": {"input": f}}, True) for f in argument_fragments(text)]


def latency_ms(completion: Completion) -> int:
    """A stable, plausible figure: Bedrock reports the model's own latency."""
    return 200 + 8 * completion.usage.completion_tokens


def tool_use(call: ToolCall, arguments: Any) -> JSON:
    return {
        "toolUseId": tool_use_id(call.id),
        "name": call.name,
        "input": arguments if isinstance(arguments, dict) else {},
    }


# ---- request pieces ---------------------------------------------------------------------
def block_text(blocks: Any) -> str:
    if not isinstance(blocks, list):
        return ""
    return "\n".join(b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str))


def system_messages(system: Any) -> tuple[Message, ...]:
    text = block_text(system)
    return (Message("system", text),) if text else ()


def result_text(result: JSON) -> str:
    parts = []
    for block in result.get("content") or ():
        if isinstance(block, dict):
            parts.append(
                block["text"] if isinstance(block.get("text"), str) else json.dumps(block.get("json"))
            )
    return "\n".join(parts)


def chat_messages(raw: Any) -> list[Message]:
    messages: list[Message] = []
    for item in raw or ():
        if not isinstance(item, dict):
            continue
        blocks = [b for b in item.get("content") or () if isinstance(b, dict)]
        results = [
            Message("tool", result_text(b["toolResult"]))
            for b in blocks
            if isinstance(b.get("toolResult"), dict)
        ]
        calls = tuple(
            ToolCall(str(u.get("toolUseId", "")), str(u.get("name", "")), json.dumps(u.get("input") or {}))
            for b in blocks
            if isinstance(u := b.get("toolUse"), dict)
        )
        text = block_text(blocks)
        role = str(item.get("role", "user"))
        messages += results + ([Message(role, text, calls)] if text or calls or not results else [])
    return messages


def tool_specs(raw: Any) -> tuple[ToolSpec, ...]:
    specs = []
    for tool in raw or ():
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if isinstance(spec, dict) and spec.get("name"):
            schema = (spec.get("inputSchema") or {}).get("json")
            specs.append(
                ToolSpec(
                    str(spec["name"]),
                    spec.get("description") or "",
                    schema if isinstance(schema, dict) else None,
                )
            )
    return tuple(specs)


def tool_choice(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return None
    if isinstance(raw.get("tool"), dict):
        return {"name": raw["tool"].get("name")}
    return "required" if "any" in raw else "auto"
