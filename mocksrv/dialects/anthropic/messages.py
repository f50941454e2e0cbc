"""Anthropic Messages API: POST /v1/messages, plain and streamed (wire-facts §4).

Ids live in `anthropic.wire`, the error mapping in `anthropic.errors` (see there for why
`quota` is a 429 that says `x-should-retry: false`). Thinking blocks appear only when the request enables
`thinking` (design §7); otherwise a fixture's reasoning is neither shown nor billed.
Reading the request is in anthropic/request.py, the content blocks and SSE events in
anthropic/blocks.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Reply, SSEEvent, Turn, stops_of
from ..base import (
    AuthScheme,
    Dialect,
    ErrorResponse,
    Incoming,
    LimitWording,
    PromptCaching,
    RouteSpec,
    TurnContext,
)
from . import errors, wire
from .blocks import StreamBlock, event, final_block, ping, tool_block
from .request import chat_messages, output_schema, system_messages, thinking_enabled, tool_choice, tool_specs
from .turns import check as check_anthropic_turns
from .turns import thinking_signature

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
    "refusal": "refusal",
}
DELTA_USAGE_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")


def _stop_reason(reply: Reply) -> tuple[str, str | None]:
    """(stop_reason, stop_sequence): a stop sequence that ended the text is named."""
    if reply.stop_sequence is not None:
        return "stop_sequence", reply.stop_sequence
    return STOP_REASONS[reply.finish], None


class AnthropicMessages(Dialect):
    family = "anthropic"
    name = "anthropic"
    prefix = "/anthropic"
    base_path = "/anthropic"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/messages"),
        RouteSpec("POST", "/v1/messages/count_tokens", "count_tokens", stream=False),
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", "/v1/models/{model}", "model"),
    )
    auth = AuthScheme(bearer=True, headers=("x-api-key",))
    auth_hint = "x-api-key (or Bearer) + anthropic-version"
    schema_dir = "anthropic"
    endpoint = "messages"
    require_version: ClassVar[bool] = True
    prompt_caching: ClassVar[PromptCaching | None] = PromptCaching(
        explicit=True, report_writes=True
    )  # `cache_control` breakpoints
    limit_wording = LimitWording(
        context="prompt is too long: {tokens} tokens > {limit} maximum",
        output=(
            "max_tokens: {value} > {limit}, which is the maximum allowed number of output tokens for {model}"
        ),
        unknown_model="model: {model}",
        not_chat_model="model: {model}",
    )

    # ---- parsing ------------------------------------------------------------------------
    def check_turns(self, incoming: Incoming, context: TurnContext) -> MockError | None:
        body = incoming.body
        return check_anthropic_turns(body, self.signer, thinking_enabled(body.get("thinking")))

    def parse(self, incoming: Incoming) -> Turn:
        if self.require_version and not incoming.headers.get("anthropic-version", "").strip():
            raise MockError(ErrorKind.BAD_REQUEST, "anthropic-version: header is required")
        body = incoming.body
        schema = output_schema(body)
        return Turn(
            endpoint=self.endpoint,
            dialect=self.name,
            model=str(body.get("model", "")),
            messages=(*system_messages(body.get("system")), *chat_messages(body.get("messages"))),
            stream=bool(body.get("stream")),
            tools=tool_specs(body.get("tools")),
            max_tokens=body.get("max_tokens"),
            stop=stops_of(body.get("stop_sequences")),
            json_mode=schema is not None,
            response_schema=schema,
            show_reasoning=thinking_enabled(body.get("thinking")),
            silent_reasoning=False,  # without `thinking` Claude does not think at all
            extras={
                "tool_choice": tool_choice(body.get("tool_choice")),
                "cache_points": wire.cache_points(body),
            },
        )

    def render_models(self, models: list[ModelInfo], query: Mapping[str, str]) -> JSON:
        page, has_more = wire.models_page(models, query)
        return {
            "data": [self.render_model(m) for m in page],
            "has_more": has_more,
            "first_id": page[0].id if page else None,
            "last_id": page[-1].id if page else None,
        }

    def render_model(self, model: ModelInfo) -> JSON:
        created = datetime.fromtimestamp(model.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "type": "model",
            "id": model.id,
            "display_name": model.display_name or model.id,
            "created_at": created,
        }

    def render_count(self, turn: Turn) -> JSON:
        return {"input_tokens": turn.prompt_tokens}  # what the answer's usage.input_tokens says

    # ---- non-streaming ------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        reply = completion.choices[0]
        blocks = [final_block(start, deltas) for start, deltas in self._blocks(reply, turn)]
        stop, sequence = _stop_reason(reply)
        return self._message(completion, blocks, stop, _output_tokens(completion, turn), sequence)

    @staticmethod
    def _message(
        completion: Completion,
        content: list[JSON],
        stop: str | None,
        output: int,
        sequence: str | None = None,
    ) -> JSON:
        return {
            "id": wire.message_id(completion.id),
            "type": "message",
            "role": "assistant",
            "model": completion.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": sequence,
            "usage": {
                "input_tokens": completion.usage.uncached_prompt_tokens,
                "cache_creation_input_tokens": completion.usage.cache_write + completion.usage.cache_write_1h,
                "cache_read_input_tokens": completion.usage.cached_tokens,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": completion.usage.cache_write,
                    "ephemeral_1h_input_tokens": completion.usage.cache_write_1h,
                },
                "output_tokens": output,
                "service_tier": "standard",
            },
        }

    # ---- streaming ----------------------------------------------------------------------
    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        reply = completion.choices[0]
        start = self._message(completion, [], None, 1)  # the real API starts at 1
        yield event({"type": "message_start", "message": start})
        blocks = list(self._blocks(reply, turn))
        if not blocks:
            yield ping()
        for index, (opening, deltas) in enumerate(blocks):
            yield event({"type": "content_block_start", "index": index, "content_block": opening})
            if index == 0:
                yield ping()
            for delta, is_content in deltas:
                yield event(
                    {"type": "content_block_delta", "index": index, "delta": delta}, content=is_content
                )
            yield event({"type": "content_block_stop", "index": index})
        # Cumulative counts: the SDK overwrites its snapshot with them.
        usage = {**start["usage"], "output_tokens": _output_tokens(completion, turn)}
        delta_usage = {k: usage[k] for k in DELTA_USAGE_KEYS}
        reason, sequence = _stop_reason(reply)
        stop = {"stop_reason": reason, "stop_sequence": sequence}
        yield event({"type": "message_delta", "delta": stop, "usage": delta_usage})
        yield event({"type": "message_stop"}, terminal=True)

    def _blocks(self, reply: Reply, turn: Turn) -> Iterator[StreamBlock]:
        """Thinking (when enabled), then text, then tool calls: the order the real API uses."""
        # With thinking on, a turn that calls tools always opens with a (signed) thinking block:
        # the client must send it back in the tool loop (anthropic/turns.py).
        if turn.show_reasoning and (reply.reasoning or reply.tool_calls):
            deltas = [({"type": "thinking_delta", "thinking": p}, True) for p in reply.reasoning_pieces]
            signature = thinking_signature(self.signer, reply.reasoning or "")
            deltas.append(({"type": "signature_delta", "signature": signature}, False))
            yield {"type": "thinking", "thinking": ""}, deltas
        if reply.content:
            yield (
                {"type": "text", "text": ""},
                [({"type": "text_delta", "text": p}, True) for p in reply.content_pieces],
            )
        for call in reply.tool_calls:
            yield tool_block(call)

    # ---- errors and headers -------------------------------------------------------------
    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        body = {"type": "error", "error": errors.error_object(error), "request_id": request_id}
        return ErrorResponse(errors.ERRORS[error.kind][0], body, errors.error_headers(error))

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        return event({"type": "error", "error": errors.error_object(error)})

    def keepalive(self) -> bytes:
        return ping().encode()

    def new_request_id(self, seed: str) -> str:
        return wire.request_id(seed)

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {
            "request-id": request_id,
            "anthropic-organization-id": wire.ORGANIZATION_ID,
            **wire.rate_limit_headers(),
        }

    def limit_headers(self, buckets: tuple[Any, ...]) -> dict[str, str]:
        return wire.limit_headers(buckets)


def _output_tokens(completion: Completion, turn: Turn) -> int:
    """Reasoning the request did not ask to see was never produced, so it is not billed."""
    usage = completion.usage
    hidden = 0 if turn.show_reasoning else usage.reasoning_tokens
    return max(usage.completion_tokens - hidden, 1)
