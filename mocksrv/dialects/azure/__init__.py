"""Azure OpenAI: chat completions, embeddings and legacy completions under
`/openai/deployments/{deployment}/...?api-version=` and the v1 routes `/openai/v1/...`, `api-key`
or Entra ID Bearer auth, deployments mapped to models, content-filter annotations and Azure's
own error bodies. The OpenAI wire otherwise: each operation is the OpenAI family's dialect for
it with AzureDeployments (deployments.py) in front."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import ClassVar

import orjson

from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Reply, SSEEvent, Turn
from ..base import RouteSpec, dumps
from ..openai.completions import OpenAICompletions
from ..openai.embeddings import OpenAIEmbeddings
from . import errors, wire
from .deployments import API_VERSIONS, DEPLOYMENTS, AzureDeployments


class ContentFiltered(AzureDeployments):
    """The operations Azure's content filter sees (chat, completions): verdicts per prompt and
    per choice on the OpenAI answer, and a scripted filtered prompt as Azure's 400."""

    def screen(self, choices: tuple[Reply, ...]) -> None:
        """A scripted empty answer that ends `content_filter` is the prompt's filter: a 400."""
        if choices and all(_prompt_filtered(r) for r in choices):
            raise MockError(ErrorKind.BAD_REQUEST, errors.PROMPT_FILTERED, "prompt", errors.FILTERED)

    def render(self, completion: Completion, turn: Turn) -> JSON:
        body = super().render(completion, turn)
        for choice, reply in zip(body["choices"], completion.choices, strict=True):
            choice["content_filter_results"] = wire.choice_results(reply.finish == "content_filter")
        return {"prompt_filter_results": wire.prompt_results(prompts=_prompts(turn)), **body}

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        yield SSEEvent(dumps(wire.prompt_chunk(prompts=_prompts(turn))))
        for event in super().render_stream(completion, turn):
            yield _annotated(event, completion)


class AzureChat(ContentFiltered):
    routes = (
        RouteSpec("POST", f"{DEPLOYMENTS}/chat/completions"),
        RouteSpec("POST", "/openai/v1/chat/completions"),
        RouteSpec("GET", "/openai/v1/models", "models"),
    )
    message_extras: ClassVar[dict] = {"refusal": None}


class AzureEmbeddings(AzureDeployments, OpenAIEmbeddings):
    """OpenAI's vectors for the deployed model (no content filter on embeddings)."""

    routes = (
        RouteSpec("POST", f"{DEPLOYMENTS}/embeddings", "embeddings", stream=False),
        RouteSpec("POST", "/openai/v1/embeddings", "embeddings", stream=False),
    )
    operation_name = "Embeddings_Create"


class AzureCompletions(ContentFiltered, OpenAICompletions):
    """Legacy text completions; each prompt of an array gets its own `prompt_index` verdict."""

    routes = (
        RouteSpec("POST", f"{DEPLOYMENTS}/completions", "completions"),
        RouteSpec("POST", "/openai/v1/completions", "completions"),
    )
    operation_name = "Completions_Create"


def _prompts(turn: Turn) -> int:
    return max(1, len(turn.inputs))  # chat has one prompt; completions one per `prompt` item


def _prompt_filtered(reply: Reply) -> bool:
    return reply.finish == "content_filter" and not reply.content and not reply.tool_calls


def _annotated(event: SSEEvent, completion: Completion) -> SSEEvent:
    """Chunks with text (or tool calls) and finish chunks carry the choice's verdict; the role
    chunk an empty one; a usage chunk has no choices."""
    if event.terminal:
        return event
    chunk = orjson.loads(event.data)
    for choice in chunk["choices"]:
        delta, finish = choice.get("delta") or {}, choice.get("finish_reason")
        if finish is not None or choice.get("text") or delta.get("content") or delta.get("tool_calls"):
            filtered = completion.choices[choice["index"]].finish == "content_filter"
            choice["content_filter_results"] = wire.categories(filtered and finish is not None)
        else:
            choice["content_filter_results"] = {}
    return dataclasses.replace(event, data=dumps(chunk))


__all__ = ["API_VERSIONS", "AzureChat", "AzureCompletions", "AzureEmbeddings"]
