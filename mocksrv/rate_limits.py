"""Rate limits that count: per-key (or per-session) request and token buckets per minute.

A scenario's `limits:` or a file's top-level `limits:` declares them (`{rpm: 60, tpm: 40000}`,
Anthropic's separate `itpm`/`otpm`, `rpm: derived` for Azure's rule rpm = tpm / 1000 * 6).
Windows are fixed minutes on the mocksrv clock (clock.py), so `POST /_mock/clock` ends one, and
their totals live in the state store's tallies, so every worker counts into the same bucket.

Taking is one atomic add (`tally_add`); a take that overflows any bucket is added back out and
answered 429. Two racing requests may then both be refused where one would have fit, but an
admitted request always fitted: the buckets never over-admit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import clock
from .errors import MockError
from .model import ErrorKind, Usage
from .state import StateStore

TALLY_KIND = "ratelimit"
WINDOW_S = 60.0
# Bucket name (as the headers say it) -> the limit's key in the declaration.
BUCKETS = (("requests", "rpm"), ("tokens", "tpm"), ("input-tokens", "itpm"), ("output-tokens", "otpm"))


@dataclass(frozen=True)
class Bucket:
    """One bucket after this request: how much it holds, how much is left, when it refills."""

    name: str  # requests | tokens | input-tokens | output-tokens
    limit: int
    remaining: int
    reset_s: float  # seconds until the window ends (and the bucket is full again)
    reset_at: float  # when that is, on the mocksrv clock


@dataclass(frozen=True)
class Limits:
    limits: tuple[tuple[str, int], ...]  # (bucket name, limit), declared ones only
    per: str = "key"  # key | session

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None) -> Limits | None:
        if not spec:
            return None
        declared = dict(spec)
        if declared.get("rpm") == "derived":  # Azure: 6 requests per minute per 1000 tokens
            declared["rpm"] = max(1, int(declared.get("tpm", 0)) * 6 // 1000)
        found = tuple((name, int(declared[key])) for name, key in BUCKETS if key in declared)
        return cls(found, str(declared.get("per", "key"))) if found else None


def amounts_of(usage: Usage) -> dict[str, float]:
    return {
        "requests": 1,
        "tokens": usage.total_tokens,
        "input-tokens": usage.prompt_tokens,
        "output-tokens": usage.completion_tokens,
    }


async def take(
    state: StateStore, limits: Limits, owner: str, scope: str, usage: Usage, now: float
) -> tuple[Bucket, ...]:
    """Take this request from its buckets; raises the rate-limit MockError when one is empty.
    `owner` names the declaration (scenario or files), `scope` the key or session."""
    window = math.floor(now / WINDOW_S)
    reset_s = (window + 1) * WINDOW_S - now
    wanted = {name: amount for name, amount in amounts_of(usage).items() if name in dict(limits.limits)}
    key = f"{owner}\x1f{scope}\x1f{window}"
    totals = await state.tally_add(TALLY_KIND, key, wanted)
    over = [name for name, limit in limits.limits if totals.get(name, 0) > limit]
    if over:
        totals = await state.tally_add(TALLY_KIND, key, {name: -amount for name, amount in wanted.items()})
    buckets = tuple(
        Bucket(name, limit, max(0, limit - int(totals.get(name, 0))), reset_s, now + reset_s)
        for name, limit in limits.limits
    )
    if over:
        # Capacity returns when the window ends: that is when the retry succeeds.
        retry_after = math.ceil(reset_s * 1000) / 1000
        exhausted = tuple(
            Bucket(b.name, b.limit, 0, b.reset_s, b.reset_at) if b.name in over else b for b in buckets
        )
        raise MockError(
            ErrorKind.RATE_LIMIT,
            _message(over[0], dict(limits.limits)[over[0]], retry_after),
            retry_after=retry_after,
            detail="limits",
            buckets=exhausted,
        )
    return buckets


def _message(name: str, limit: int, retry_after: float) -> str:
    """OpenAI's wording ("Rate limit reached ... on requests per min (RPM): Limit 3, ...")."""
    unit = {"requests": "RPM", "tokens": "TPM", "input-tokens": "ITPM", "output-tokens": "OTPM"}[name]
    return (
        f"Rate limit reached on {name.replace('-', ' ')} per min ({unit}): Limit {limit}. "
        f"Please try again in {retry_after:g}s."
    )


async def charge(
    services: Any, dialect: Any, trace: Any, selection: Any, credential: str, session: str, usage: Usage
) -> None:
    """The handler's one call: count this answer against the limits that apply to it (the
    selected scenario's, else the files'), and put the buckets in the answer's headers."""
    scenario = selection.scenario if selection is not None else None
    limits = scenario.limits if scenario is not None and scenario.limits else services.scenarios.limits
    if limits is None:
        return
    owner = f"scenario:{scenario.name}" if scenario is not None and scenario.limits else "files"
    scope = session if limits.per == "session" else credential
    now = await clock.now(services.state)
    buckets = await take(services.state, limits, owner, scope, usage, now)
    trace.extra_headers.update(dialect.limit_headers(buckets))
