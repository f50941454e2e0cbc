"""Seed 003: Maisi-AI, a multi-protocol aggregator with Bearer auth on every route."""

from __future__ import annotations

from ..anthropic.messages import AnthropicMessages
from ..base import AuthScheme, RouteSpec
from ..gemini.generate import GeminiGenerate
from ..openai.chat import OpenAIChat
from ..openai.responses import OpenAIResponses
from ..openai.responses_routes import responses_routes


class MaisiChat(OpenAIChat):
    """Chat completions with the full OpenAI shape (refusal, annotations, logprobs, tiers)."""

    name = "maisi"
    prefix = "/maisi"
    base_path = "/maisi/v1"
    routes = (RouteSpec("POST", "/v1/chat/completions"),)
    schema_dir = "maisi"
    service_tier = "default"


class MaisiResponses(OpenAIResponses):
    """OpenAI Responses under /maisi/v1/responses, Bearer auth, the official shapes."""

    name = "maisi"
    prefix = "/maisi"
    base_path = "/maisi/v1"
    routes = responses_routes("/v1")


class MaisiMessages(AnthropicMessages):
    """Anthropic Messages under /maisi/v1/messages, with Bearer auth like every Maisi route.

    The seed documents no `anthropic-version` rule; an aggregator forwards it rather than
    enforcing it, so it is optional here (the SDK sends it anyway).
    """

    name = "maisi"
    prefix = "/maisi"
    base_path = "/maisi"
    routes = (RouteSpec("POST", "/v1/messages"),)
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any key>"
    schema_dir = "anthropic"
    require_version = False


class MaisiGemini(GeminiGenerate):
    """Gemini under /maisi/gemini/{v1beta,v1}/models/...; Bearer auth; camelCase bodies only."""

    name = "maisi"
    prefix = "/maisi/gemini"
    base_path = "/maisi/gemini"
    # The docs list only the two generation methods (seed 003 / wire-facts 6.4).
    routes = tuple(r for r in GeminiGenerate.routes if r.operation == "generate")
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any key>"
    snake_case = False  # "本平台约定:仅使用小驼峰字段": snake_case names get a 400
