"""Errors raised inside mocksrv; each dialect turns a MockError into its own envelope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import ErrorKind

# Default human messages per kind, close to what real providers say.
DEFAULT_MESSAGES: dict[ErrorKind, str] = {
    ErrorKind.BAD_REQUEST: "Invalid request.",
    ErrorKind.AUTH: "Invalid API key provided.",
    ErrorKind.PERMISSION: "You do not have permission to perform this request.",
    ErrorKind.NOT_FOUND: "The requested resource does not exist.",
    ErrorKind.CONTEXT_LENGTH: "The input exceeds the model's maximum context length.",
    ErrorKind.RATE_LIMIT: "Rate limit reached. Please try again later.",
    ErrorKind.QUOTA: "You exceeded your current quota, please check your plan and billing details.",
    ErrorKind.SERVER_ERROR: "The server had an error while processing your request.",
    ErrorKind.OVERLOADED: "The model is currently overloaded. Please try again later.",
    ErrorKind.TIMEOUT: "The request timed out.",
    ErrorKind.TOO_LARGE: "Request body too large.",
    ErrorKind.METHOD_NOT_ALLOWED: "Method not allowed.",
}

# When a rate limit ends, if the script does not say: every 429 `rate_limit` answer tells the
# client when to come back (docs/wire-decisions.md, "Client compatibility").
DEFAULT_RETRY_AFTER_S = 1.0


@dataclass(frozen=True)
class MockError(Exception):
    """A provider-visible failure. `detail` narrows the situation (e.g. "missing_key")."""

    kind: ErrorKind
    message: str = ""
    param: str | None = None
    detail: str | None = None
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    buckets: tuple[Any, ...] = ()  # rate_limits.Bucket: a counting limit's state, for its headers

    @property
    def retry_delay_s(self) -> float:
        """The scripted retry_after, else the default: what retry signals announce."""
        return self.retry_after if self.retry_after is not None else DEFAULT_RETRY_AFTER_S

    @property
    def text(self) -> str:
        return self.message or DEFAULT_MESSAGES[self.kind]

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.text}"


class ConfigError(Exception):
    """A bad fixture, scenario or config file: `file: JSON-pointer: message` lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
