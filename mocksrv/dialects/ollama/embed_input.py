"""What Ollama's `/api/embed` does with a request before embedding (server/routes.go,
EmbedHandler): each input is held to the model's context, and `dimensions` cuts only a longer
vector (docs/wire-decisions.md).

- An input over the context is cut to the context's first tokens, unless `truncate` is false:
  then the whole request is Ollama's 400 `the input length exceeds the context length`.
- The context is the model's (the catalog's `context_window`), or `options.num_ctx` when
  that is smaller.
- `dimensions` at or above the model's size, zero or negative, is the full vector (Ollama cuts
  only when 0 < dimensions < size), never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import ErrorKind, pieces


def context_of(info: ModelInfo, options: Any) -> int:
    """The tokens one input may have."""
    asked = options.get("num_ctx") if isinstance(options, dict) else None
    if isinstance(asked, int) and not isinstance(asked, bool) and asked > 0:
        return min(asked, info.context_window)
    return info.context_window


def fitted(texts: Sequence[str], context: int, truncate: bool) -> tuple[tuple[str, ...], int]:
    """The inputs as embedded (each cut to `context` tokens) and their tokens in all; Ollama's
    400 for an input over the context when `truncate` is false."""
    kept, tokens = [], 0
    for text in texts:
        parts = pieces(text)
        if len(parts) > context:
            if not truncate:
                raise MockError(ErrorKind.CONTEXT_LENGTH)  # Ollama's wording (errors.py)
            text, parts = "".join(parts[:context]), parts[:context]
        kept.append(text)
        tokens += len(parts)
    return tuple(kept), tokens


def dimensions_of(value: Any) -> int | None:
    """The size asked for: None (the full vector) unless a positive integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
