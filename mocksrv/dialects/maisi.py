"""Seed 003: Maisi-AI, a multi-protocol aggregator with Bearer auth on every route."""

from __future__ import annotations

from .anthropic import AnthropicMessages
from .base import AuthScheme, RouteSpec
from .gemini import GeminiGenerate
from .openai_chat import OpenAIChat
from .openai_responses import OpenAIResponses


class MaisiChat(OpenAIChat):
    """Chat completions with the full OpenAI shape (refusal, annotations, logprobs, tiers)."""

    name = "maisi"
    prefix = "/maisi"
    base_path = "/maisi/v1"
    routes = (RouteSpec("POST", "/v1/chat/completions"),)
    schema_dir = "maisi"
    service_tier = "default"


class MaisiResponses(OpenAIResponses):
    name = "maisi"
    prefix = "/maisi"
    base_path = "/maisi/v1"
    routes = ()


class MaisiMessages(AnthropicMessages):
    """Anthropic Messages under /maisi/v1/messages, with Bearer auth like every Maisi route."""

    name = "maisi"
    prefix = "/maisi"
    base_path = "/maisi"
    routes = ()
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any key>"


class MaisiGemini(GeminiGenerate):
    """Gemini under /maisi/gemini/{v1beta,v1}/models/...; Bearer auth; camelCase bodies only."""

    name = "maisi"
    prefix = "/maisi/gemini"
    base_path = "/maisi/gemini"
    routes = ()
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any key>"
