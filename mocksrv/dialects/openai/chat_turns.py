"""OpenAI chat's cross-turn rules (docs/cross-turn.md), shared by the OpenAI-compatible
gateways: tool calls are answered by the tool messages right after them, a tool message
answers a call, and (DeepSeek-style thinking models) reasoning comes back in a tool loop."""

from __future__ import annotations

from typing import Any

from ...errors import MockError
from ...model import ErrorKind

UNANSWERED = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. The following tool_call_ids did not have response messages: {ids}"
)
ORPHAN = (
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
    "'tool_calls'."
)
REASONING_DROPPED = "The reasoning_content in the thinking mode must be passed back to the API."


def refusal(message: str, rule: str, param: str | None) -> MockError:
    return MockError(ErrorKind.BAD_REQUEST, message, param=param, detail=rule)


def call_ids(message: dict[str, Any]) -> list[str]:
    calls = message.get("tool_calls") if message.get("role") == "assistant" else None
    return [str(c.get("id")) for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def check_tool_messages(messages: list[Any]) -> MockError | None:
    """Walk the conversation once: each assistant `tool_calls` block is followed by one tool
    message per id, and a tool message follows such a block."""
    open_calls: list[str] | None = None  # the ids of the tool block being answered, if any
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool" and open_calls is not None:
            open_calls = [c for c in open_calls if c != str(message.get("tool_call_id"))]
            continue
        if role == "tool":
            return refusal(ORPHAN, "tool_message_orphan", f"messages.[{index}].role")
        if open_calls:
            return refusal(
                UNANSWERED.format(ids=", ".join(open_calls)),
                "tool_calls_unanswered",
                f"messages.[{index}].role",
            )
        open_calls = call_ids(message) if isinstance(message, dict) else None
        open_calls = open_calls or None
    if open_calls:
        index = len(messages) - 1
        return refusal(
            UNANSWERED.format(ids=", ".join(open_calls)), "tool_calls_unanswered", f"messages.[{index}].role"
        )
    return None


def check_reasoning_passed_back(messages: list[Any], field: str) -> MockError | None:
    """Thinking mode: each assistant tool call since the last user message keeps its reasoning."""
    last_user = max(
        (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"), default=-1
    )
    for message in messages[last_user + 1 :]:
        if isinstance(message, dict) and call_ids(message) and not isinstance(message.get(field), str):
            return refusal(REASONING_DROPPED, "reasoning_not_passed_back", None)
    return None
