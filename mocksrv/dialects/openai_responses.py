"""OpenAI Responses API (stub: being written)."""

from __future__ import annotations

from .base import AuthScheme, Dialect


class OpenAIResponses(Dialect):
    name = "openai"
    prefix = "/openai"
    base_path = "/openai/v1"
    routes = ()
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any key>"
    schema_dir = "responses"
