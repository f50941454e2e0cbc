"""Gemini field names: the API takes camelCase and snake_case (protobuf) names alike.

The walk converts structural keys only: values that hold user data (function arguments,
function results, JSON Schemas whose property names are the user's) are left untouched.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import MockError
from ...model import JSON, ErrorKind

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")

# Keys whose values are user data: never renamed, never walked into.
FREE_FORM = frozenset(
    {
        "args",
        "response",
        "parameters",
        "parametersJsonSchema",
        "responseSchema",
        "responseJsonSchema",
        "labels",
        "data",
    }
)

# Top-level fields of GenerateContentRequest (what google-genai 3.x may send, plus `model`).
REQUEST_FIELDS = frozenset(
    {
        "model",
        "contents",
        "systemInstruction",
        "tools",
        "toolConfig",
        "safetySettings",
        "generationConfig",
        "cachedContent",
        "labels",
        "serviceTier",
        "store",
        "continuationToken",
    }
)

GENERATION_CONFIG_FIELDS = frozenset(
    {
        "temperature",
        "topP",
        "topK",
        "candidateCount",
        "maxOutputTokens",
        "stopSequences",
        "responseLogprobs",
        "logprobs",
        "presencePenalty",
        "frequencyPenalty",
        "seed",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "responseModalities",
        "mediaResolution",
        "speechConfig",
        "thinkingConfig",
        "imageConfig",
        "enableEnhancedCivicAnswers",
        "enableAffectiveDialog",
        "audioTranscriptionConfig",
        "routingConfig",
        "modelConfig",
    }
)


def camel(name: str) -> str:
    if not SNAKE.match(name):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camelize(value: Any, path: str, snake: list[tuple[str, str]]) -> Any:
    """A copy of `value` with structural keys in camelCase; `snake` collects (name, path)."""
    if isinstance(value, list):
        return [camelize(item, f"{path}[{i}]", snake) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out: JSON = {}
    for key, item in value.items():
        name = camel(key) if isinstance(key, str) else key
        if name != key:
            snake.append((key, path))
        child = f"{path}.{name}" if path else name
        out[name] = item if name in FREE_FORM else camelize(item, child, snake)
    return out


def unknown_name(name: str, path: str) -> MockError:
    """Google's message for a field that the request proto does not have."""
    where = f" at '{path}'" if path else ""
    message = f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.'
    return MockError(
        ErrorKind.BAD_REQUEST, message, param=f"{path}.{name}" if path else name, detail="schema"
    )


def check_known_fields(body: JSON) -> None:
    """Reject typos at the two levels where they happen: the request and generationConfig."""
    for key in body:
        if key not in REQUEST_FIELDS:
            raise unknown_name(key, "")
    config = body.get("generationConfig")
    if isinstance(config, dict):
        for key in config:
            if key not in GENERATION_CONFIG_FIELDS:
                raise unknown_name(key, "generationConfig")
