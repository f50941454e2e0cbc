"""How the Redis store writes and reads its values: JSON text, with a fallback for what orjson refuses."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. integers beyond 64 bits, lone surrogates
        return json.dumps(value, default=str)


def text_of(value: object) -> str:
    """The client decodes every reply (decode_responses=True); the client's types allow more."""
    return value.decode(errors="surrogateescape") if isinstance(value, bytes) else str(value)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
