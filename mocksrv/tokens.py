"""A cheap, deterministic stand-in for a BPE tokenizer, for prompt token counts.

The rule (docs/models.md, "Token counts"): text is cut the way cl100k/o200k pre-tokenize it
(a regular expression: words with their leading space, runs of up to 3 digits, punctuation
runs, whitespace); a word of up to 6 ASCII letters is one token, a longer one a token per 5
letters begun; non-ASCII letters (CJK, kana, ...) a token each. tests/test_token_counts.py
keeps a sample with real cl100k counts and the allowed distance.
"""

from __future__ import annotations

import re

# cl100k's pre-tokenizer, in Python's `re` ([^\W\d_] is "a letter").
_PIECE = re.compile(
    r"'(?:[sdmt]|ll|ve|re)|[^\r\n\w]?[^\W\d_]+|\d{1,3}| ?[^\s\w]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    re.IGNORECASE,
)
SHORT_WORD = 6  # ASCII words up to this length are one token (most common words are)
LETTERS_PER_TOKEN = 5  # longer words: one token per this many letters begun


def estimate_tokens(text: str | None) -> int:
    """How many tokens a BPE tokenizer would make of `text`, about."""
    if not text:
        return 0
    total = 0
    for piece in _PIECE.findall(text):
        word = piece.lstrip(" ")
        if word.isascii() or not word.isalpha():
            total += 1 if len(word) <= SHORT_WORD else -(-len(word) // LETTERS_PER_TOKEN)
        else:
            total += len(word)
    return total
