"""Anthropic's cross-turn rules (docs/cross-turn.md): tool results answer the previous
message's tool uses, and with thinking on, the tool loop's assistant turn keeps the signed
thinking block it was given. Each rule is a small pure function returning the API's 400."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from ...errors import MockError
from ...model import ErrorKind
from ...signing import Signer, b64decode_any

# Real signatures are base64 protobufs; ours keep a protobuf-looking head before the MAC.
SIGNATURE_HEAD = b"\x12\xa4\x01\n\x02\x18\x02"
PURPOSE = "anthropic-thinking"
THINKING_BLOCKS = ("thinking", "redacted_thinking")
EXTENDED_THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


def thinking_signature(signer: Signer, thinking: str) -> str:
    """The `signature` of a thinking block: verifiable later, the same for the same text + seed."""
    return base64.b64encode(SIGNATURE_HEAD + signer.mac(PURPOSE, thinking.encode())).decode()


def signature_valid(signer: Signer, thinking: Any, signature: Any) -> bool:
    raw = b64decode_any(signature) if isinstance(signature, str) else None
    if raw is None or not raw.startswith(SIGNATURE_HEAD) or not isinstance(thinking, str):
        return False
    return signer.verify(PURPOSE, thinking.encode(), raw[len(SIGNATURE_HEAD) :])


def refusal(message: str, rule: str) -> MockError:
    return MockError(ErrorKind.BAD_REQUEST, message, detail=rule)


def blocks(message: Any) -> list[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def of_type(message: Any, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    return ((j, b) for j, b in enumerate(blocks(message)) if b.get("type") == kind)


def check(body: dict[str, Any], signer: Signer, thinking_on: bool) -> MockError | None:
    messages = [m for m in body.get("messages") or () if isinstance(m, dict)]
    # A continued message thread: the earlier turns are held by the server, so the first
    # message's tool results answer calls this request cannot see; they are not judged.
    first = 1 if continues_thread(body) else 0
    return (
        tool_uses_answered(messages)
        or tool_results_expected(messages, first)
        or thinking_first(messages)
        or signatures_ours(messages, signer)
        or (tool_loop_keeps_thinking(messages) if thinking_on else None)
    )


def continues_thread(body: dict[str, Any]) -> bool:
    thread = body.get("thread")
    return isinstance(thread, dict) and thread.get("type") == "continue"


def tool_uses_answered(messages: list[dict[str, Any]]) -> MockError | None:
    """Every `tool_use` is answered by a `tool_result` in the very next (user) message."""
    for i, message in enumerate(messages[:-1]):
        if message.get("role") != "assistant":
            continue
        asked = [str(b.get("id")) for _, b in of_type(message, "tool_use")]
        answered = {str(b.get("tool_use_id")) for _, b in of_type(messages[i + 1], "tool_result")}
        missing = [call for call in asked if call not in answered]
        if missing:
            return refusal(
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message.",
                "tool_use_unanswered",
            )
    return None


def tool_results_expected(messages: list[dict[str, Any]], first: int = 0) -> MockError | None:
    """A `tool_result` answers a `tool_use` of the message just before it."""
    for i, message in enumerate(messages):
        if i < first:
            continue
        previous = messages[i - 1] if i > 0 and messages[i - 1].get("role") == "assistant" else {}
        asked = {str(b.get("id")) for _, b in of_type(previous, "tool_use")}
        for j, block in of_type(message, "tool_result"):
            if str(block.get("tool_use_id")) not in asked:
                return refusal(
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {block.get('tool_use_id')}. Each `tool_result` block must have a "
                    "corresponding `tool_use` block in the previous message.",
                    "tool_result_unexpected",
                )
    return None


def thinking_first(messages: list[dict[str, Any]]) -> MockError | None:
    """An assistant message with thinking blocks starts with one."""
    for i, message in enumerate(messages):
        kinds = [b.get("type") for b in blocks(message)]
        thinks = any(k in THINKING_BLOCKS for k in kinds)
        if message.get("role") == "assistant" and thinks and kinds[0] not in THINKING_BLOCKS:
            return refusal(
                f"messages.{i}.content.0: If an assistant message contains any thinking blocks, "
                f"the first block must be `thinking` or `redacted_thinking`. Found `{kinds[0]}`.",
                "thinking_not_first",
            )
    return None


def signatures_ours(messages: list[dict[str, Any]], signer: Signer) -> MockError | None:
    """A thinking block comes back exactly as mocksrv signed it (edited or foreign: refused)."""
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        for j, block in of_type(message, "thinking"):
            if not signature_valid(signer, block.get("thinking"), block.get("signature")):
                return refusal(
                    f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block",
                    "thinking_signature_invalid",
                )
    return None


def tool_loop_keeps_thinking(messages: list[dict[str, Any]]) -> MockError | None:
    """With thinking on, the assistant turn whose tool calls the last message answers starts
    with the thinking block it was given."""
    if len(messages) < 2 or messages[-2].get("role") != "assistant":
        return None
    if not any(True for _ in of_type(messages[-1], "tool_result")):
        return None
    content = messages[-2].get("content")
    first = blocks(messages[-2])[:1] if isinstance(content, list) else [{"type": "text"}]
    found = first[0].get("type") if first else "text"
    if found in THINKING_BLOCKS:
        return None
    index = len(messages) - 2
    return refusal(
        f"messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
        f"`{found}`. When `thinking` is enabled, a final `assistant` message must start with a "
        "thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We "
        "recommend you include thinking blocks from previous turns. To avoid this requirement, "
        f"disable `thinking`. Please consult our documentation at {EXTENDED_THINKING_DOCS}",
        "thinking_dropped",
    )
