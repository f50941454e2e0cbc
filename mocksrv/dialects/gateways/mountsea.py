"""Seed 001: MountSea, OpenAI-compatible under /chat (the doubled `chat/chat` path is real)."""

from __future__ import annotations

from ...model import JSON
from ..base import RouteSpec
from ..openai.chat import OpenAIChat
from ..openai.responses import OpenAIResponses
from ..openai.responses_routes import responses_routes

# Its docs send empty objects as placeholders; a compatible server treats them as absent.
PLACEHOLDER_FIELDS = ("stop", "tool_choice", "response_format", "logit_bias")


class MountseaChat(OpenAIChat):
    name = "mountsea"
    prefix = "/mountsea"
    base_path = "/mountsea/chat"
    routes = (RouteSpec("POST", "/chat/chat/completions"),)
    schema_dir = "mountsea"

    def normalize(self, body: JSON) -> JSON:
        cleaned = {k: v for k, v in body.items() if not (k in PLACEHOLDER_FIELDS and v == {})}
        if isinstance(cleaned.get("tools"), list):
            cleaned["tools"] = [t for t in cleaned["tools"] if t != {}] or None
            if cleaned["tools"] is None:
                del cleaned["tools"]
        return cleaned


class MountseaResponses(OpenAIResponses):
    """Responses at /chat/v1/responses (its docs) and /chat/responses (what the SDK calls)."""

    name = "mountsea"
    prefix = "/mountsea"
    base_path = "/mountsea/chat"
    routes = responses_routes("/chat/v1") + responses_routes("/chat")
