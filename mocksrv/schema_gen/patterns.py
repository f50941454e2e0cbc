"""A small bounded generator for the regular expressions JSON Schema `pattern`s use.

It walks Python's own parse of the pattern (the syntax JSON Schema's ECMA-262 patterns share
for the common cases) and emits one matching string, repeats capped so the work is bounded.
Back-references, look-arounds, word boundaries and anything else it cannot emit exactly give
None: the caller falls back to plain text. The pattern itself is never run against the text:
a pattern like `(a+)+$` can take exponential time to run, and generation must stay bounded.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

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
    if len(pattern) > MAX_PATTERN_CHARS:
        return None
    try:
        parsed = _parser.parse(pattern)
        out: list[str] = []
        _emit(parsed, rng, out)
    except (re.error, _Unsupported, RecursionError, ValueError, OverflowError):
        return None
    text = "".join(out)
    return text if len(text) <= MAX_OUTPUT_CHARS else None


def _emit(items: Any, rng: random.Random, out: list[str]) -> None:
    for op, arg in items:
        _emit_one(op, arg, rng, out)
        if sum(map(len, out)) > MAX_OUTPUT_CHARS:
            raise _Unsupported("too long")


def _emit_one(op: Any, arg: Any, rng: random.Random, out: list[str]) -> None:
    if op is _c.LITERAL:
        out.append(chr(arg))
    elif op is _c.NOT_LITERAL:
        out.append(next(ch for ch in _PRINTABLE if ord(ch) != arg))
    elif op is _c.ANY:
        out.append(rng.choice(string.ascii_letters))
    elif op is _c.IN:
        out.append(_from_set(arg, rng))
    elif op is _c.BRANCH:
        _emit(rng.choice(arg[1]), rng, out)
    elif op is _c.SUBPATTERN:
        _emit(arg[-1], rng, out)
    elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, high, body = arg
        high = low + MAX_REPEAT if high is _c.MAXREPEAT else min(high, low + MAX_REPEAT)
        for _ in range(rng.randint(low, max(low, high))):
            _emit(body, rng, out)
    elif op is _c.AT:
        if arg not in _ANCHORS:
            raise _Unsupported(str(arg))  # \b, \B: which side is a word depends on neighbours
        return  # start and end anchors: the string is built whole, start to end
    elif op is _c.CATEGORY:
        out.append(rng.choice(_CATEGORIES.get(arg, string.ascii_letters)))
    else:
        raise _Unsupported(str(op))


def _from_set(items: Any, rng: random.Random) -> str:
    """One character of a class like `[a-z0-9_]` (negated classes: a printable one outside it)."""
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
    if negate:
        outside = [ch for ch in _PRINTABLE if ch not in allowed]
        if not outside:
            raise _Unsupported("empty class")
        return rng.choice(outside)
    if not allowed:
        raise _Unsupported("empty class")
    return rng.choice(allowed)
