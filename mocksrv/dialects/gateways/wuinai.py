"""Seed 000: an OpenAI-compatible gateway with wuinai-* auth headers and camelCase fields."""

from __future__ import annotations

from ...model import JSON, Completion, Usage
from ..base import AuthScheme, RouteSpec
from ..openai.chat import OpenAIChat

# The seed's OpenAPI names fields in camelCase; its own Java samples send snake_case.
CAMEL_TO_SNAKE = {
    "maxTokens": "max_tokens",
    "maxCompletionTokens": "max_completion_tokens",
    "topP": "top_p",
    "frequencyPenalty": "frequency_penalty",
    "presencePenalty": "presence_penalty",
    "toolChoice": "tool_choice",
    "responseFormat": "response_format",
    "topLogprobs": "top_logprobs",
    "logitBias": "logit_bias",
    "parallelToolCalls": "parallel_tool_calls",
    "streamOptions": "stream_options",
}


class WuinaiChat(OpenAIChat):
    name = "wuinai"
    prefix = "/wuinai"
    base_path = "/wuinai/api/ai/openai"
    routes = (RouteSpec("POST", "/api/ai/openai/chat/completions"),)
    auth = AuthScheme(required_headers=("wuinai-access-key", "wuinai-access-token"))
    auth_hint = "wuinai-access-key + wuinai-access-token headers (Bearer ignored)"
    schema_dir = "wuinai"
    success_headers = {}
    system_fingerprint = None
    service_tier = None
    message_extras = {}
    choice_logprobs_key = False
    empty_delta_before_finish = True
    always_usage_chunk = True
    honours_include_usage = False
    omit_null_finish = True

    def normalize(self, body: JSON) -> JSON:
        return {CAMEL_TO_SNAKE.get(k, k): v for k, v in body.items()}

    def usage_details(self, u: Usage) -> tuple[JSON, JSON]:
        return {"text_tokens": u.prompt_tokens}, {"content_tokens": u.completion_tokens}

    def usage_chunk(self, head: JSON, completion: Completion) -> JSON:
        # Sent even without include_usage, with one empty choice rather than `choices: []`.
        return {**head, "choices": [{"delta": {}, "index": 0}], "usage": self.usage_body(completion)}
