"""Ollama's native API (`/api/chat`, `/api/generate`, `/api/embed`, `/api/tags`, `/api/show`,
`/api/version`) streamed as newline-delimited JSON, and its OpenAI-compatible `/v1` routes.

No credential is needed (a local Ollama asks none); a Bearer key is read when sent (ollama.com).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import JSON, Completion, Message, Reply, SSEEvent, Turn, count_tokens, stops_of
from ..base import AuthScheme, Dialect, ErrorResponse, Incoming, RouteSpec, dumps
from ..embedding_wire import as_float_list, full_size, vectors_of
from ..openai.chat import OpenAIChat
from . import embed_input, errors, wire

VERSION = "0.12.6"
AUTH = AuthScheme(bearer=True, anonymous="ollama")
# What /api/tags lists (a local library); any other name is answered too.
LOCAL_MODELS = ("llama3.2", "qwen3", "gemma3", "deepseek-r1", "nomic-embed-text")
CHAT, GENERATE, EMBED, EMBEDDINGS = "/api/chat", "/api/generate", "/api/embed", "/api/embeddings"


def _line(body: JSON, content: bool = False, terminal: bool = False) -> SSEEvent:
    return SSEEvent(dumps(body), content=content, terminal=terminal, bare=True)


class OllamaAPI(Dialect):
    name = "ollama"
    prefix = "/ollama"
    base_path = "/ollama"  # ollama.Client(host=<server>/ollama)
    routes = (
        RouteSpec("POST", CHAT),
        RouteSpec("POST", GENERATE, "completion"),
        RouteSpec("POST", EMBED, "embed", stream=False),
        RouteSpec("POST", EMBEDDINGS, "embeddings", stream=False),
        RouteSpec("GET", "/api/tags", "models"),
        RouteSpec("POST", "/api/show", "info"),
        RouteSpec("GET", "/api/version", "info"),
    )
    auth = AUTH
    auth_hint = "none (Authorization: Bearer <key> accepted)"
    schema_dir = "ollama"
    family = "ollama"
    stream_content_type = "application/x-ndjson"

    # ---- request side -------------------------------------------------------------------
    def parse(self, incoming: Incoming) -> Turn:
        body, path = incoming.body, incoming.route.path
        if path in (EMBED, EMBEDDINGS):
            return self._embed_turn(body, path)
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        json_mode, schema = wire.response_format(body.get("format"))
        think = body.get("think")
        return Turn(
            dialect=self.name,
            model=str(body.get("model", "")),
            messages=self._messages(body, path),
            stream=body.get("stream", True) is not False,  # Ollama streams unless told not to
            tools=wire.tool_specs(body.get("tools")),
            max_tokens=options.get("num_predict") if (options.get("num_predict") or 0) > 0 else None,
            stop=stops_of(options.get("stop")),
            json_mode=json_mode,
            response_schema=schema,
            show_reasoning=bool(think) and think != "false",
            silent_reasoning=False,  # without `think` the model answers without thinking
            extras={"route": path},
        )

    @staticmethod
    def _messages(body: JSON, path: str) -> tuple[Message, ...]:
        if path == CHAT:
            return tuple(wire.incoming_message(m) for m in body.get("messages") or ())
        system = body.get("system")
        prompt = Message("user", str(body.get("prompt") or ""))
        return (Message("system", system), prompt) if isinstance(system, str) and system else (prompt,)

    def _embed_turn(self, body: JSON, path: str) -> Turn:
        raw = body.get("input") if path == EMBED else body.get("prompt")
        # An empty input is no input: Ollama answers it with no vectors (clients preload so).
        texts = tuple(raw) if isinstance(raw, list) else ((raw,) if isinstance(raw, str) and raw else ())
        model = str(body.get("model", ""))
        info = self.catalog.find(model.split(":", 1)[0], self.family)  # a tag names a build of it
        if path == EMBED:  # held to the model's context (embed_input.py)
            context = embed_input.context_of(info, body.get("options"))
            texts, tokens = embed_input.fitted(texts, context, body.get("truncate") is not False)
        else:
            tokens = sum(count_tokens(t) for t in texts)
        return Turn(
            dialect=self.name,
            model=model,
            messages=(Message("user", "\n".join(texts)),),
            endpoint="embeddings",
            inputs=texts,
            extras={
                "route": path,
                "full_dimensions": full_size(info),
                "dimensions": embed_input.dimensions_of(body.get("dimensions")) if path == EMBED else None,
                "vector_model": model.removesuffix(":latest"),  # Ollama's `m` is `m:latest`
            },
            input_tokens=tokens,
        )

    # ---- response side ------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        route = turn.extras.get("route")
        if route in (EMBED, EMBEDDINGS):
            return self._embeddings(completion, turn)
        reply = completion.choices[0]
        head = {"model": completion.model, "created_at": wire.created_at(completion)}
        if route == GENERATE:
            answer: JSON = {**head, "response": reply.content or ""}
            if reply.reasoning:
                answer["thinking"] = reply.reasoning
        else:
            message = wire.message_body(reply, thinking=reply.reasoning)
            if reply.tool_calls:
                message["tool_calls"] = [wire.tool_call_body(c, i) for i, c in enumerate(reply.tool_calls)]
            answer = {**head, "message": message}
        return {**answer, **self._final(completion, reply, route)}

    @staticmethod
    def _final(completion: Completion, reply: Reply, route: Any) -> JSON:
        final: JSON = {"done": True, "done_reason": wire.DONE_REASONS.get(reply.finish, "stop")}
        if route == GENERATE:  # the conversation so far, as token ids (opaque to clients)
            final["context"] = list(range(1, min(completion.usage.total_tokens, 4096) + 1))
        return {**final, **wire.timings(completion.usage)}

    def _embeddings(self, completion: Completion, turn: Turn) -> JSON:
        if turn.extras["route"] == EMBEDDINGS:  # the model's raw vector, in float64 (docs/wire-decisions.md)
            rows = vectors_of(completion, turn, self.seed, unit=False) if turn.inputs else None
            return {"embedding": as_float_list(rows[0].astype(np.float64)) if rows is not None else []}
        rows = vectors_of(completion, turn, self.seed) if turn.inputs else None  # unit length
        counters = wire.timings(completion.usage)
        return {
            "model": completion.model,
            "embeddings": [as_float_list(row) for row in rows] if rows is not None else [],
            "total_duration": counters["total_duration"],
            "load_duration": counters["load_duration"],
            "prompt_eval_count": turn.prompt_tokens,
        }

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        reply, route = completion.choices[0], turn.extras.get("route")
        head = {"model": completion.model, "created_at": wire.created_at(completion)}
        for piece in reply.reasoning_pieces:
            yield _line({**head, **self._piece(route, reply, "", piece), "done": False}, content=True)
        for piece in reply.content_pieces:
            yield _line({**head, **self._piece(route, reply, piece, None), "done": False}, content=True)
        if reply.tool_calls and route == CHAT:  # whole calls, in one object, as Ollama streams them
            message = wire.message_body(reply, content="")
            message["tool_calls"] = [wire.tool_call_body(c, i) for i, c in enumerate(reply.tool_calls)]
            yield _line({**head, "message": message, "done": False})
        last = {**head, **self._piece(route, reply, "", None), **self._final(completion, reply, route)}
        yield _line(last, terminal=True)

    @staticmethod
    def _piece(route: Any, reply: Reply, text: str, thinking: str | None) -> JSON:
        if route == GENERATE:
            return {"response": text, **({"thinking": thinking} if thinking else {})}
        return {"message": wire.message_body(reply, content=text, thinking=thinking)}

    def render_models(self, models: list[ModelInfo], query: Mapping[str, str]) -> JSON:
        return {"models": [wire.tag_entry(m) for m in LOCAL_MODELS]}  # a local runtime's own list

    def render_info(self, incoming: Incoming) -> JSON:
        if incoming.route.path == "/api/version":
            return {"version": VERSION}
        name = str(incoming.body.get("model"))
        info = self.catalog.find(name.split(":", 1)[0], self.family)
        return wire.show_body(name, embedding=info.kind == "embedding" or "embed" in name)

    # ---- errors -------------------------------------------------------------------------
    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        status, text = errors.status_and_text(error)
        return ErrorResponse(status, {"error": text}, dict(error.headers))

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        return _line({"error": errors.status_and_text(error)[1]})

    def keepalive(self) -> bytes:
        return b""  # every line is JSON to the clients: a stall is silence

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {}


class OllamaOpenAI(OpenAIChat):
    """Ollama's OpenAI-compatible routes, `/ollama/v1/...`, without a required key."""

    name = "ollama"
    prefix = "/ollama"
    base_path = "/ollama/v1"
    routes = (
        RouteSpec("POST", "/v1/chat/completions"),
        RouteSpec("GET", "/v1/models", "models"),
    )
    auth = AUTH
    auth_hint = "none (any Bearer key accepted)"
    schema_dir = "openai"
    system_fingerprint = "fp_ollama"
    service_tier = None
    success_headers: ClassVar[dict[str, str]] = {}
    family = "ollama"

    def render_models(self, models: list[ModelInfo], query: Mapping[str, str]) -> JSON:
        created = int(time.time())
        entries = [wire.tag_entry(m)["name"] for m in LOCAL_MODELS]
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": created, "owned_by": "library"} for m in entries
            ],
        }


__all__ = ["OllamaAPI", "OllamaOpenAI"]
