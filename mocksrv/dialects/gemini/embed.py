"""Gemini `models/{m}:embedContent` and `:batchEmbedContents` (v1beta and v1).

google-genai's `models.embed_content` always calls batchEmbedContents, one request per
content. `outputDimensionality` cuts the vector to its first N values without renormalizing
it (Google documents that only the full-size gemini-embedding-001 vector is normalized);
`taskType` and `title` are accepted and do not change the vector, so query and document
vectors stay comparable.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Message, Turn, count_tokens
from ..base import Incoming, LimitWording, PromptCaching, RouteSpec
from ..embedding_wire import as_float_list, full_size, vectors_of
from .generate import VERSIONS, GeminiGenerate
from .request import text_of
from .wire import camelize, unknown_name

MAX_BATCH = 100  # Google's limit on requests in one batchEmbedContents call
# Top-level fields of EmbedContentRequest and BatchEmbedContentsRequest.
REQUEST_FIELDS = frozenset({"model", "content", "taskType", "title", "outputDimensionality", "requests"})


def embed_routes() -> tuple[RouteSpec, ...]:
    routes: list[RouteSpec] = []
    for version in VERSIONS:
        routes += [
            RouteSpec("POST", f"/{version}/models/{{model}}:embedContent", "embed", stream=False),
            RouteSpec("POST", f"/{version}/models/{{model}}:batchEmbedContents", "batch_embed", stream=False),
        ]
    return tuple(routes)


def bad(message: str, param: str | None = None) -> MockError:
    return MockError(ErrorKind.BAD_REQUEST, message, param=param)


class GeminiEmbed(GeminiGenerate):
    endpoint = "embeddings"
    # Its own input limits; the chat limits judge generation requests.
    limit_wording: ClassVar[LimitWording | None] = None
    prompt_caching: ClassVar[PromptCaching | None] = None  # no cached tokens: nothing is generated
    renders_identity = False  # no id, no timestamp: a repeated body gets the same bytes
    routes = embed_routes()

    def normalize(self, body: JSON) -> JSON:
        body = camelize(body, "", [])
        for key in body:  # Google's wording for a top-level typo (the schema checks deeper)
            if key not in REQUEST_FIELDS:
                raise unknown_name(key, "")
        return body

    def parse(self, incoming: Incoming) -> Turn:
        body, model = incoming.body, incoming.match_info.get("model", "")
        batch = incoming.route.operation == "batch_embed"
        requests = body.get("requests") or [] if batch else [body]
        if batch and not requests:
            raise bad("* BatchEmbedContentsRequest.requests: requests must not be empty.", "requests")
        if len(requests) > MAX_BATCH:
            raise bad(f"* BatchEmbedContentsRequest.requests: at most {MAX_BATCH} requests are allowed.")
        texts = tuple(self._text(r, i if batch else None) for i, r in enumerate(requests))
        info = self.catalog.find(model, self.family)
        full = full_size(info)
        sizes = {r.get("outputDimensionality") for r in requests}
        dimensions = sizes.pop() if len(sizes) == 1 else max(s or full for s in sizes)
        if dimensions is not None and dimensions > full:
            raise bad(f"Output dimensionality must be at most {full}.", "outputDimensionality")
        return Turn(
            dialect=self.name,
            model=model.removeprefix("models/"),
            messages=(Message("user", "\n".join(texts)),),
            endpoint=self.endpoint,
            inputs=texts,
            extras={
                "full_dimensions": full,
                "dimensions": dimensions,
                "batch": batch,
            },
            input_tokens=sum(count_tokens(t) for t in texts),
        )

    @staticmethod
    def _text(request: Any, index: int | None) -> str:
        where = "EmbedContentRequest." if index is None else f"BatchEmbedContentsRequest.requests[{index}]."
        content = request.get("content") if isinstance(request, dict) else None
        if not isinstance(content, dict) or not content.get("parts"):
            raise bad(f"* {where}content.parts: contents.parts must not be empty.", "content")
        return text_of(content)

    def render(self, completion: Completion, turn: Turn) -> JSON:
        rows = vectors_of(completion, turn, self.seed, normalize_cut=False)
        if turn.extras["batch"]:
            return {"embeddings": [{"values": as_float_list(v)} for v in rows]}
        return {"embedding": {"values": as_float_list(rows[0])}}

    def render_stream(self, completion: Completion, turn: Turn) -> NoReturn:  # routes never stream
        raise MockError(ErrorKind.BAD_REQUEST, "Embeddings are not streamed.")
