"""OpenAI Chat Completions; the OpenAI-compatible variants subclass it and override ClassVars."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import JSON, Completion, Message, Reply, SSEEvent, ToolCall, ToolSpec, Turn, Usage, stops_of
from ...model import pieces as split_pieces
from ..base import AuthScheme, Incoming, RouteSpec, TurnContext, dumps
from .chat_turns import check_reasoning_passed_back, check_tool_messages
from .errors import MISSING_KEY_MESSAGE, OPENAI_ERRORS, RATE_LIMIT_HEADERS, OpenAIErrors

# Re-exported: the compatible variants import the shared table from here.
__all__ = [
    "MISSING_KEY_MESSAGE",
    "OPENAI_ERRORS",
    "RATE_LIMIT_HEADERS",
    "OpenAIChat",
    "argument_fragments",
    "text_of",
]


def text_of(content: Any) -> str:
    """Plain text of an OpenAI message content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def argument_fragments(arguments: str) -> list[str]:
    """Tool-call arguments streamed as several fragments, like the real API does."""
    return split_pieces(arguments) or [""]


class OpenAIChat(OpenAIErrors):
    name = "openai"
    prefix = "/openai"
    base_path = "/openai/v1"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/chat/completions"),
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", "/v1/models/{model}", "model"),
    )
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any key>"
    schema_dir = "openai"

    # Shape switches the compatible variants flip.
    system_fingerprint: ClassVar[str | None] = "fp_mocksrv01"
    service_tier: ClassVar[str | None] = "default"
    message_extras: ClassVar[dict[str, Any]] = {"refusal": None, "annotations": []}
    choice_logprobs_key: ClassVar[bool] = True
    reasoning_field: ClassVar[str | None] = None  # where reasoning text goes (opeai)
    empty_delta_before_finish: ClassVar[bool] = False
    always_usage_chunk: ClassVar[bool] = False  # usage chunk even without include_usage
    omit_null_finish: ClassVar[bool] = False  # leave finish_reason out until the last chunk
    honours_include_usage: ClassVar[bool] = True  # `usage: null` on chunks, then a usage chunk

    # ---- parsing ------------------------------------------------------------------------
    def check_turns(self, incoming: Incoming, context: TurnContext) -> MockError | None:
        messages = incoming.body.get("messages")
        if not isinstance(messages, list):
            return None
        error = check_tool_messages(messages)
        if error is None and self.reasoning_field and context.thinking(str(incoming.body.get("model"))):
            error = check_reasoning_passed_back(messages, self.reasoning_field)
        return error

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") if isinstance(fmt, dict) else None
        options = body.get("stream_options") or {}
        return Turn(
            dialect=self.name,
            model=str(body.get("model", "")),
            messages=tuple(self._message(m) for m in body.get("messages") or ()),
            stream=bool(body.get("stream")),
            n=int(body.get("n") or 1),
            tools=self._tools(body.get("tools") or ()),
            max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
            stop=stops_of(body.get("stop")),
            json_mode=isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"),
            response_schema=schema if isinstance(schema, dict) else None,
            include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
            show_reasoning=self.reasoning_field is not None,
            extras={
                "tool_choice": body.get("tool_choice"),
                "logprobs": body.get("top_logprobs", 0) if body.get("logprobs") else None,
                "schema_name": (fmt.get("json_schema") or {}).get("name") if isinstance(fmt, dict) else None,
            },
        )

    @staticmethod
    def _message(raw: Any) -> Message:
        if not isinstance(raw, dict):
            return Message("user")
        calls = tuple(
            ToolCall(c.get("id", ""), c["function"].get("name", ""), c["function"].get("arguments", ""))
            for c in raw.get("tool_calls") or ()
            if isinstance(c, dict) and isinstance(c.get("function"), dict)
        )
        return Message(str(raw.get("role", "user")), text_of(raw.get("content")), calls)

    @staticmethod
    def _tools(raw: Any) -> tuple[ToolSpec, ...]:
        specs = []
        for tool in raw:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and fn.get("name"):
                specs.append(ToolSpec(fn["name"], fn.get("description") or "", fn.get("parameters")))
        return tuple(specs)

    # ---- non-streaming ------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        body: JSON = {
            "id": f"chatcmpl-{completion.id}",
            "object": "chat.completion",
            "created": completion.created,
            "model": completion.model,
            "choices": [self._choice(i, r, turn) for i, r in enumerate(completion.choices)],
            "usage": self.usage_body(completion),
        }
        return self._identity(body)

    def _identity(self, body: JSON) -> JSON:
        if self.service_tier:
            body["service_tier"] = self.service_tier
        if self.system_fingerprint:
            body["system_fingerprint"] = self.system_fingerprint
        return body

    def _choice(self, index: int, reply: Reply, turn: Turn) -> JSON:
        message: JSON = {"role": "assistant", "content": self._content(reply)}
        message.update(self.message_extras)
        if self.reasoning_field and reply.reasoning:
            message[self.reasoning_field] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = [self.tool_call_body(c) for c in reply.tool_calls]
        if reply.refusal is not None:  # a refusal is a message field; the finish stays "stop"
            message["content"], message["refusal"] = None, reply.refusal
        choice: JSON = {"index": index, "message": message}
        if self.choice_logprobs_key:
            choice["logprobs"] = self._logprobs(reply.content_pieces, turn)
        choice["finish_reason"] = finish_reason(reply)
        return choice

    @staticmethod
    def _content(reply: Reply) -> str | None:
        if reply.content is None and reply.tool_calls:
            return None
        return reply.content or ""

    @staticmethod
    def tool_call_body(call: ToolCall) -> JSON:
        return {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }

    def usage_body(self, completion: Completion) -> JSON:
        u = completion.usage
        prompt_details, completion_details = self.usage_details(u)
        return {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "total_tokens": u.total_tokens,
            "prompt_tokens_details": prompt_details,
            "completion_tokens_details": completion_details,
        }

    def usage_details(self, u: Usage) -> tuple[JSON, JSON]:
        """(prompt_tokens_details, completion_tokens_details): where the variants differ."""
        return {"cached_tokens": u.cached_tokens, "audio_tokens": 0}, {
            "reasoning_tokens": u.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        }

    @staticmethod
    def _logprobs(tokens: list[str], turn: Turn) -> JSON | None:
        top = turn.extras.get("logprobs")
        if top is None:
            return None
        return {"content": [_token_logprob(t, int(top)) for t in tokens], "refusal": None}

    # ---- streaming ----------------------------------------------------------------------
    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        head: JSON = {
            "id": f"chatcmpl-{completion.id}",
            "object": "chat.completion.chunk",
            "created": completion.created,
            "model": completion.model,
        }
        head = self._identity(head)
        usage_on_every_chunk = turn.include_usage and self.honours_include_usage
        for index, reply in enumerate(completion.choices):
            for delta, finish, is_content, lp in self._deltas(reply, turn):
                choice: JSON = {"index": index, "delta": delta}
                if self.choice_logprobs_key:
                    choice["logprobs"] = lp
                if finish is not None or not self.omit_null_finish:
                    choice["finish_reason"] = finish
                chunk = {**head, "choices": [choice]}
                if usage_on_every_chunk:
                    chunk["usage"] = None
                yield SSEEvent(dumps(chunk), content=is_content)
        if turn.include_usage or self.always_usage_chunk:
            yield SSEEvent(dumps(self.usage_chunk(head, completion)))
        yield SSEEvent("[DONE]", terminal=True)

    def usage_chunk(self, head: JSON, completion: Completion) -> JSON:
        return {**head, "choices": [], "usage": self.usage_body(completion)}

    def _deltas(self, reply: Reply, turn: Turn) -> Iterator[tuple[JSON, str | None, bool, Any]]:
        """(delta, finish_reason, is_content, logprobs) for one choice, in wire order."""
        first: JSON = {"role": "assistant", "content": "" if reply.content is not None else None}
        first.update({k: v for k, v in self.message_extras.items() if k == "refusal"})
        yield first, None, False, None
        if self.reasoning_field:
            for piece in reply.reasoning_pieces:
                yield {self.reasoning_field: piece}, None, True, None
        for piece in reply.content_pieces:
            yield {"content": piece}, None, True, self._logprobs([piece], turn)
        for piece in split_pieces(reply.refusal or ""):
            yield {"refusal": piece}, None, True, None
        for i, call in enumerate(reply.tool_calls):
            opening = {**self.tool_call_body(call), "index": i}
            opening["function"] = {"name": call.name, "arguments": ""}
            yield {"tool_calls": [opening]}, None, False, None
            for fragment in argument_fragments(call.arguments):
                yield {"tool_calls": [{"index": i, "function": {"arguments": fragment}}]}, None, True, None
        if self.empty_delta_before_finish:
            yield {}, None, False, None
        yield {}, finish_reason(reply), False, None

    # ---- errors (envelope, table and headers come from OpenAIErrors) --------------------
    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        return SSEEvent(dumps({"error": self.error_object(error)}))

    def render_models(self, models: list[ModelInfo], query: Mapping[str, str]) -> JSON:
        return {"object": "list", "data": [self.render_model(m) for m in models]}

    def render_model(self, model: ModelInfo) -> JSON:
        return {
            "id": model.id,
            "object": "model",
            "created": model.created,
            "owned_by": model.owned_by or "system",
        }


def finish_reason(reply: Reply) -> str:
    """OpenAI's finish_reason: a refusal ends with "stop" (the `refusal` field says the rest)."""
    return "stop" if reply.finish == "refusal" else reply.finish


def _token_logprob(token: str, top: int) -> JSON:
    digest = hashlib.blake2b(token.encode(), digest_size=2).digest()
    logprob = -round(int.from_bytes(digest, "big") / 65535 * 2, 4)
    alternatives = [
        {"token": token, "logprob": logprob, "bytes": list(token.encode())},
        *(
            {"token": f"{token}{k}", "logprob": logprob - k - 1, "bytes": list(f"{token}{k}".encode())}
            for k in range(top - 1)
        ),
    ]
    return {
        "token": token,
        "logprob": logprob,
        "bytes": list(token.encode()),
        "top_logprobs": alternatives[:top],
    }
