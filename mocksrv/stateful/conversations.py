"""Conversations: a stored list of items that responses created with `conversation` extend.

One record per conversation (its metadata and items), kept RETENTION_S on the mocksrv clock.
Appending reads and rewrites the record: two responses appended to one conversation at the
same instant from two workers may lose one turn (tests and agents take turns).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from ..errors import MockError
from ..model import ErrorKind
from ..services import Services
from . import records

MAX_ITEMS = 2000  # per conversation; past this appending is a 400
MAX_METADATA = 16  # keys, as the API documents (64-character keys, 512-character values)


def new_id() -> str:
    return "conv_" + hashlib.blake2b(os.urandom(16), digest_size=24).hexdigest()


def resource(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "object": "conversation",
        "created_at": int(record["created_at"]),
        "metadata": record["metadata"],
    }


def check_metadata(metadata: Any) -> dict[str, str]:
    if metadata is None:
        return {}
    bad = not isinstance(metadata, dict) or len(metadata) > MAX_METADATA
    bad = bad or any(not isinstance(v, str) or len(str(k)) > 64 or len(v) > 512 for k, v in metadata.items())
    if bad:
        raise MockError(
            ErrorKind.BAD_REQUEST,
            "Invalid 'metadata': at most 16 string pairs (keys up to 64, values up to 512 characters).",
            param="metadata",
        )
    return dict(metadata)


async def fetch(
    services: Services, conversation_id: str, now: float, param: str | None = None
) -> dict[str, Any]:
    record = await services.state.record_get(records.CONVERSATION, conversation_id, now)
    if record is None:
        kind, detail = (ErrorKind.BAD_REQUEST, None) if param else (ErrorKind.NOT_FOUND, "stored_not_found")
        raise MockError(
            kind, f"Conversation with id '{conversation_id}' not found.", param=param, detail=detail
        )
    return record


async def save(services: Services, record: dict[str, Any], now: float) -> None:
    if len(record["items"]) > MAX_ITEMS:
        raise MockError(
            ErrorKind.BAD_REQUEST, f"A conversation holds at most {MAX_ITEMS} items.", param="items"
        )
    await services.state.record_put(records.CONVERSATION, record["id"], record, now + records.RETENTION_S)


async def append(services: Services, conversation_id: str, items: list[dict[str, Any]], now: float) -> None:
    record = await fetch(services, conversation_id, now, param="conversation")
    record["items"] = [*record["items"], *items]
    await save(services, record, now)
