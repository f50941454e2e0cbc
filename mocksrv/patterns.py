"""Fixture regexes, run by RE2: matching time is linear in the text, so no pattern can stall the loop.

Python's `re` backtracks: `(a+)+$` against 27 characters held the event loop for seconds. RE2 has
no backreferences or lookaround; a pattern that needs them is refused when the fixture is loaded.
"""

from __future__ import annotations

from collections.abc import Callable

import re2

MAX_PATTERN_CHARS = 1000  # fixture patterns are short; a bound keeps the compiled program small


class PatternError(ValueError):
    """A pattern RE2 cannot run; the message says why, in RE2's words."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # the loader reports the problem; RE2 would also print to stderr
    options.never_capture = True  # only "found or not" is asked: no group spans to compute
    return options


_OPTIONS = _options()


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A predicate `text -> found anywhere`, or PatternError for what RE2 cannot run."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        compiled = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None
    except UnicodeEncodeError:
        raise PatternError("holds a lone surrogate (not valid Unicode)") from None

    def found(text: str) -> bool:
        # Bytes: the wrapper then maps no offsets back to characters (a third of the cost).
        # "replace" only acts on a lone surrogate, which UTF-8 cannot carry.
        return compiled.search(text.encode("utf-8", "replace")) is not None

    return found


def _reason(exc: re2.error) -> str:
    detail = exc.args[0] if exc.args else ""
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return f"{text} (patterns use RE2 syntax: no backreferences or lookaround)"
