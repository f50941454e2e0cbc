"""The replies as a request sees them: its stop sequences, its max_tokens, whether reasoning is
shown; and what they cost (usage). Pure functions of the turn and the replies."""

from __future__ import annotations

import dataclasses

from .model import Reply, Turn, Usage, pieces, usage_for


def stop_at(reply: Reply, stops: tuple[str, ...]) -> Reply:
    """End the text before the first stop sequence in it, as a model stops generating there
    (whatever would have come after, tool calls included, is never generated)."""
    if not stops or not reply.content:
        return reply
    found = [(at, stop) for stop in stops if (at := reply.content.find(stop)) >= 0]
    if not found:
        return reply
    at, stop = min(found)
    return Reply(reply.content[:at], reply.reasoning, (), "stop", stop)


def limit_reply(reply: Reply, max_tokens: int | None) -> Reply:
    """Honour max_tokens: reasoning spends the budget first, then text; the rest is cut."""
    if not max_tokens or reply.reasoning_tokens + reply.output_tokens <= max_tokens:
        return reply
    budget = max(max_tokens - reply.reasoning_tokens, 0)
    reasoning = "".join(reply.reasoning_pieces[:max_tokens]) if reply.reasoning else reply.reasoning
    content = "".join(pieces(reply.content or "")[:budget])
    return Reply(content, reasoning, (), "length")


def shape(turn: Turn, replies: list[Reply]) -> tuple[tuple[Reply, ...], Usage]:
    """The choices as this turn may see them (reasoning shown or not, max_tokens), and their usage."""
    if not (turn.show_reasoning or turn.silent_reasoning):
        replies = [dataclasses.replace(r, reasoning=None) for r in replies]
    choices = tuple(limit_reply(stop_at(r, turn.stop), turn.max_tokens) for r in replies)
    return choices, usage_for(turn, choices)
