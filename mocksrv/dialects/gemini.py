"""Google Gemini generateContent / streamGenerateContent (stub: being written)."""

from __future__ import annotations

from .base import AuthScheme, Dialect


class GeminiGenerate(Dialect):
    name = "gemini"
    prefix = "/gemini"
    base_path = "/gemini"
    routes = ()
    auth = AuthScheme(headers=("x-goog-api-key",), query="key")
    auth_hint = "x-goog-api-key header or ?key="
    schema_dir = "gemini"
