"""Anthropic wire details that are not about content or errors: ids, signatures, headers."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from ...errors import MockError
from ...model import JSON, CachePoint, ErrorKind
from ...tokens import estimate_tokens

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_HEX = re.compile(r"[0-9a-fA-F]+")

ORGANIZATION_ID = "5b2c1f0e-8d4a-4c3b-9e7f-a1b2c3d4e5f6"

RATE_LIMITS = {"requests": 4000, "tokens": 2_000_000, "input-tokens": 1_600_000, "output-tokens": 400_000}


def base62(number: int, width: int) -> str:
    """`number` in base 62, left-padded or cut to exactly `width` characters."""
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(width, "0")[-width:]


def _digits(text: str, width: int) -> str:
    """`width` base-62 characters derived from text: stable, and as dense as real ids."""
    return base62(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=24).digest(), "big"), width)


def message_id(completion_id: str) -> str:
    return "msg_01" + _digits(completion_id, 22)


def request_id(seed: str) -> str:
    return "req_011C" + _digits(seed, 20)


def tool_use_id(call_id: str) -> str:
    """toolu_01 + the hex of a canonical call_<hex> id, so one call has one id everywhere."""
    if call_id.startswith("toolu_"):
        return call_id
    rest = call_id.removeprefix("call_")
    if rest and _HEX.fullmatch(rest):
        return "toolu_01" + rest
    return "toolu_01" + _digits(call_id, 22)


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rate_limit_headers(exhausted: bool = False, reset_in: float = 1.0) -> dict[str, str]:
    reset = rfc3339(time.time() + reset_in)
    headers: dict[str, str] = {}
    for name, limit in RATE_LIMITS.items():
        remaining = 0 if exhausted and name == "requests" else limit - 1
        headers[f"anthropic-ratelimit-{name}-limit"] = str(limit)
        headers[f"anthropic-ratelimit-{name}-remaining"] = str(remaining)
        headers[f"anthropic-ratelimit-{name}-reset"] = reset
    return headers


def models_page(models: list, query: Mapping[str, str]) -> tuple[list, bool]:
    """GET /v1/models paging: `limit` (1-1000, default 20) after `after_id` or before `before_id`."""
    try:
        limit = int(query.get("limit") or 20)
    except ValueError:
        raise MockError(ErrorKind.BAD_REQUEST, "limit: Input should be a valid integer") from None
    if not 1 <= limit <= 1000:
        raise MockError(ErrorKind.BAD_REQUEST, "limit: Input should be between 1 and 1000")
    ids = [m.id for m in models]
    if (after := query.get("after_id")) is not None:
        start = ids.index(after) + 1 if after in ids else len(ids)
        return models[start : start + limit], start + limit < len(ids)
    if (before := query.get("before_id")) is not None:
        end = ids.index(before) if before in ids else 0
        return models[max(end - limit, 0) : end], end - limit > 0
    return models[:limit], limit < len(ids)


ONE_HOUR_S, FIVE_MINUTES_S = 3600.0, 300.0
MESSAGE_FRAMING_TOKENS = 3  # as Turn.prompt_tokens counts each message


def cache_points(body: JSON) -> tuple[CachePoint, ...]:
    """The prompt's `cache_control` breakpoints, in the order Anthropic caches (tools, system,
    messages): each names the prefix up to and including its block, by a hash of that prefix."""
    points: list[CachePoint] = []
    digest = hashlib.blake2b(digest_size=16)
    tokens = 0
    for block, framing in _cache_blocks(body):
        digest.update(orjson.dumps(block, option=orjson.OPT_SORT_KEYS))
        tokens += framing + estimate_tokens(_block_text(block))
        control = block.get("cache_control") if isinstance(block, dict) else None
        if isinstance(control, dict) and len(points) < 4:  # the API allows four breakpoints
            ttl = ONE_HOUR_S if control.get("ttl") == "1h" else FIVE_MINUTES_S
            points.append(CachePoint(digest.copy().hexdigest(), tokens, ttl))
    return tuple(points)


def _cache_blocks(body: JSON) -> Iterator[tuple[Any, int]]:
    """(block, framing tokens it adds) in prefix order."""
    for tool in body.get("tools") or ():
        yield tool, 0
    system = body.get("system")
    if isinstance(system, list):
        for i, block in enumerate(system):
            yield block, MESSAGE_FRAMING_TOKENS if i == 0 else 0
    elif system:
        yield {"type": "text", "text": system}, MESSAGE_FRAMING_TOKENS
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for i, block in enumerate(blocks):
            yield block, MESSAGE_FRAMING_TOKENS if i == 0 else 0


def _block_text(block: Any) -> str:
    if not isinstance(block, dict):
        return str(block)
    text = block.get("text")
    if isinstance(text, str):
        return text
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_block_text(b) for b in content)
    return ""


def limit_headers(buckets: tuple[Any, ...]) -> dict[str, str]:
    """anthropic-ratelimit-<bucket>-{limit,remaining,reset} of counting buckets (rate_limits.py)."""
    headers: dict[str, str] = {}
    for bucket in buckets:
        headers[f"anthropic-ratelimit-{bucket.name}-limit"] = str(bucket.limit)
        headers[f"anthropic-ratelimit-{bucket.name}-remaining"] = str(bucket.remaining)
        headers[f"anthropic-ratelimit-{bucket.name}-reset"] = rfc3339(math.ceil(bucket.reset_at))
    return headers
