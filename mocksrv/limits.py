"""The catalog's limits on a generation request, refused in each provider's words.

Unknown names pass by default (their family's defaults apply to the limits); `--known-models`
or the `X-Mock-Known-Models: 1` header makes them the provider's not-found. The wording is
each dialect's data (`Dialect.limit_wording`); this module only decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .catalog import Catalog, ModelInfo
from .dialects.base import Dialect, Incoming, LimitWording
from .errors import MockError
from .model import ErrorKind, Turn

KNOWN_MODELS_HEADER = "X-Mock-Known-Models"
CHAT_KINDS = frozenset({"chat", "reasoning", "completion"})
_VERSION = re.compile(r"/(v\d+\w*)/")
_ON = frozenset({"1", "true", "yes", "on"})


def strict_names(headers: Mapping[str, str], default: bool) -> bool:
    """Whether an unknown model is refused: the header, when sent, decides for its request."""
    value = headers.get(KNOWN_MODELS_HEADER)
    return default if value is None else value.strip().lower() in _ON


def admit(dialect: Dialect, catalog: Catalog, turn: Turn, incoming: Incoming, strict: bool) -> ModelInfo:
    """The turn's catalog entry, once the request passed the model's limits."""
    return check_generation(
        dialect, catalog, turn, incoming.body, incoming.path, strict_names(incoming.headers, strict)
    )


def check_generation(
    dialect: Dialect, catalog: Catalog, turn: Turn, body: Any, path: str, strict: bool
) -> ModelInfo:
    """The model's entry, after refusing what the provider would refuse."""
    info = catalog.find(turn.model, dialect.family)
    wording = dialect.limit_wording
    if wording is None:
        return info
    names = {"model": info.id, "version": _version(path)}
    if strict and not info.known:
        raise MockError(ErrorKind.NOT_FOUND, wording.unknown_model.format(**names), param="model")
    if info.kind not in CHAT_KINDS:
        raise MockError(ErrorKind.NOT_FOUND, wording.not_chat_model.format(**names), param="model")
    _check_output(wording, info, body)
    if turn.prompt_tokens > info.context_window:
        text = wording.context.format(tokens=turn.prompt_tokens, limit=info.context_window, **names)
        raise MockError(ErrorKind.CONTEXT_LENGTH, text, param=wording.context_param)
    return info


def _check_output(wording: LimitWording, info: ModelInfo, body: Any) -> None:
    if info.max_output_tokens <= 0:
        return
    for param in wording.output_params:
        value = _at(body, param)
        if isinstance(value, int) and not isinstance(value, bool) and value > info.max_output_tokens:
            text = wording.output.format(
                param=param.rsplit(".", 1)[-1],
                value=value,
                limit=info.max_output_tokens,
                limit_exclusive=info.max_output_tokens + 1,
                model=info.id,
            )
            raise MockError(ErrorKind.BAD_REQUEST, text, param=param, detail=wording.output_code)


def _at(body: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        body = body.get(name) if isinstance(body, dict) else None
    return body


def _version(path: str) -> str:
    found = _VERSION.search(path)
    return found.group(1) if found else "v1"
