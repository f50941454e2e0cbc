"""The canonical model: what a request asks and what the provider answers, free of wire shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from .tokens import estimate_tokens

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
    endpoint: str = "chat"  # chat | responses | messages | embeddings | moderations | completions
    inputs: tuple[str, ...] = ()  # embeddings, moderations, completions: one text per input
    input_tokens: int | None = None  # the provider's own count of the inputs (embeddings), if any

    @cached_property  # read by every fixture rule that looks at it
    def last_user(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""

    @cached_property
    def prompt_tokens(self) -> int:
        if self.input_tokens is not None:  # what the answer's usage says, the ledger bills
            return self.input_tokens
        return sum(self.message_tokens(m) for m in self.messages)

    @staticmethod
    def message_tokens(message: Message) -> int:
        """The BPE estimate (tokens.py) plus OpenAI's 3 tokens of framing per message."""
        return estimate_tokens(message.text) + 3


@dataclass(frozen=True, slots=True)
class CachePoint:
    """A prompt prefix a provider may cache: its hash, its tokens, how long it stays."""

    digest: str
    tokens: int
    ttl_s: float


@dataclass(frozen=True)
class Reply:
    """One generated answer (one choice / candidate)."""

    content: str | None = None
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish: str = "stop"  # stop | length | tool_calls | content_filter | refusal
    stop_sequence: str | None = None  # the request's stop sequence that ended it (finish "stop")
    embedding: tuple[float, ...] | None = None  # a vector a fixture pins (embeddings endpoints)
    flagged: tuple[str, ...] | None = None  # moderation categories a fixture pins as flagged
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
    # Parts of prompt_tokens that a prompt cache served or stored (prompt_cache.py).
    cached_tokens: int = 0
    cache_write: int = 0  # written with the 5-minute TTL
    cache_write_1h: int = 0

    @property
    def uncached_prompt_tokens(self) -> int:
        """Prompt tokens neither read from nor written to a cache (Anthropic's `input_tokens`)."""
        return self.prompt_tokens - self.cached_tokens - self.cache_write - self.cache_write_1h

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
    bare: bool = False  # line-delimited framing (NDJSON): the data and its eol, no `data:` field
    # A binary framing's bytes for this event (the dialect frames it); `data` is then what the
    # journal shows. Written as they are, instead of `event:`/`data:` lines.
    raw: bytes | None = None

    def encode(self) -> bytes:
        if self.raw is not None:
            return self.raw
        eol = self.eol
        if self.bare:
            return f"{self.data}{eol}".encode()
        head = f"event: {self.event}{eol}" if self.event else ""
        return f"{head}data: {self.data}{eol}{eol}".encode()

    @property
    def tail_bytes(self) -> int:
        """How many encoded bytes follow the data (where a pre-rendered stream cuts it out)."""
        return len(self.eol.encode()) * (1 if self.bare else 2)


def usage_for(turn: Turn, choices: tuple[Reply, ...]) -> Usage:
    reasoning = sum(c.reasoning_tokens for c in choices)
    output = sum(c.output_tokens for c in choices)
    return Usage(turn.prompt_tokens, output + reasoning, reasoning)
