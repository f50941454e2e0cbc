"""Claude on Vertex AI: the Messages wire behind `publishers/anthropic/models/{model}:rawPredict`.

The model comes from the URL, `anthropic_version` from the body (required, any value: the SDK
sends its own), `:streamRawPredict` streams the same SSE as /v1/messages. The SDK counts tokens
at `models/count-tokens:rawPredict` with the model in the body. A missing token is Vertex's
Google 401; everything past the front end answers in Anthropic's envelope.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ...errors import MockError
from ...model import ErrorKind, Turn
from ..base import AuthScheme, ErrorResponse, Incoming, RouteSpec
from ..gemini.vertex import VERSIONS, publisher_path, vertex_auth_error
from .messages import AnthropicMessages


def vertex_anthropic_routes() -> tuple[RouteSpec, ...]:
    routes: list[RouteSpec] = []
    for version in VERSIONS:
        base = publisher_path(version, "anthropic")
        # Listed first: aiohttp tries routes in order, and `{model}` would take "count-tokens" too.
        routes.append(
            RouteSpec(
                "POST", base.replace("{model}", "count-tokens") + ":rawPredict", "count_tokens", stream=False
            )
        )
        routes += [
            RouteSpec("POST", base + ":rawPredict"),
            RouteSpec("POST", base + ":streamRawPredict", stream=True),
        ]
    return tuple(routes)


class VertexAnthropic(AnthropicMessages):
    name = "vertex"
    prefix = "/vertex"
    base_path = "/vertex/v1"
    routes: ClassVar[tuple[RouteSpec, ...]] = vertex_anthropic_routes()
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any OAuth token>; anthropic_version in the body"
    schema_dir = "vertex_anthropic"
    require_version = False  # the version travels in the body (its schema requires it)

    def parse(self, incoming: Incoming) -> Turn:
        turn = super().parse(incoming)
        model = incoming.match_info.get("model") or turn.model  # count-tokens: the body's model
        if not model or model == "count-tokens":
            raise MockError(ErrorKind.BAD_REQUEST, "model: Field required", param="model")
        return dataclasses.replace(turn, model=model, stream=turn.stream or bool(incoming.route.stream))

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        return vertex_auth_error(error) or super().render_error(error, request_id)
