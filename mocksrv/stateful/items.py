"""Items as the Responses API keeps them: input turned into item resources with ids, and back."""

from __future__ import annotations

import hashlib
from typing import Any

from ..dialects.openai.responses import input_messages
from ..model import JSON, Message

# Item types whose resource carries a `status` (the others do not have one).
WITH_STATUS = frozenset({"message", "function_call", "function_call_output"})
PREFIXES = {"message": "msg", "function_call": "fc", "function_call_output": "fco", "reasoning": "rs"}


def item_id(kind: str, owner: str, index: int) -> str:
    """Deterministic per (owner, position): the same stored response lists the same ids."""
    digest = hashlib.blake2b(f"{owner}/{index}".encode(), digest_size=24).hexdigest()
    return f"{PREFIXES.get(kind, 'item')}_{digest}"


def input_list(raw: Any) -> list[JSON]:
    """`input` as a list of items (a string is one user message)."""
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": raw}]
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def as_resource(item: JSON, owner: str, index: int) -> JSON:
    """An input item as the API lists it: an id, a type, content as parts, a status."""
    kind = item.get("type", "message")
    resource = {**item, "type": kind}
    if kind == "message":
        content = item.get("content")
        part = "output_text" if item.get("role") == "assistant" else "input_text"
        if isinstance(content, str):
            content = [{"type": part, "text": content}]
            if part == "output_text":
                content[0]["annotations"] = []
        resource["content"] = content if isinstance(content, list) else []
    if kind in WITH_STATUS:
        resource.setdefault("status", "completed")
    if not isinstance(resource.get("id"), str):
        resource["id"] = item_id(kind, owner, index)
    return resource


def resources(raw: Any, owner: str, start: int = 0) -> list[JSON]:
    return [as_resource(item, owner, start + i) for i, item in enumerate(input_list(raw))]


def messages_of(instructions: Any, items: list[JSON]) -> tuple[Message, ...]:
    """The canonical conversation: instructions (this request's only), then every item."""
    return input_messages({"instructions": instructions, "input": items})


def page(items: list[JSON], query: Any, max_limit: int = 100) -> JSON:
    """OpenAI's cursor page: `limit` (1-100, default 20), `order` (asc|desc), `after` an item id."""
    from ..errors import MockError
    from ..model import ErrorKind

    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise MockError(ErrorKind.BAD_REQUEST, f"Invalid value for 'order': {order!r}.", param="order")
    text = query.get("limit", "20")
    if not text.isdigit() or not 1 <= int(text) <= max_limit:
        raise MockError(
            ErrorKind.BAD_REQUEST,
            f"Invalid 'limit': expected an integer from 1 to {max_limit}.",
            param="limit",
        )
    ordered = items if order == "asc" else items[::-1]
    after = query.get("after")
    if after:
        ids = [item.get("id") for item in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    chosen = ordered[: int(text)]
    return {
        "object": "list",
        "data": chosen,
        "first_id": chosen[0]["id"] if chosen else None,
        "last_id": chosen[-1]["id"] if chosen else None,
        "has_more": len(ordered) > len(chosen),
    }
