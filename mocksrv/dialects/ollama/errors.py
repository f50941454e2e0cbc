"""Ollama's error body, `{"error": "<text>"}`, its statuses and its own wording."""

from __future__ import annotations

from ...errors import MockError
from ...model import ErrorKind

# kind -> (status, Ollama's message when the script gives none).
OLLAMA_ERRORS: dict[ErrorKind, tuple[int, str]] = {
    ErrorKind.BAD_REQUEST: (400, "invalid request"),
    ErrorKind.AUTH: (401, "unauthorized"),
    ErrorKind.PERMISSION: (403, "forbidden"),
    ErrorKind.NOT_FOUND: (404, "model not found, try pulling it first"),
    ErrorKind.CONTEXT_LENGTH: (400, "the input length exceeds the context length"),
    # ollama.com's cloud limits (no retry headers: the body is the only signal it sends).
    ErrorKind.RATE_LIMIT: (429, "you've reached your hourly usage limit, please wait or upgrade to continue"),
    ErrorKind.QUOTA: (
        429,
        "you've reached your weekly usage limit, upgrade for higher limits: https://ollama.com/upgrade",
    ),
    ErrorKind.SERVER_ERROR: (500, "an error was encountered while running the model"),
    ErrorKind.OVERLOADED: (503, "server busy, please try again.  maximum pending requests exceeded"),
    ErrorKind.TIMEOUT: (500, "timed out waiting for llama runner to start"),
    ErrorKind.TOO_LARGE: (413, "request body too large"),
    ErrorKind.METHOD_NOT_ALLOWED: (405, "405 method not allowed"),
}
MODEL_REQUIRED = "model is required"


def status_and_text(error: MockError) -> tuple[int, str]:
    status, default = OLLAMA_ERRORS[error.kind]
    if error.detail == "schema" and error.param == "model":
        return status, MODEL_REQUIRED
    if error.detail == "route":
        return status, "404 page not found" if status == 404 else default
    scripted = error.message and error.detail not in ("missing", "invalid")
    return status, error.message if scripted else default
