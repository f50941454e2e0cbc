"""What GET models and GET models/{model} answer: model entries, one page at a time."""

from __future__ import annotations

from collections.abc import Mapping

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import JSON, ErrorKind

GENERATION_METHODS = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
EMBEDDING_METHODS = ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"]
PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000  # models.list's default and largest page


def page_of(query: Mapping[str, str], total: int) -> tuple[int, int]:
    """(first index, page size) from `pageSize` / `pageToken` (the token is an index here)."""
    try:
        size = min(max(int(query.get("pageSize") or PAGE_SIZE), 1), MAX_PAGE_SIZE)
        start = min(max(int(query.get("pageToken") or 0), 0), total)
    except ValueError:
        raise MockError(ErrorKind.BAD_REQUEST, "Invalid page token or page size.") from None
    return start, size


def model_entry(model: ModelInfo) -> JSON:
    embedding = model.kind == "embedding"
    entry: JSON = {
        "name": f"models/{model.id}",
        "version": "001",
        "displayName": model.display_name or model.id,
        "description": f"mocksrv stand-in for {model.id}.",
        "inputTokenLimit": model.context_window,
        "outputTokenLimit": model.max_output_tokens or 1,
        "supportedGenerationMethods": EMBEDDING_METHODS if embedding else GENERATION_METHODS,
    }
    if not embedding:
        entry.update({"temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2})
    if model.thinking:
        entry["thinking"] = True
    return entry
