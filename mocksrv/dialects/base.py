"""The dialect contract: routes, auth scheme and pure parse/render functions, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from ..catalog import Catalog, ModelInfo, bundled_catalog
from ..errors import MockError
from ..model import JSON, Completion, ErrorKind, Reply, SSEEvent, Turn
from ..signing import DEFAULT_SIGNER, Signer

if TYPE_CHECKING:
    from ..catalog import Catalog


@dataclass(frozen=True)
class RouteSpec:
    """One endpoint, relative to the dialect's mount prefix; `operation` names the handler."""

    method: str
    path: str
    operation: str = "generate"
    stream: bool | None = None  # the route itself decides streaming (Gemini)
    stored: bool = False  # answered from the state store's records (stateful/), not generated


@dataclass(frozen=True, slots=True)
class Incoming:
    """A request as the dialect sees it: already read, decoded and detached from aiohttp."""

    method: str
    path: str
    match_info: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    route: RouteSpec = field(default_factory=lambda: RouteSpec("POST", "/"))


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    body: JSON
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthScheme:
    """Where a credential may come from; the first non-empty source wins.

    `required_headers` must all be present (wuinai's key + token pair); `bearer`, `headers`
    and `query` are alternatives for a single credential.
    """

    bearer: bool = False
    headers: tuple[str, ...] = ()
    query: str | None = None
    required_headers: tuple[str, ...] = ()
    anonymous: str | None = None  # the credential of a request that sends none (Ollama needs none)

    def secret_headers(self) -> frozenset[str]:
        """Header names that carry this scheme's credentials (redacted in the journal)."""
        return frozenset(h.lower() for h in (*self.headers, *self.required_headers)) | (
            {"authorization"} if self.bearer else set()
        )

    def credential(self, incoming: Incoming) -> str | None:
        if self.required_headers:
            values = [incoming.headers.get(h, "").strip() for h in self.required_headers]
            return values[0] if all(values) else None
        for name in self.headers:
            if value := incoming.headers.get(name, "").strip():
                return value
        if self.bearer:
            scheme, _, token = incoming.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        if self.query and (value := incoming.query.get(self.query, "").strip()):
            return value
        return self.anonymous


@dataclass(frozen=True)
class TurnContext:
    """What cross-turn checks may consult besides the body (docs/cross-turn.md).

    `thinking(model)`: whether the model data calls it a thinking model; `prior_items`: the
    input items of a stored chain (Responses `previous_response_id`), when the caller loaded them.
    """

    thinking: Callable[[str], bool] = lambda model: False
    requires_thought_signatures: Callable[[str], bool] = lambda model: False
    prior_items: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class LimitWording:
    """How a provider words its model refusals (limits.py). Format fields: {model}, {tokens}
    (the prompt's), {limit}, {value} (the requested output), {param}, {version} (API version)."""

    context: str
    output: str
    unknown_model: str
    not_chat_model: str  # a chat request to an embedding or moderation model
    context_param: str | None = None
    output_params: tuple[str, ...] = ("max_tokens",)  # the body's names for the output limit
    output_code: str | None = None  # `detail` of the output error (an OpenAI `code`)


@dataclass(frozen=True)
class PromptCaching:
    """How a provider caches prompt prefixes (prompt_cache.py)."""

    explicit: bool = False  # the request marks its breakpoints (turn.extras["cache_points"])
    step: int = 1  # cached counts grow in steps of this many tokens past the model's minimum
    ttl_s: float = 300.0  # how long an unused prefix stays (explicit points carry their own)
    report_writes: bool = False  # the usage tells tokens written to the cache apart


def dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


class Dialect:
    """Base of every dialect. Subclasses set the ClassVars and implement the render methods."""

    name: ClassVar[str]
    prefix: ClassVar[str]  # mount point; routes below are the provider's native paths
    base_path: ClassVar[str]  # what a user passes as the SDK base URL (relative to host)
    routes: ClassVar[tuple[RouteSpec, ...]]
    auth: ClassVar[AuthScheme]
    schema_dir: ClassVar[str]
    family: ClassVar[str] = "openai"  # which model-catalog family (catalog.py) its names belong to
    auth_hint: ClassVar[str] = ""
    stateful: ClassVar[bool] = False  # keeps its answers for later requests (mocksrv/stateful/)
    stream_content_type: ClassVar[str] = "text/event-stream; charset=utf-8"
    # A top-level `null` is taken as the parameter left out (the OpenAI API does so although
    # its OpenAPI document declares few nulls), except for `null_kept`: the required
    # parameters, where a null stays the schema's 400 (schemas/openai/README.md).
    null_means_absent: ClassVar[bool] = False
    null_kept: ClassVar[frozenset[str]] = frozenset()
    # Signs what this dialect hands out to be sent back (signing.py); the app sets the server's.
    signer: Signer = DEFAULT_SIGNER
    endpoint: ClassVar[str] = "chat"  # what `match.endpoint` of a fixture names (Turn.endpoint)
    # Whether a body shows (or derives anything from) the completion's id or `created`; when
    # not (embeddings), a repeated body's answer is its first rendering as is (rendered.py).
    renders_identity: ClassVar[bool] = True

    def __init__(self, seed: int = 0, catalog: Catalog | Callable[[], Catalog] | None = None):
        """`seed`: the server's --seed (answers computed from it, e.g. embedding vectors);
        `catalog`: the model table (limits, embedding sizes), or what reads the server's current
        one (a --watch reload swaps it); the bundled one if not given."""
        self.seed = seed
        self._catalog = catalog

    @property
    def catalog(self) -> Catalog:
        found = self._catalog
        if found is None:
            found = self._catalog = bundled_catalog()
        return found if isinstance(found, Catalog) else found()

    limit_wording: ClassVar[LimitWording | None] = None  # None: no model limits are enforced
    prompt_caching: ClassVar[PromptCaching | None] = None  # None: usage never shows cached tokens

    # ---- request side -------------------------------------------------------------------
    def accept(self, body: JSON) -> JSON:
        """The decoded body as validated and parsed: nulls that mean absent dropped, normalized."""
        if self.null_means_absent and isinstance(body, dict) and None in body.values():
            body = {k: v for k, v in body.items() if v is not None or k in self.null_kept}
        return self.normalize(body)

    def normalize(self, body: JSON) -> JSON:
        """Adjust a request body before schema validation (e.g. accept camelCase)."""
        return body

    def parse(self, incoming: Incoming) -> Turn:
        raise NotImplementedError

    def check_turns(self, incoming: Incoming, context: TurnContext) -> MockError | None:
        """The provider's refusal of a schema-valid conversation (tool calls left unanswered,
        thinking dropped, a signature edited), or None. Pure: a function of the request and context."""
        return None

    def resolve(self, turn: Turn, catalog: Catalog) -> Turn:
        """The turn with names the provider maps looked up (Azure: deployment -> model)."""
        return turn

    def screen(self, choices: tuple[Reply, ...]) -> None:
        """Raise the error some answers are sent as instead (Azure: a filtered prompt's 400)."""

    # ---- response side ------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        raise NotImplementedError

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        raise NotImplementedError

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        raise NotImplementedError

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        raise NotImplementedError

    def stream_error_event(
        self, error: MockError, request_id: str, completion: Completion, turn: Turn, position: int
    ) -> SSEEvent:
        """The in-stream error written after `position` events of this completion's stream.

        Most dialects need only the error; one whose events are numbered or refer to the
        answer (Responses: `sequence_number`, the response id) overrides this.
        """
        return self.render_stream_error(error, request_id)

    def keepalive(self) -> bytes:
        """What to send during a stall so clients and proxies keep the stream open."""
        return b": keep-alive\n\n"

    def new_request_id(self, seed: str) -> str:
        return f"req_{seed}"

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {}

    def limit_headers(self, buckets: tuple[Any, ...]) -> dict[str, str]:
        """The rate-limit headers that tell a counting limit's buckets (rate_limits.Bucket)."""
        return {}

    def encode_body(self, body: JSON) -> bytes:
        return orjson.dumps(body)

    def render_models(self, models: list[ModelInfo], query: Mapping[str, str]) -> JSON:
        """The catalog's models of this dialect's family (GET .../models), paged as the provider pages."""
        raise MockError(ErrorKind.NOT_FOUND, "Unknown endpoint.")

    def render_model(self, model: ModelInfo) -> JSON:
        """One model's entry (GET .../models/{model})."""
        raise MockError(ErrorKind.NOT_FOUND, "Unknown endpoint.")

    def render_info(self, incoming: Incoming) -> JSON:
        """A read-only answer about the server or a model (Ollama's /api/show, /api/version)."""
        raise MockError(ErrorKind.NOT_FOUND, "Unknown endpoint.")

    def model_id(self, raw: str) -> str:
        """The model a GET .../models/{model} path names."""
        return raw

    def render_count(self, turn: Turn) -> JSON:
        """The token count of a request (Gemini countTokens)."""
        raise MockError(ErrorKind.NOT_FOUND, "Unknown endpoint.")
