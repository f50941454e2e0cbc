"""The pieces of a GenerateContentResponse: candidates, function-call parts, usageMetadata, responseId."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from ...model import JSON, ToolCall

FINISH = {
    "stop": "STOP",
    "length": "MAX_TOKENS",
    "tool_calls": "STOP",
    "content_filter": "SAFETY",
    "refusal": "SAFETY",
}
# A candidate blocked for safety says which category blocked it (the others stay NEGLIGIBLE).
SAFETY_RATINGS = (
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
)


def chunk_json(obj: Any) -> str:
    """Stream chunks as the real server writes them: `": "` after keys, bare `,` between items."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ": "))


def candidate(index: int, parts: list[JSON], finish: str | None) -> JSON:
    body: JSON = {"content": {"parts": parts, "role": "model"} if parts else {"role": "model"}}
    if finish == "SAFETY" and not parts:  # blocked: no content at all
        del body["content"]
    if finish is not None:
        body["finishReason"] = finish
    if finish == "SAFETY":
        body["safetyRatings"] = [dict(rating) for rating in SAFETY_RATINGS]
    body["index"] = index
    return body


def function_call_part(call: ToolCall) -> JSON:
    args = call.arguments_object
    return {"functionCall": {"name": call.name, "args": args if isinstance(args, dict) else {}}}


def usage_metadata(prompt: int, candidates: int, thoughts: int, cached: int = 0) -> JSON:
    # proto3 JSON leaves zero counts out, so candidatesTokenCount / thoughtsTokenCount may be absent.
    usage: JSON = {"promptTokenCount": prompt}
    if cached:  # implicit caching: part of promptTokenCount
        usage["cachedContentTokenCount"] = cached
    if candidates:
        usage["candidatesTokenCount"] = candidates
    usage["totalTokenCount"] = prompt + candidates + thoughts
    usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if cached:
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def response_id(completion_id: str) -> str:
    """A 22-character URL-safe id, like the real `responseId`s."""
    digest = hashlib.blake2b(completion_id.encode(), digest_size=16).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
