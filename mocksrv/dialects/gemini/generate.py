"""Google Gemini generateContent / streamGenerateContent (wire-facts §5).

Streaming is chosen by the route, not the body. Each SSE chunk is a whole
GenerateContentResponse: text parts are deltas, usageMetadata is cumulative, finishReason
rides on a candidate's last chunk, and the stream simply ends (no [DONE]).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import orjson

from ...catalog import ModelInfo
from ...errors import MockError
from ...model import (
    JSON,
    Completion,
    ErrorKind,
    Message,
    Reply,
    SSEEvent,
    ToolCall,
    ToolSpec,
    Turn,
    count_tokens,
    stops_of,
)
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
from .turns import check as check_gemini_turns
from .turns import thought_signature
from .wire import camelize, check_known_fields, unknown_name

FINISH = {
    "stop": "STOP",
    "length": "MAX_TOKENS",
    "tool_calls": "STOP",
    "content_filter": "SAFETY",
    "refusal": "SAFETY",
}
# A candidate blocked for safety says which category blocked it (the others stay NEGLIGIBLE).
SAFETY_RATINGS = (
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
)
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


def chunk_json(obj: Any) -> str:
    """Stream chunks as the real server writes them: `": "` after keys, bare `,` between items."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ": "))


def text_of(content: Any) -> str:
    parts = content.get("parts") if isinstance(content, dict) else None
    return "".join(p["text"] for p in parts or () if isinstance(p, dict) and isinstance(p.get("text"), str))


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
        return Turn(
            dialect=self.name,
            model=incoming.match_info.get("model", ""),
            messages=self._system(body.get("systemInstruction")) + self._contents(body.get("contents") or ()),
            stream=bool(incoming.route.stream),
            n=int(config.get("candidateCount") or 1),
            tools=self._tools(body.get("tools") or ()),
            max_tokens=config.get("maxOutputTokens"),
            stop=stops_of(config.get("stopSequences")),
            json_mode=config.get("responseMimeType") == "application/json",
            response_schema=schema if isinstance(schema, dict) else None,
            show_reasoning=isinstance(thinking, dict) and bool(thinking.get("includeThoughts")),
            extras={"tool_choice": self._tool_choice(body.get("toolConfig"))},
        )

    @staticmethod
    def _system(instruction: Any) -> tuple[Message, ...]:
        return (Message("system", text_of(instruction)),) if instruction else ()

    def _contents(self, contents: Any) -> tuple[Message, ...]:
        messages: list[Message] = []
        for content in contents:
            if isinstance(content, dict):
                messages += self._content(content)
        return tuple(messages)

    @staticmethod
    def _content(content: JSON) -> list[Message]:
        parts = [p for p in content.get("parts") or () if isinstance(p, dict)]
        text = "".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
        if content.get("role") == "model":
            calls = tuple(
                ToolCall(str(c.get("id", "")), str(c.get("name", "")), json.dumps(c.get("args") or {}))
                for p in parts
                if isinstance(c := p.get("functionCall"), dict)
            )
            return [Message("assistant", text, calls)]
        # A user turn may carry function results (tool messages) as well as text.
        results = [p["functionResponse"] for p in parts if isinstance(p.get("functionResponse"), dict)]
        messages = [Message("tool", json.dumps(r.get("response") or {})) for r in results]
        return [*messages, Message("user", text)] if text or not results else messages

    @staticmethod
    def _tools(tools: Any) -> tuple[ToolSpec, ...]:
        specs: list[ToolSpec] = []
        for tool in tools:
            for fn in (tool.get("functionDeclarations") or ()) if isinstance(tool, dict) else ():
                if isinstance(fn, dict) and fn.get("name"):
                    parameters = fn.get("parametersJsonSchema") or fn.get("parameters")
                    specs.append(ToolSpec(fn["name"], fn.get("description") or "", parameters))
        return tuple(specs)

    @staticmethod
    def _tool_choice(config: Any) -> Any:
        calling = config.get("functionCallingConfig") if isinstance(config, dict) else None
        mode = str((calling or {}).get("mode", "AUTO")).upper()
        if mode == "NONE":
            return "none"
        allowed = (calling or {}).get("allowedFunctionNames") or []
        return {"name": allowed[0]} if mode == "ANY" and allowed else None

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


def candidate(index: int, parts: list[JSON], finish: str | None) -> JSON:
    body: JSON = {"content": {"parts": parts, "role": "model"} if parts else {"role": "model"}}
    if finish == "SAFETY" and not parts:  # blocked: no content at all
        del body["content"]
    if finish is not None:
        body["finishReason"] = finish
    if finish == "SAFETY":
        body["safetyRatings"] = [dict(rating) for rating in SAFETY_RATINGS]
    body["index"] = index
    return body


def function_call_part(call: ToolCall) -> JSON:
    args = call.arguments_object
    return {"functionCall": {"name": call.name, "args": args if isinstance(args, dict) else {}}}


def usage_metadata(prompt: int, candidates: int, thoughts: int, cached: int = 0) -> JSON:
    # proto3 JSON leaves zero counts out, so candidatesTokenCount / thoughtsTokenCount may be absent.
    usage: JSON = {"promptTokenCount": prompt}
    if cached:  # implicit caching: part of promptTokenCount
        usage["cachedContentTokenCount"] = cached
    if candidates:
        usage["candidatesTokenCount"] = candidates
    usage["totalTokenCount"] = prompt + candidates + thoughts
    usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if cached:
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def response_id(completion_id: str) -> str:
    """A 22-character URL-safe id, like the real `responseId`s."""
    digest = hashlib.blake2b(completion_id.encode(), digest_size=16).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


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
