"""Anthropic wire details that are not about content or errors: ids, signatures, headers."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

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


def signature(thinking: str) -> str:
    """A stable, opaque-looking thinking signature (real ones are base64 protobufs)."""
    digest = hashlib.blake2b(thinking.encode(), digest_size=48).digest()
    return base64.b64encode(b"\x12\xa4\x01\n\x02\x18\x02" + digest).decode()


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


def limit_headers(buckets: tuple[Any, ...]) -> dict[str, str]:
    """anthropic-ratelimit-<bucket>-{limit,remaining,reset} of counting buckets (limits.py)."""
    headers: dict[str, str] = {}
    for bucket in buckets:
        headers[f"anthropic-ratelimit-{bucket.name}-limit"] = str(bucket.limit)
        headers[f"anthropic-ratelimit-{bucket.name}-remaining"] = str(bucket.remaining)
        headers[f"anthropic-ratelimit-{bucket.name}-reset"] = rfc3339(math.ceil(bucket.reset_at))
    return headers
