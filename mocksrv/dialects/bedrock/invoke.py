"""Bedrock InvokeModel / InvokeModelWithResponseStream for Anthropic models.

The body is the Messages request with `anthropic_version` in it (required, any value: the
anthropic SDK's releases send different ones) and the model in the URL. The answer is the
Messages JSON; the stream wraps each Messages event, base64, as `{"bytes": ...}` in an
event-stream `chunk`, the last one carrying `amazon-bedrock-invocationMetrics`.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from typing import ClassVar

import orjson

from ...model import Completion, SSEEvent, Turn
from ..anthropic.messages import AnthropicMessages
from ..base import Incoming, RouteSpec, dumps
from . import wire
from .converse import BedrockDialect, latency_ms


class BedrockInvoke(BedrockDialect, AnthropicMessages):
    """Messages parsing and rendering from AnthropicMessages; auth, errors, ids from BedrockDialect."""

    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/model/{model}/invoke", "invoke", stream=False),
        RouteSpec("POST", "/model/{model}/invoke-with-response-stream", "invoke", stream=True),
    )
    schema_dir = "bedrock"
    require_version = False  # in the body, where bedrock/invoke.request requires it

    def parse(self, incoming: Incoming) -> Turn:
        turn = AnthropicMessages.parse(self, incoming)
        return dataclasses.replace(
            turn, model=incoming.match_info.get("model", ""), stream=bool(incoming.route.stream)
        )

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        for event in AnthropicMessages.render_stream(self, completion, turn):
            data = event.data
            if event.terminal:  # message_stop: Bedrock adds its invocation metrics
                metrics = {
                    "inputTokenCount": completion.usage.prompt_tokens,
                    "outputTokenCount": completion.usage.completion_tokens,
                    "invocationLatency": latency_ms(completion),
                    "firstByteLatency": 150,
                }
                data = dumps({**orjson.loads(data), "amazon-bedrock-invocationMetrics": metrics})
            chunk = {"bytes": base64.b64encode(data.encode()).decode()}
            framed = wire.event("chunk", chunk, event.content, event.terminal)
            yield dataclasses.replace(
                framed, data=data, unread=event.unread
            )  # the journal shows the inner event
