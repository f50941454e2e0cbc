"""Azure's content-filter annotations: per prompt (`prompt_filter_results`) and per choice
(`content_filter_results`), every category `safe` unless the answer was filtered."""

from __future__ import annotations

from ...model import JSON

SEVERITY_CATEGORIES = ("hate", "self_harm", "sexual", "violence")
# The category a scripted filter names as the reason (any one would do for a client).
FILTERED_CATEGORY = "violence"


def categories(filtered: bool = False) -> JSON:
    """One verdict per severity category; `filtered` marks FILTERED_CATEGORY as high."""
    verdicts: JSON = {name: {"filtered": False, "severity": "safe"} for name in SEVERITY_CATEGORIES}
    if filtered:
        verdicts[FILTERED_CATEGORY] = {"filtered": True, "severity": "high"}
    return verdicts


def prompt_results(filtered: bool = False, prompts: int = 1) -> list[JSON]:
    """One verdict per prompt: chat has one, a completions `prompt` array one per item."""
    verdicts = {**categories(filtered), "jailbreak": {"filtered": False, "detected": False}}
    return [{"prompt_index": i, "content_filter_results": verdicts} for i in range(prompts)]


def choice_results(filtered: bool = False) -> JSON:
    return {
        **categories(filtered),
        "protected_material_code": {"filtered": False, "detected": False},
        "protected_material_text": {"filtered": False, "detected": False},
    }


def prompt_chunk(prompts: int = 1) -> JSON:
    """The first event of every Azure stream: the prompt's verdict and no choices yet."""
    return {
        "choices": [],
        "created": 0,
        "id": "",
        "model": "",
        "object": "",
        "prompt_filter_results": prompt_results(prompts=prompts),
    }
