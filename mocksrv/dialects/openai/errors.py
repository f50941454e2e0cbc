"""What every OpenAI endpoint shares: the error envelope and table, error and success headers."""

from __future__ import annotations

from typing import Any, ClassVar

from ...errors import MockError
from ...model import JSON, ErrorKind
from ..base import Dialect, ErrorResponse, LimitWording, PromptCaching

# kind -> (status, type, code). Variants replace single entries.
OPENAI_ERRORS: dict[ErrorKind, tuple[int, str, str | None]] = {
    ErrorKind.BAD_REQUEST: (400, "invalid_request_error", None),
    ErrorKind.AUTH: (401, "invalid_request_error", "invalid_api_key"),
    ErrorKind.PERMISSION: (403, "request_forbidden", "unsupported_country_region_territory"),
    ErrorKind.NOT_FOUND: (404, "invalid_request_error", "model_not_found"),
    ErrorKind.CONTEXT_LENGTH: (400, "invalid_request_error", "context_length_exceeded"),
    ErrorKind.RATE_LIMIT: (429, "requests", "rate_limit_exceeded"),
    ErrorKind.QUOTA: (429, "insufficient_quota", "insufficient_quota"),
    ErrorKind.SERVER_ERROR: (500, "server_error", None),
    ErrorKind.OVERLOADED: (503, "server_error", None),
    ErrorKind.TIMEOUT: (504, "server_error", "timeout"),
    ErrorKind.TOO_LARGE: (413, "invalid_request_error", "request_too_large"),
    ErrorKind.METHOD_NOT_ALLOWED: (405, "invalid_request_error", "method_not_allowed"),
}

# MockError.detail values that are the error's own `code` (stored responses: mocksrv/stateful/).
DETAIL_CODES: dict[str, str | None] = {
    "previous_response_not_found": "previous_response_not_found",
    "invalid_encrypted_content": "invalid_encrypted_content",
    "stored_not_found": None,
}

MISSING_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from https://platform.openai.com/account/api-keys."
)

RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-remaining-tokens": "29999000",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "0s",
}


def duration(seconds: float) -> str:
    """OpenAI's reset format: `6ms`, `1s`, `17.5s`, `6m0s`, `1h2m3s`."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    text = f"{round(rest, 3):g}s"
    if minutes or hours:
        text = f"{minutes}m{text}"
    return f"{hours}h{text}" if hours else text


OPENAI_LIMITS = LimitWording(
    context=(
        "This model's maximum context length is {limit} tokens. However, your messages resulted in "
        "{tokens} tokens. Please reduce the length of the messages."
    ),
    output=(
        "{param} is too large: {value}. This model supports at most {limit} completion tokens, "
        "whereas you provided {value}."
    ),
    unknown_model="The model `{model}` does not exist or you do not have access to it.",
    not_chat_model=(
        "This is not a chat model and thus not supported in the v1/chat/completions endpoint. "
        "Did you mean to use v1/completions?"
    ),
    context_param="messages",
    output_params=("max_completion_tokens", "max_tokens"),
    output_code="invalid_value",
)


def limit_headers(buckets: tuple[Any, ...]) -> dict[str, str]:
    """x-ratelimit-{limit,remaining,reset}-{requests,tokens} of counting buckets (rate_limits.py)."""
    headers: dict[str, str] = {}
    for bucket in buckets:
        if bucket.name in ("requests", "tokens"):  # OpenAI reports no input/output split
            headers[f"x-ratelimit-limit-{bucket.name}"] = str(bucket.limit)
            headers[f"x-ratelimit-remaining-{bucket.name}"] = str(bucket.remaining)
            headers[f"x-ratelimit-reset-{bucket.name}"] = duration(bucket.reset_s)
    return headers


class OpenAIErrors(Dialect):
    """Error envelope `{"error": {message, type, param, code}}`, its headers, success headers."""

    errors: ClassVar[dict[ErrorKind, tuple[int, str, str | None]]] = OPENAI_ERRORS
    null_means_absent = True
    limit_wording: ClassVar[LimitWording | None] = OPENAI_LIMITS
    prompt_caching: ClassVar[PromptCaching | None] = PromptCaching(
        step=128
    )  # automatic, from the model's minimum in 128-token steps
    null_kept = frozenset({"model", "messages", "input"})
    success_headers: ClassVar[dict[str, str]] = {
        "openai-version": "2020-10-01",
        "openai-processing-ms": "1",
        "access-control-expose-headers": "X-Request-ID",
        **RATE_LIMIT_HEADERS,
    }

    def _error_entry(self, error: MockError) -> tuple[int, str, str | None]:
        if error.detail == "invalid_value":  # a parameter over the model's limit
            return 400, "invalid_request_error", "invalid_value"
        if error.detail in (
            "route",
            "no_fixture",
            "stored_not_found",
        ):  # mock-level misses: the same on every OpenAI-style API
            return OPENAI_ERRORS[error.kind][0], "invalid_request_error", None
        return self.errors[error.kind]

    def error_object(self, error: MockError) -> JSON:
        _, type_, code = self._error_entry(error)
        code = DETAIL_CODES.get(error.detail, code) if error.detail else code
        message = error.text
        if error.kind is ErrorKind.AUTH and error.detail == "missing":
            message, code = MISSING_KEY_MESSAGE, None
        return {"message": message, "type": type_, "param": error.param, "code": code}

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        status = self._error_entry(error)[0]
        return ErrorResponse(status, {"error": self.error_object(error)}, self.error_headers(error))

    def error_headers(self, error: MockError) -> dict[str, str]:
        headers: dict[str, str] = {}
        if error.kind is ErrorKind.RATE_LIMIT:  # the whole set, with a default delay
            reset = duration(error.retry_delay_s)
            headers.update(RATE_LIMIT_HEADERS)
            headers["x-ratelimit-remaining-requests"] = "0"
            headers["x-ratelimit-reset-requests"] = headers["x-ratelimit-reset-tokens"] = reset
        if error.kind is ErrorKind.RATE_LIMIT or error.retry_after is not None:
            headers["retry-after"] = f"{error.retry_delay_s:g}"
            headers["retry-after-ms"] = str(int(error.retry_delay_s * 1000))
        if error.kind is ErrorKind.QUOTA:
            headers["x-should-retry"] = "false"
        headers.update(limit_headers(error.buckets))
        headers.update(error.headers)
        return headers

    def limit_headers(self, buckets: tuple[Any, ...]) -> dict[str, str]:
        return limit_headers(buckets)

    def new_request_id(self, seed: str) -> str:
        return f"req_{seed}"

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {**self.success_headers, "x-request-id": request_id}
