"""Seed 002: OPEAI, a new-api gateway: `reasoning_content` and new-api error types."""

from __future__ import annotations

from dataclasses import replace

from ...model import JSON, Completion, ErrorKind, Usage
from ..base import RouteSpec
from ..openai.chat import OPENAI_ERRORS, OpenAIChat
from ..openai.errors import OPENAI_LIMITS

NEW_API_ERRORS = {
    **OPENAI_ERRORS,
    ErrorKind.AUTH: (401, "new_api_error", "invalid_api_key"),
    ErrorKind.QUOTA: (429, "new_api_error", "insufficient_user_quota"),
    ErrorKind.RATE_LIMIT: (429, "rate_limit_error", "rate_limit_exceeded"),
    ErrorKind.NOT_FOUND: (503, "new_api_error", "model_not_found"),
    ErrorKind.SERVER_ERROR: (500, "new_api_error", "internal_error"),
}


class OpeaiChat(OpenAIChat):
    name = "opeai"
    prefix = "/opeai"
    base_path = "/opeai/v1"
    routes = (
        RouteSpec("POST", "/v1/chat/completions"),
        RouteSpec("GET", "/v1/dashboard/billing/subscription", "billing_subscription"),
        RouteSpec("GET", "/v1/dashboard/billing/usage", "billing_usage"),
    )
    schema_dir = "opeai"
    errors = NEW_API_ERRORS
    success_headers = {}
    service_tier = None
    message_extras = {}
    reasoning_field = "reasoning_content"
    limit_wording = replace(
        OPENAI_LIMITS, unknown_model="分组 default 下模型 {model} 无可用渠道\uff08distributor\uff09"
    )

    def usage_body(self, completion: Completion) -> JSON:
        # DeepSeek's counters, which new-api passes through: hits plus misses make the prompt.
        u = completion.usage
        hits = {
            "prompt_cache_hit_tokens": u.cached_tokens,
            "prompt_cache_miss_tokens": u.prompt_tokens - u.cached_tokens,
        }
        return {**super().usage_body(completion), **hits}

    def usage_details(self, u: Usage) -> tuple[JSON, JSON]:
        prompt = {
            "cached_tokens": u.cached_tokens,
            "text_tokens": u.prompt_tokens,
            "audio_tokens": 0,
            "image_tokens": 0,
        }
        answer = {"text_tokens": u.completion_tokens - u.reasoning_tokens, "audio_tokens": 0}
        return prompt, {**answer, "reasoning_tokens": u.reasoning_tokens}
