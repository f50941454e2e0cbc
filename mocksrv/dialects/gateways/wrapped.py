"""Seed 004: a gateway that wraps every JSON body in {success, code, message, data}.

Streams pass through unwrapped (plain chat.completion.chunk events and `[DONE]`): a wrapping
response interceptor of such gateways applies to JSON bodies, not to event streams. An error
inside a stream is the same envelope as any other error, plus the OpenAI `error` object: the
openai SDKs raise on an event only for a top-level `error` key, and would otherwise end the
stream silently, the text cut short. A JSON error body needs no such key (its HTTP status
makes every client raise), so it stays the envelope design §7 pins.
"""

from __future__ import annotations

from ...errors import MockError
from ...model import JSON, Completion, SSEEvent, Turn
from ..base import ErrorResponse, RouteSpec, dumps
from ..openai.chat import OpenAIChat


def envelope(status: int, message: str, data: JSON | None) -> JSON:
    return {"success": status < 400, "code": str(status), "message": message, "data": data}


class WrappedChat(OpenAIChat):
    name = "wrapped"
    prefix = "/wrapped"
    base_path = "/wrapped/api/v1"
    routes = (RouteSpec("POST", "/api/v1/chat/completions"),)
    schema_dir = "wrapped"
    success_headers = {}
    service_tier = None
    system_fingerprint = None

    def render(self, completion: Completion, turn: Turn) -> JSON:
        return envelope(200, "successful", super().render(completion, turn))

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        inner = super().render_error(error, request_id)
        return ErrorResponse(
            inner.status, envelope(inner.status, inner.body["error"]["message"], None), inner.headers
        )

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        body = {**self.render_error(error, request_id).body, "error": self.error_object(error)}
        return SSEEvent(dumps(body))
