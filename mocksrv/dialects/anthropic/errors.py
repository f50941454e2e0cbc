"""Anthropic errors: statuses, `error.type` values, messages and headers (wire-facts §4.4).

`quota` has no exact Anthropic twin: the API's 402 `billing_error` is not retried by the SDK
either, but the closest thing a running organisation meets is the monthly spend limit, which
the API reports as 429 `rate_limit_error` with `details.error_code =
"enforced_spend_limit_reached"` (anthropic 2.x raises `EnforcedSpendLimitReachedError`, a
`RateLimitError`). We answer that, plus `x-should-retry: false` so no SDK retries it.
"""

from __future__ import annotations

import re

from ...errors import MockError
from ...model import JSON, ErrorKind
from .wire import limit_headers, rate_limit_headers

CONTEXT_WINDOW = 200_000

# kind -> (status, error.type)
ERRORS: dict[ErrorKind, tuple[int, str]] = {
    ErrorKind.BAD_REQUEST: (400, "invalid_request_error"),
    ErrorKind.AUTH: (401, "authentication_error"),
    ErrorKind.PERMISSION: (403, "permission_error"),
    ErrorKind.NOT_FOUND: (404, "not_found_error"),
    ErrorKind.CONTEXT_LENGTH: (400, "invalid_request_error"),
    ErrorKind.RATE_LIMIT: (429, "rate_limit_error"),
    ErrorKind.QUOTA: (429, "rate_limit_error"),
    ErrorKind.SERVER_ERROR: (500, "api_error"),
    ErrorKind.OVERLOADED: (529, "overloaded_error"),
    ErrorKind.TIMEOUT: (504, "timeout_error"),
    ErrorKind.TOO_LARGE: (413, "request_too_large"),
    ErrorKind.METHOD_NOT_ALLOWED: (405, "invalid_request_error"),
}

# Used when a MockError carries no message of its own (scenario steps usually don't).
MESSAGES: dict[ErrorKind, str] = {
    ErrorKind.BAD_REQUEST: "Invalid request",
    ErrorKind.PERMISSION: "Your API key does not have permission to use the specified resource.",
    ErrorKind.NOT_FOUND: "Not found",
    ErrorKind.RATE_LIMIT: (
        "This request would exceed the rate limit for your organization of 50 requests per minute. "
        "For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response "
        "headers for current usage. Please reduce the prompt length or the maximum tokens requested, "
        "or try again later."
    ),
    ErrorKind.QUOTA: (
        "You have reached your specified API usage limits. You will regain access on the first "
        "day of next month at 00:00 UTC."
    ),
    ErrorKind.SERVER_ERROR: "Internal server error",
    ErrorKind.OVERLOADED: "Overloaded",
    ErrorKind.TIMEOUT: "Request timed out",
    ErrorKind.TOO_LARGE: "Request exceeds the maximum allowed number of bytes.",
    ErrorKind.METHOD_NOT_ALLOWED: "Method not allowed",
}


def error_message(error: MockError) -> str:
    if error.kind is ErrorKind.AUTH:
        return "x-api-key header is required" if error.detail == "missing" else "invalid x-api-key"
    if error.detail == "schema":
        return _schema_message(error)
    if error.message:
        return error.message
    if error.kind is ErrorKind.CONTEXT_LENGTH:
        return f"prompt is too long: {CONTEXT_WINDOW + 4_113} tokens > {CONTEXT_WINDOW} maximum"
    return MESSAGES[error.kind]


def _schema_message(error: MockError) -> str:
    """Pydantic-style, as the real API words it: `max_tokens: Field required`."""
    param = re.sub(r"\[(\d+)\]", r"\1", error.param or "body")
    if error.message.startswith("Missing required parameter"):
        return f"{param}: Field required"
    extra = re.search(r"\('([^']+)'.* unexpected\)", error.message)  # jsonschema's additionalProperties
    if extra is not None:
        return f"{extra.group(1)}: Extra inputs are not permitted"
    return error.message  # already names the parameter


def error_object(error: MockError) -> JSON:
    body: JSON = {"type": ERRORS[error.kind][1], "message": error_message(error)}
    if error.kind is ErrorKind.QUOTA:
        body["details"] = {"error_code": "enforced_spend_limit_reached"}
    return body


def error_headers(error: MockError) -> dict[str, str]:
    headers: dict[str, str] = {}
    if error.kind is ErrorKind.RATE_LIMIT:  # the API always says when to come back
        headers.update(rate_limit_headers(exhausted=True, reset_in=error.retry_delay_s))
    elif error.kind is ErrorKind.QUOTA:  # a monthly limit: no retry-after unless scripted
        headers.update(rate_limit_headers(exhausted=True, reset_in=error.retry_after or 60))
    if error.kind is ErrorKind.RATE_LIMIT or error.retry_after is not None:
        headers["retry-after"] = f"{error.retry_delay_s:g}"
    if error.kind is ErrorKind.QUOTA:
        headers["x-should-retry"] = "false"
    headers.update(limit_headers(error.buckets))
    headers.update(error.headers)
    return headers
