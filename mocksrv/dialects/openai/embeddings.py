"""OpenAI `POST /v1/embeddings`, and the gateways that relay it in their own envelopes.

Inputs: a string, an array of strings, an array of token ids or an array of such arrays (a
token id is a word of its own for the vectors and for fixture rules). `dimensions` only for
shortenable models (the catalog's `shortenable`), as OpenAI answers ada-002 with a 400.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Message, Turn
from ..base import ErrorResponse, Incoming, LimitWording, PromptCaching, RouteSpec
from ..embedding_wire import as_base64, as_float_list, full_size, vectors_of
from ..gateways.maisi import MaisiChat
from ..gateways.opeai import OpeaiChat
from ..gateways.wrapped import WrappedChat, envelope
from .chat import OpenAIChat

MAX_INPUTS = 2048
INVALID_INPUT = (
    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
)
NO_DIMENSIONS = "This model does not support specifying dimensions."


def input_texts(value: Any) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """(one text per input, its token count); raises OpenAI's 400 for an empty or oversized input."""
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        items = [value]  # one input given as token ids
    elif isinstance(value, list):
        items = value
    else:
        raise MockError(ErrorKind.BAD_REQUEST, INVALID_INPUT, param="input")
    if not items or len(items) > MAX_INPUTS:
        raise MockError(ErrorKind.BAD_REQUEST, INVALID_INPUT, param="input")
    texts, tokens = [], []
    for item in items:
        if isinstance(item, list):
            if not item:
                raise MockError(ErrorKind.BAD_REQUEST, INVALID_INPUT, param="input")
            texts.append(" ".join(map(str, item)))
            tokens.append(len(item))
        elif isinstance(item, str) and item:
            texts.append(item)
            tokens.append(word_count(item))
        else:
            raise MockError(ErrorKind.BAD_REQUEST, INVALID_INPUT, param="input")
    return tuple(texts), tuple(tokens)


def word_count(text: str) -> int:
    """model.count_tokens without building the pieces: one per run of non-space characters,
    plus the trailing whitespace's own piece (2,048 inputs are counted per request)."""
    return len(text.split()) + text[-1:].isspace()


def context_error(limit: int, asked: int) -> MockError:
    return MockError(
        ErrorKind.CONTEXT_LENGTH,
        f"This model's maximum context length is {limit} tokens, however you requested {asked} tokens "
        f"({asked} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
    )


class OpenAIEmbeddings(OpenAIChat):
    endpoint = "embeddings"
    # Its own input limits; the chat limits judge generation requests.
    limit_wording: ClassVar[LimitWording | None] = None
    prompt_caching: ClassVar[PromptCaching | None] = None  # no cached tokens: nothing is generated
    renders_identity = False  # no id, no timestamp: a repeated body gets the same bytes
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/embeddings", "embeddings", stream=False),
    )

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        model = str(body.get("model", ""))
        texts, tokens = input_texts(body.get("input"))
        info = self.catalog.find(model, self.family)
        if max(tokens) > info.context_window:
            raise context_error(info.context_window, max(tokens))
        full, dimensions = full_size(info), body.get("dimensions")
        if dimensions is not None:
            if not info.shortenable:
                raise MockError(ErrorKind.BAD_REQUEST, NO_DIMENSIONS, param="dimensions")
            if dimensions > full:
                raise MockError(
                    ErrorKind.BAD_REQUEST,
                    f"This model supports at most {full} dimensions; {dimensions} were requested.",
                    param="dimensions",
                )
        return Turn(
            dialect=self.name,
            model=model,
            messages=(Message("user", "\n".join(texts)),),
            endpoint=self.endpoint,
            inputs=texts,
            extras={
                "full_dimensions": full,
                "dimensions": dimensions,
                "encoding": body.get("encoding_format") or "float",
            },
            input_tokens=sum(tokens),
        )

    def render(self, completion: Completion, turn: Turn) -> JSON:
        rows = vectors_of(completion, turn, self.seed)
        encoded = as_base64(rows) if turn.extras["encoding"] == "base64" else map(as_float_list, rows)
        data = [{"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(encoded)]
        tokens = turn.prompt_tokens
        return {
            "object": "list",
            "data": data,
            "model": completion.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def render_stream(self, completion: Completion, turn: Turn) -> NoReturn:  # never asked: no `stream` here
        raise MockError(ErrorKind.BAD_REQUEST, "Embeddings are not streamed.")


class OpeaiEmbeddings(OpenAIEmbeddings):
    name, prefix, base_path, schema_dir = OpeaiChat.name, OpeaiChat.prefix, OpeaiChat.base_path, "opeai"
    errors = OpeaiChat.errors
    success_headers = OpeaiChat.success_headers


class MaisiEmbeddings(OpenAIEmbeddings):
    name, prefix, base_path, schema_dir = MaisiChat.name, MaisiChat.prefix, MaisiChat.base_path, "maisi"


class WrappedEmbeddings(OpenAIEmbeddings):
    """The gateway's envelope around the OpenAI body, and around its errors."""

    name, prefix, base_path = WrappedChat.name, WrappedChat.prefix, WrappedChat.base_path
    schema_dir = "wrapped"
    routes = (RouteSpec("POST", "/api/v1/embeddings", "embeddings", stream=False),)
    success_headers = WrappedChat.success_headers

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        inner = super().render_error(error, request_id)
        body = envelope(inner.status, inner.body["error"]["message"], None)
        return ErrorResponse(inner.status, body, inner.headers)

    def render(self, completion: Completion, turn: Turn) -> JSON:
        return envelope(200, "successful", super().render(completion, turn))
