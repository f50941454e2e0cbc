"""The canonical model: what a request asks and what the provider answers, free of wire shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

JSON = dict[str, Any]

# A "token" is a word-sized piece of text: leading whitespace stays attached to its word.
_PIECE = re.compile(r"\s*\S+|\s+")


def pieces(text: str) -> list[str]:
    """Cut text into about-one-word pieces; joining them gives the text back."""
    return _PIECE.findall(text) if text else []


def stops_of(value: Any) -> tuple[str, ...]:
    """A request's stop sequences: one string, a list of them, or nothing."""
    found = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(s for s in found if isinstance(s, str) and s)  # an empty one would stop at once


def count_tokens(text: str | None) -> int:
    return len(pieces(text)) if text else 0


class ErrorKind(StrEnum):
    BAD_REQUEST = "bad_request"
    AUTH = "auth"
    PERMISSION = "permission"
    NOT_FOUND = "not_found"
    CONTEXT_LENGTH = "context_length"
    RATE_LIMIT = "rate_limit"
    QUOTA = "quota"
    SERVER_ERROR = "server_error"
    OVERLOADED = "overloaded"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str = ""
    parameters: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as every provider eventually needs it

    @property
    def arguments_object(self) -> Any:
        try:
            return json.loads(self.arguments) if self.arguments else {}
        except ValueError:
            return {}


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant | tool
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class Turn:
    """One request in canonical form."""

    dialect: str
    model: str
    messages: tuple[Message, ...]
    stream: bool = False
    n: int = 1
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int | None = None
    json_mode: bool = False
    response_schema: Mapping[str, Any] | None = None
    include_usage: bool = False
    show_reasoning: bool = False
    silent_reasoning: bool = True  # reasoning that is not shown still happens and costs tokens
    stop: tuple[str, ...] = ()  # stop sequences: the answer ends before the first one it holds
    extras: Mapping[str, Any] = field(default_factory=dict)

    @cached_property  # read by every fixture rule that looks at it
    def last_user(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""

    @cached_property
    def prompt_tokens(self) -> int:
        return sum(count_tokens(m.text) for m in self.messages) + 3 * len(self.messages)


@dataclass(frozen=True)
class Reply:
    """One generated answer (one choice / candidate)."""

    content: str | None = None
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish: str = "stop"  # stop | length | tool_calls | content_filter | refusal
    stop_sequence: str | None = None  # the request's stop sequence that ended it (finish "stop")
    refusal: str | None = None  # the model declined (finish "refusal"): misbehave.py

    # Cached: a fixture's reply is one object answering every request (read-only lists).
    @cached_property
    def content_pieces(self) -> list[str]:
        return pieces(self.content or "")

    @cached_property
    def reasoning_pieces(self) -> list[str]:
        return pieces(self.reasoning or "")

    @cached_property
    def output_tokens(self) -> int:
        tool_tokens = sum(count_tokens(c.arguments) for c in self.tool_calls)
        return len(self.content_pieces) + tool_tokens

    @property
    def reasoning_tokens(self) -> int:
        return len(self.reasoning_pieces)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int  # includes reasoning tokens, as OpenAI counts them
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """Everything a dialect needs to render one answer: choices plus identity."""

    id: str  # a random hex id; each dialect adds its own prefix
    created: int
    model: str
    choices: tuple[Reply, ...]
    usage: Usage


@dataclass(frozen=True, slots=True)  # slots: streams hold many; fewer objects for the GC to walk
class SSEEvent:
    """One server-sent event. Framing details (event name, line ending) are the dialect's data."""

    data: str
    event: str | None = None
    eol: str = "\n"
    content: bool = False  # carries generated text: paced by token timing
    terminal: bool = False  # a closing marker ([DONE], message_stop): dropped by truncation
    unread: bool = False  # clients skip it unparsed (a ping): a malformed fault never lands here

    def encode(self) -> bytes:
        eol = self.eol
        head = f"event: {self.event}{eol}" if self.event else ""
        return f"{head}data: {self.data}{eol}{eol}".encode()


def usage_for(turn: Turn, choices: tuple[Reply, ...]) -> Usage:
    reasoning = sum(c.reasoning_tokens for c in choices)
    output = sum(c.output_tokens for c in choices)
    return Usage(turn.prompt_tokens, output + reasoning, reasoning)
