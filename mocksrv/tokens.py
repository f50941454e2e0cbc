"""A cheap, deterministic stand-in for a BPE tokenizer, for prompt token counts.

The rule (docs/models.md, "Token counts"): text is cut the way cl100k/o200k pre-tokenize it
(a regular expression: words with their leading space, runs of up to 3 digits, punctuation
runs, whitespace), one token a piece; an ASCII word or punctuation run longer than 6
characters is a token per 5 characters begun; non-ASCII letters (CJK, kana, ...) a token each.
tests/dialects/test_token_counts.py keeps a sample with real cl100k counts and the allowed distance.
"""

from __future__ import annotations

import re
from functools import lru_cache

# cl100k's pre-tokenizer, in Python's `re` ([^\W\d_] is "a letter").
_PIECE = re.compile(
    r"'(?:[sdmt]|ll|ve|re)|[^\r\n\w]?[^\W\d_]+|\d{1,3}| ?[^\s\w]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    re.IGNORECASE,
)
SHORT_WORD = 6  # ASCII words up to this length are one token (most common words are)
LETTERS_PER_TOKEN = 5  # longer ones: one token per this many characters begun
_LONG = re.compile(rf"[A-Za-z]{{{SHORT_WORD + 1},}}|[!-/:-@\[-`{{-~]{{{SHORT_WORD + 1},}}")
_OTHER_LETTERS = re.compile(r"[^\W\d_]+")
CACHED_TEXT_CHARS = 65_536  # texts up to this long are remembered (a repeated system prompt)


def estimate_tokens(text: str | None) -> int:
    """How many tokens a BPE tokenizer would make of `text`, about."""
    if not text:
        return 0
    return _remembered(text) if len(text) <= CACHED_TEXT_CHARS else _estimate(text)


@lru_cache(maxsize=512)  # bounded: at most 512 texts of 64 KiB
def _remembered(text: str) -> int:
    return _estimate(text)


def _estimate(text: str) -> int:
    # Counted by regular expressions in C, not a Python loop per piece (prompts are long).
    total = len(_PIECE.findall(text))
    for run in _LONG.findall(text):
        total += -(-len(run) // LETTERS_PER_TOKEN) - 1
    if not text.isascii():
        for letters in _OTHER_LETTERS.findall(text):
            foreign = sum(1 for c in letters if not c.isascii())
            total += max(foreign - 1, 0) if foreign == len(letters) else foreign
    return total
