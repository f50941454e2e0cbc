"""Gemini errors: the google.rpc.Status envelope {"error": {code, message, status, details?}}."""

from __future__ import annotations

import re

from ...errors import MockError
from ...model import JSON, ErrorKind

TYPE = "type.googleapis.com/google.rpc."
RATE_LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits"
API_KEY_INVALID = "API key not valid. Please pass a valid API key."
MISSING_KEY = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. "
    f"For more information on this error, head to: {RATE_LIMITS_URL}."
)

# kind -> (HTTP status, canonical status, Google's own message). Google has no 405 or 413
# for this API: an unknown method is a 404 NOT_FOUND, an oversized body a 400.
STATUSES: dict[ErrorKind, tuple[int, str, str]] = {
    ErrorKind.BAD_REQUEST: (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    ErrorKind.AUTH: (400, "INVALID_ARGUMENT", API_KEY_INVALID),
    ErrorKind.PERMISSION: (403, "PERMISSION_DENIED", "The caller does not have permission"),
    ErrorKind.NOT_FOUND: (404, "NOT_FOUND", "Requested entity was not found."),
    ErrorKind.CONTEXT_LENGTH: (
        400,
        "INVALID_ARGUMENT",
        "The input token count exceeds the maximum number of tokens allowed (1048576).",
    ),
    ErrorKind.RATE_LIMIT: (429, "RESOURCE_EXHAUSTED", QUOTA_MESSAGE),
    ErrorKind.QUOTA: (429, "RESOURCE_EXHAUSTED", QUOTA_MESSAGE),
    ErrorKind.SERVER_ERROR: (
        500,
        "INTERNAL",
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
    ),
    ErrorKind.OVERLOADED: (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    ErrorKind.TIMEOUT: (504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
    ErrorKind.TOO_LARGE: (400, "INVALID_ARGUMENT", "Request payload size exceeds the limit."),
    ErrorKind.METHOD_NOT_ALLOWED: (404, "NOT_FOUND", "Method not found."),
}

# Situations where mocksrv's generic (OpenAI-flavoured) wording is replaced by Google's.
GOOGLE_WORDING = {
    "invalid_json": "Invalid JSON payload received. Unexpected token.",
    "invalid": API_KEY_INVALID,
}


def message_of(error: MockError) -> str:
    default = STATUSES[error.kind][2]
    if error.detail in GOOGLE_WORDING:
        return GOOGLE_WORDING[error.detail]
    if error.kind is ErrorKind.TOO_LARGE:
        limit = re.search(r"limit is (\d+) bytes", error.message)  # intake's wording
        return f"Request payload size exceeds the limit: {limit.group(1)} bytes." if limit else default
    if error.kind is ErrorKind.RATE_LIMIT and not error.message:
        return f"{QUOTA_MESSAGE} Please retry in {retry_delay(error)}."
    return error.message or default


def retry_delay(error: MockError) -> str:
    return f"{error.retry_delay_s:g}s"


def status_of(error: MockError) -> tuple[int, JSON]:
    """HTTP status and the inner error object: {code, message, status, details?}."""
    if error.kind is ErrorKind.AUTH and error.detail == "missing":
        return 403, {"code": 403, "message": MISSING_KEY, "status": "PERMISSION_DENIED"}
    code, status, _ = STATUSES[error.kind]
    body: JSON = {"code": code, "message": message_of(error), "status": status}
    if details := details_of(error, body["message"]):
        body["details"] = details
    return code, body


def details_of(error: MockError, message: str) -> list[JSON]:
    if error.kind is ErrorKind.AUTH:
        return [
            {
                "@type": TYPE + "ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {"@type": TYPE + "LocalizedMessage", "locale": "en-US", "message": API_KEY_INVALID},
        ]
    if error.kind in (ErrorKind.RATE_LIMIT, ErrorKind.QUOTA):
        return quota_details(error)
    if error.detail == "schema":
        violation: JSON = {"description": message}
        if error.param:
            violation = {"field": error.param, **violation}
        return [{"@type": TYPE + "BadRequest", "fieldViolations": [violation]}]
    return []


def quota_details(error: MockError) -> list[JSON]:
    per_minute = error.kind is ErrorKind.RATE_LIMIT
    quota_id = (
        "GenerateRequestsPerMinutePerProjectPerModel"
        if per_minute
        else "GenerateRequestsPerDayPerProjectPerModel"
    )
    details: list[JSON] = [
        {
            "@type": TYPE + "QuotaFailure",
            "violations": [
                {
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                    "quotaId": quota_id,
                    "quotaDimensions": {"location": "global"},
                }
            ],
        },
        {
            "@type": TYPE + "Help",
            "links": [{"description": "Learn more about Gemini API quotas", "url": RATE_LIMITS_URL}],
        },
    ]
    if per_minute:  # only a per-minute limit tells the caller when to come back
        details.append({"@type": TYPE + "RetryInfo", "retryDelay": retry_delay(error)})
    return details


def error_headers(error: MockError) -> dict[str, str]:
    headers: dict[str, str] = {}
    if error.kind is ErrorKind.RATE_LIMIT or error.retry_after is not None:
        headers["retry-after"] = retry_delay(error).removesuffix("s")
    headers.update(error.headers)
    return headers
