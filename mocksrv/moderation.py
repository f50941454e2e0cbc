"""Moderation verdicts: every category of the current API, scores, and which input types count.

Without a fixture nothing is flagged unless the text holds one of the few KEYWORDS below
(docs/embeddings.md lists them): a demo can show a flagged answer without any set-up. Scores
are deterministic per (text, category, --seed): tiny for categories not flagged, high for
flagged ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import re2

# In the order the API writes them.
CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "sexual",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm/intent",
    "self-harm/instructions",
    "self-harm",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
IMAGE_CATEGORIES = frozenset(
    {"sexual", "self-harm/intent", "self-harm/instructions", "self-harm", "violence", "violence/graphic"}
)
TEXT_ONLY_MODEL_NULLS = ("illicit", "illicit/violent")  # text-moderation models do not rate these

# A small, documented list: whole words or phrases (case-insensitive) -> the category they flag.
KEYWORDS: dict[str, str] = {
    "kill": "violence",
    "murder": "violence",
    "gore": "violence/graphic",
    "kill myself": "self-harm/intent",
    "suicide": "self-harm",
    "shoplift": "illicit",
    "make a bomb": "illicit/violent",
    "i will hurt you": "harassment/threatening",
    "idiot": "harassment",
}
_FOUND = {
    phrase: re2.compile(r"(?i)\b" + re2.escape(phrase) + r"\b") for phrase in KEYWORDS
}  # RE2: linear time in the text


def parent_of(category: str) -> str | None:
    """`violence` for `violence/graphic`; self-harm's sub-categories belong to `self-harm`."""
    return category.split("/", 1)[0] if "/" in category else None


def keyword_flags(text: str) -> set[str]:
    flagged = {KEYWORDS[p] for p, found in _FOUND.items() if found.search(text)}
    return flagged | {parent for c in flagged if (parent := parent_of(c)) in CATEGORIES}


def _score(text: str, category: str, seed: int, flagged: bool) -> float:
    digest = hashlib.blake2b(f"{seed}\x1f{category}\x1f{text}".encode(), digest_size=8).digest()
    unit = int.from_bytes(digest, "big") / 2**64
    return round(0.8 + 0.199 * unit, 6) if flagged else float(f"{unit * 1e-3:.6g}")


def result(text: str, has_image: bool, flagged: Iterable[str], seed: int, text_model: bool) -> dict:
    """One entry of `results` for one input."""
    marked = set(flagged)
    categories: dict[str, bool | None] = {c: c in marked for c in CATEGORIES}
    scores = {c: _score(text, c, seed, c in marked) for c in CATEGORIES}
    types = {c: _types(c, bool(text), has_image) for c in CATEGORIES}
    if text_model:
        for name in TEXT_ONLY_MODEL_NULLS:
            categories[name] = None
    return {
        "flagged": bool(marked),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": types,
    }


def _types(category: str, has_text: bool, has_image: bool) -> list[str]:
    kinds = ["text"] if has_text or not has_image else []
    if has_image and category in IMAGE_CATEGORIES:
        kinds.append("image")
    return kinds
