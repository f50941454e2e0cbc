"""Numbers a schema allows: its bounds (exclusive ones stepped in), `multipleOf` steps, and a
multiple of a step inside them that also passes a float check."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any


def number(value: Any) -> float | int | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


def bounds(schema: Mapping[str, Any], integer: bool) -> tuple[float, float]:
    """The closed interval a number may take (exclusive bounds stepped in); 0-100 when open."""
    low, high = number(schema.get("minimum")), number(schema.get("maximum"))
    low_open = high_open = False
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if ex_low is True:  # draft-04: a flag on minimum
        low_open = low is not None
    elif (bound := number(ex_low)) is not None and (low is None or bound >= low):
        low, low_open = bound, True
    if ex_high is True:
        high_open = high is not None
    elif (bound := number(ex_high)) is not None and (high is None or bound <= high):
        high, high_open = bound, True
    if low is None:
        low, low_open = (0 if high is None or high >= 100 else high - 100), False
    if high is None:
        high, high_open = low + 100, False
    if integer:
        first = math.floor(low) + 1 if low_open else math.ceil(low)
        last = math.ceil(high) - 1 if high_open else math.floor(high)
        return first, last
    gap = (high - low) / 1000 or 1e-9
    return (low + gap if low_open else low), (high - gap if high_open else high)


def inside(value: float, schema: Mapping[str, Any]) -> bool:
    low, high = bounds(schema, integer=False)
    return low <= value <= high


def step_of(schema: Mapping[str, Any]) -> Fraction | None:
    step = number(schema.get("multipleOf"))
    if step is None or step <= 0:
        return None
    return Fraction(str(step))


def multiple_between(low: float, high: float, step: Fraction, raw: float, rng: random.Random) -> float | int:
    """A multiple of `step` in [low, high] that also passes a float check (value / step integral)."""
    first, last = math.ceil(Fraction(str(low)) / step), math.floor(Fraction(str(high)) / step)
    if first > last:
        return float(first * step)
    start = rng.randint(first, last)
    for k in (start, *range(first, min(last, first + 50) + 1)):
        value = k * step
        candidate = int(value) if value.denominator == 1 else float(value)
        quotient = candidate / raw
        if quotient == int(quotient):
            return candidate
    return float(start * step)
