"""Google Gemini generateContent / streamGenerateContent (wire-facts §5).

Streaming is chosen by the route, not the body. Each SSE chunk is a whole
GenerateContentResponse: text parts are deltas, usageMetadata is cumulative, finishReason
rides on a candidate's last chunk, and the stream simply ends (no [DONE]).

Beside it: reading the request (gemini/request.py), the response's pieces (gemini/response.py)
and the models list (gemini/models_list.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

import orjson

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Reply, SSEEvent, Turn, count_tokens, stops_of
from ..base import (
    AuthScheme,
    Dialect,
    ErrorResponse,
    Incoming,
    LimitWording,
    PromptCaching,
    RouteSpec,
    TurnContext,
)
from .errors import error_headers, status_of
from .models_list import model_entry, page_of
from .request import content_messages, system_messages, tool_choice, tool_specs
from .response import FINISH, candidate, chunk_json, function_call_part, response_id, usage_metadata
from .turns import check as check_gemini_turns
from .turns import thought_signature
from .wire import camelize, check_known_fields, unknown_name

VERSIONS = ("v1beta", "v1")


def gemini_routes() -> tuple[RouteSpec, ...]:
    routes: list[RouteSpec] = []
    for version in VERSIONS:
        routes += [
            RouteSpec("POST", f"/{version}/models/{{model}}:generateContent", stream=False),
            RouteSpec("POST", f"/{version}/models/{{model}}:streamGenerateContent", stream=True),
            RouteSpec("POST", f"/{version}/models/{{model}}:countTokens", "count_tokens", stream=False),
            RouteSpec("GET", f"/{version}/models", "models"),
            RouteSpec("GET", f"/{version}/models/{{model}}", "model"),
        ]
    return tuple(routes)


class GeminiGenerate(Dialect):
    family = "gemini"
    prompt_caching: ClassVar[PromptCaching | None] = (
        PromptCaching()
    )  # implicit caching: repeated prefixes, no request markers
    limit_wording: ClassVar[LimitWording | None] = LimitWording(
        context="The input token count ({tokens}) exceeds the maximum number of tokens allowed ({limit}).",
        output=(
            "Unable to submit request because it has a maxOutputTokens value of {value} but the supported "
            "range is from 1 (inclusive) to {limit_exclusive} (exclusive). Update the value and try again."
        ),
        unknown_model=(
            "models/{model} is not found for API version {version}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods."
        ),
        not_chat_model=(
            "models/{model} is not found for API version {version}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods."
        ),
        output_params=("generationConfig.maxOutputTokens",),
    )
    name = "gemini"
    prefix = "/gemini"
    base_path = "/gemini"
    routes = gemini_routes()
    auth = AuthScheme(headers=("x-goog-api-key",), query="key")
    auth_hint = "x-goog-api-key header or ?key="
    schema_dir = "gemini"
    snake_case: ClassVar[bool] = True  # the real API takes protobuf snake_case names too
    success_headers: ClassVar[dict[str, str]] = {
        "vary": "Origin, X-Origin, Referer",
        "server": "scaffolding on HTTPServer2",
        "x-xss-protection": "0",
        "x-frame-options": "SAMEORIGIN",
        "x-content-type-options": "nosniff",
    }

    # ---- request side -------------------------------------------------------------------
    def normalize(self, body: JSON) -> JSON:
        """Accept snake_case (protobuf) names as the real API does; reject unknown fields."""
        snake: list[tuple[str, str]] = []
        body = camelize(body, "", snake)
        if snake and not self.snake_case:
            raise unknown_name(*snake[0])
        check_known_fields(body)
        return body

    def check_turns(self, incoming: Incoming, context: TurnContext) -> MockError | None:
        required = context.requires_thought_signatures(incoming.match_info.get("model", ""))
        return check_gemini_turns(incoming.body, self.signer, required)

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        config = body.get("generationConfig") or {}
        thinking = config.get("thinkingConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        contents = body.get("contents") or ()
        return Turn(
            dialect=self.name,
            model=incoming.match_info.get("model", ""),
            messages=system_messages(body.get("systemInstruction")) + content_messages(contents),
            stream=bool(incoming.route.stream),
            n=int(config.get("candidateCount") or 1),
            tools=tool_specs(body.get("tools") or ()),
            max_tokens=config.get("maxOutputTokens"),
            stop=stops_of(config.get("stopSequences")),
            json_mode=config.get("responseMimeType") == "application/json",
            response_schema=schema if isinstance(schema, dict) else None,
            show_reasoning=isinstance(thinking, dict) and bool(thinking.get("includeThoughts")),
            extras={"tool_choice": tool_choice(body.get("toolConfig"))},
        )

    # ---- non-streaming ------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        candidates = [self._candidate(i, r, turn) for i, r in enumerate(completion.choices)]
        return self._response(candidates, self.usage_body(completion), completion)

    def _response(self, candidates: list[JSON], usage: JSON, completion: Completion) -> JSON:
        return {
            "candidates": candidates,
            "usageMetadata": usage,
            "modelVersion": completion.model,
            "responseId": response_id(completion.id),
        }

    def _candidate(self, index: int, reply: Reply, turn: Turn) -> JSON:
        parts: list[JSON] = []
        if turn.show_reasoning and reply.reasoning:
            parts.append({"text": reply.reasoning, "thought": True})
        if reply.content:
            parts.append({"text": reply.content})
        parts += self._call_parts(reply)
        return candidate(index, parts, FINISH.get(reply.finish, "OTHER"))

    @staticmethod
    def usage_body(completion: Completion) -> JSON:
        u = completion.usage
        return usage_metadata(
            u.prompt_tokens, u.completion_tokens - u.reasoning_tokens, u.reasoning_tokens, u.cached_tokens
        )

    # ---- streaming ----------------------------------------------------------------------
    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        prompt, spent = completion.usage.prompt_tokens, [0, 0]  # [candidates, thoughts] so far
        hidden_thoughts = 0 if turn.show_reasoning else completion.usage.reasoning_tokens
        for index, reply in enumerate(completion.choices):
            steps = list(self._stream_parts(reply, turn))
            for position, (part, tokens, thought) in enumerate(steps):
                spent[1 if thought else 0] += tokens
                finish = FINISH.get(reply.finish, "OTHER") if position == len(steps) - 1 else None
                usage = usage_metadata(
                    prompt, spent[0], spent[1] + hidden_thoughts, completion.usage.cached_tokens
                )
                body = self._response([candidate(index, [part], finish)], usage, completion)
                yield SSEEvent(chunk_json(body), eol="\r\n", content="text" in part)

    def _call_parts(self, reply: Reply) -> list[JSON]:
        """The function calls; the first carries the thought signature (gemini/turns.py)."""
        found = [function_call_part(c) for c in reply.tool_calls]
        if found:
            found[0]["thoughtSignature"] = thought_signature(self.signer, reply.tool_calls[0].name)
        return found

    def _stream_parts(self, reply: Reply, turn: Turn) -> Iterator[tuple[JSON, int, bool]]:
        """(part, tokens it adds, is a thought) for one candidate, in wire order."""
        if turn.show_reasoning:
            for piece in reply.reasoning_pieces:
                yield {"text": piece, "thought": True}, 1, True
        for piece in reply.content_pieces:
            yield {"text": piece}, 1, False
        for call, part in zip(reply.tool_calls, self._call_parts(reply), strict=True):
            yield part, count_tokens(call.arguments), False
        if not reply.content_pieces and not reply.tool_calls:
            yield {"text": ""}, 0, False  # the finishReason still needs a chunk to ride on

    # ---- errors and headers -------------------------------------------------------------
    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        status, inner = status_of(error)
        return ErrorResponse(status, {"error": inner}, error_headers(error))

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        # google-genai raises only when "error" is the first key of the chunk.
        _, inner = status_of(error)
        inner.pop("details", None)
        return SSEEvent(chunk_json({"error": inner}), eol="\r\n")

    def keepalive(self) -> bytes:
        # google-genai reads any non-`data: ` line as JSON, so an SSE comment would break it;
        # a lone blank line dispatches nothing in every SSE parser.
        return b"\r\n"

    def response_headers(self, request_id: str) -> dict[str, str]:
        return dict(self.success_headers)

    def encode_body(self, body: JSON) -> bytes:
        # The real server pretty-prints every non-streamed body with a 2-space indent.
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)

    def render_models(self, models: list[ModelInfo], query: Mapping[str, str]) -> JSON:
        start, size = page_of(query, len(models))
        body: JSON = {"models": [model_entry(m) for m in models[start : start + size]]}
        if start + size < len(models):
            body["nextPageToken"] = str(start + size)
        return body

    def render_model(self, model: ModelInfo) -> JSON:
        return model_entry(model)

    def model_id(self, raw: str) -> str:
        if ":" in raw:  # GET on models/{model}:generateContent and the like: a wrong method
            raise MockError(ErrorKind.METHOD_NOT_ALLOWED, f"Method GET is not allowed on models/{raw}.")
        return raw.removeprefix("models/")

    def render_count(self, turn: Turn) -> JSON:
        tokens = turn.prompt_tokens
        return {"totalTokens": tokens, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": tokens}]}
