"""OpenAI `POST /v1/moderations`: a string, an array of strings (one result each), or an array of
multimodal parts (text and image_url, one result for them all)."""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from ... import moderation
from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Message, Turn
from ..base import Incoming, LimitWording, PromptCaching, RouteSpec
from .chat import OpenAIChat

DEFAULT_MODEL = "omni-moderation-latest"


def moderation_inputs(value: Any) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """(text of each result's input, whether it holds an image)."""
    if isinstance(value, str):
        return (value,), (False,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value), (False,) * len(value)
    parts = [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []
    text = "\n".join(p["text"] for p in parts if p.get("type") == "text" and isinstance(p.get("text"), str))
    return (text,), (any(p.get("type") == "image_url" for p in parts),)


class OpenAIModerations(OpenAIChat):
    endpoint = "moderations"
    # Its own input limits; the chat limits judge generation requests.
    limit_wording: ClassVar[LimitWording | None] = None
    prompt_caching: ClassVar[PromptCaching | None] = None  # no cached tokens: nothing is generated
    routes = (RouteSpec("POST", "/v1/moderations", "moderations", stream=False),)

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        model = str(body.get("model") or DEFAULT_MODEL)
        texts, images = moderation_inputs(body.get("input"))
        if not texts:
            raise MockError(ErrorKind.BAD_REQUEST, "Input must not be empty.", param="input")
        return Turn(
            dialect=self.name,
            model=model,
            messages=(Message("user", "\n".join(texts)),),
            endpoint=self.endpoint,
            inputs=texts,
            extras={"images": images},
        )

    def render(self, completion: Completion, turn: Turn) -> JSON:
        pinned = completion.choices[0].flagged if completion.choices else None
        text_model = turn.model.startswith("text-moderation")
        results = [
            moderation.result(
                text,
                has_image,
                pinned if pinned is not None else moderation.keyword_flags(text),
                self.seed,
                text_model,
            )
            for text, has_image in zip(turn.inputs, turn.extras["images"], strict=True)
        ]
        return {"id": f"modr-{completion.id}", "model": completion.model, "results": results}

    def render_stream(self, completion: Completion, turn: Turn) -> NoReturn:  # never asked: no `stream` here
        raise MockError(ErrorKind.BAD_REQUEST, "Moderations are not streamed.")
