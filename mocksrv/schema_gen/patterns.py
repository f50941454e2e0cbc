"""A small bounded generator for the regular expressions JSON Schema `pattern`s use.

It walks Python's own parse of the pattern (the syntax JSON Schema's ECMA-262 patterns share
for the common cases) and emits one matching string, repeats capped so the work is bounded.
Back-references, look-arounds, word boundaries and anything else it cannot emit exactly give
None: the caller falls back to plain text. The pattern itself is never run against the text:
a pattern like `(a+)+$` can take exponential time to run, and generation must stay bounded.
"""

from __future__ import annotations

import functools
import random
import re

# Python's own regex parser (3.11+: re._parser); typeshed has no stubs for it.
import re._constants as _c  # type: ignore[import-not-found]
import re._parser as _parser  # type: ignore[import-not-found]
import string
from typing import Any

MAX_REPEAT = 8  # open-ended repeats (`*`, `+`, `{3,}`) stop this far above their minimum
MAX_PATTERN_CHARS = 1000  # longer patterns are not tried
MAX_OUTPUT_CHARS = 4096

_CATEGORIES = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_DIGIT: string.ascii_letters,
    _c.CATEGORY_NOT_WORD: " -.",
    _c.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
}
_ANCHORS = (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING, _c.AT_END, _c.AT_END_STRING)
_PRINTABLE = string.ascii_letters + string.digits + " -_.,"


class _Unsupported(Exception):
    pass


def matching_string(pattern: str, rng: random.Random) -> str | None:
    """A string `re.search(pattern, s)` accepts, or None when this generator cannot make one."""
    plan = _plan(pattern)
    if plan is None:
        return None
    out: list[str] = []
    try:
        _emit(plan, rng, out)
    except _Unsupported:
        return None
    return "".join(out)


# A plan is the parse reduced to what emitting needs, each character class already spelled out:
# ("set", chars) | ("alt", [plan...]) | ("rep", low, high, plan), in a list (a sequence).
Plan = list[tuple[Any, ...]]


@functools.lru_cache(maxsize=256)  # an array of 5,000 patterned strings plans its pattern once
def _plan(pattern: str) -> Plan | None:
    if len(pattern) > MAX_PATTERN_CHARS:
        return None
    try:
        return _plan_of(_parser.parse(pattern))
    except (re.error, _Unsupported, RecursionError, ValueError, OverflowError):
        return None


def _plan_of(items: Any) -> Plan:
    plan: Plan = []
    for op, arg in items:
        if op is _c.LITERAL:
            plan.append(("set", chr(arg)))
        elif op is _c.NOT_LITERAL:
            plan.append(("set", next(ch for ch in _PRINTABLE if ord(ch) != arg)))
        elif op is _c.ANY:
            plan.append(("set", string.ascii_letters))
        elif op is _c.IN:
            plan.append(("set", _from_set(arg)))
        elif op is _c.CATEGORY:
            plan.append(("set", _CATEGORIES.get(arg, string.ascii_letters)))
        elif op is _c.BRANCH:
            plan.append(("alt", [_plan_of(branch) for branch in arg[1]]))
        elif op is _c.SUBPATTERN:
            plan.extend(_plan_of(arg[-1]))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, high, inner = arg
            high = low + MAX_REPEAT if high is _c.MAXREPEAT else min(high, low + MAX_REPEAT)
            plan.append(("rep", low, high, _plan_of(inner)))
        elif op is _c.AT and arg in _ANCHORS:
            continue  # start and end anchors: the string is built whole, start to end
        else:  # \b, back-references, look-arounds...: which text they accept depends on context
            raise _Unsupported(str(op))
    return plan


def _emit(plan: Plan, rng: random.Random, out: list[str]) -> None:
    for step in plan:
        if step[0] == "set":
            out.append(rng.choice(step[1]))
        elif step[0] == "alt":
            _emit(rng.choice(step[1]), rng, out)
        else:
            _, low, high, inner = step
            for _ in range(rng.randint(low, high)):
                _emit(inner, rng, out)
        if len(out) > MAX_OUTPUT_CHARS:  # one character per entry
            raise _Unsupported("too long")


def _from_set(items: Any) -> str:
    """The characters of a class like `[a-z0-9_]` (negated: the printable ones outside it)."""
    allowed: list[str] = []
    negate = False
    for op, arg in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            allowed.append(chr(arg))
        elif op is _c.RANGE:
            low, high = arg
            allowed.extend(chr(code) for code in range(low, min(high, low + 256) + 1))
        elif op is _c.CATEGORY:
            allowed.extend(_CATEGORIES.get(arg, ""))
        else:
            raise _Unsupported(str(op))
    chars = "".join(ch for ch in _PRINTABLE if ch not in allowed) if negate else "".join(allowed)
    if not chars:
        raise _Unsupported("empty class")
    return chars
