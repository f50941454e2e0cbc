"""Scenarios on the Anthropic, Gemini and Responses APIs (and their Maisi / MountSea routes),
observed through the official SDKs: error envelopes, headers, exception classes, retries,
stream faults and pacing, each as the real provider's failure looks to its own SDK.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
import rawhttp
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from parallel import statuses_in_parallel

from mocksrv.config import ServerConfig
from mocksrv.dialects.anthropic.messages import AnthropicMessages
from mocksrv.dialects.base import Dialect
from mocksrv.dialects.gateways.maisi import MaisiGemini, MaisiMessages, MaisiResponses
from mocksrv.dialects.gateways.mountsea import MountseaResponses
from mocksrv.dialects.gemini.generate import GeminiGenerate
from mocksrv.dialects.openai.responses import OpenAIResponses
from mocksrv.schemas import SchemaRegistry
from mocksrv.testing import MockServer

SCHEMAS = SchemaRegistry()
TEST_FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
HELLO = "Hello!"
HELLO_REPLY = "Hello! How can I help you today?"
LONG = "long text please"  # "One two three ... twelve.": 12 content events
LONG_PIECES = ["One", " two", " three"]
MODELS = {"anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash", "responses": "gpt-4.1"}
# Scenarios beyond tests/data/fixtures/scenarios.yaml.
EXTRA_SCENARIOS = """
scenarios:
  - {name: garbage-3, stream: {malformed_after: 3}}
  - {name: truncated-late, stream: {truncate_after: 1000}}
"""


@dataclass(frozen=True)
class Api:
    """One route of one API family, reached with that family's official SDK."""

    id: str
    family: str  # anthropic | gemini | responses
    base: str  # the SDK base URL, relative to the server
    dialect: type[Dialect]
    bearer: bool = False  # Maisi: `Authorization: Bearer` on every route

    @property
    def model(self) -> str:
        return MODELS[self.family]

    def client(self, server: MockServer, key: str, headers: dict[str, str] | None = None, **options: Any):
        headers = dict(headers or {})
        base_url = server.url + self.base
        if self.family == "anthropic":
            options.setdefault("max_retries", 0)
            credentials = {"auth_token": key, "api_key": None} if self.bearer else {"api_key": key}
            return anthropic.Anthropic(base_url=base_url, default_headers=headers, **credentials, **options)
        if self.family == "gemini":
            if self.bearer:
                headers["Authorization"] = f"Bearer {key}"  # the x-goog-api-key it also sends is ignored
            http = types.HttpOptions(base_url=base_url, headers=headers, **options)
            return genai.Client(api_key="unused" if self.bearer else key, http_options=http)
        options.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=base_url, api_key=key, default_headers=headers, **options)

    def create(self, client: Any, text: str = HELLO) -> str:
        """A non-streamed request; the answer's text."""
        if self.family == "anthropic":
            message = client.messages.create(
                model=self.model, max_tokens=200, messages=[{"role": "user", "content": text}]
            )
            return "".join(b.text for b in message.content if b.type == "text")
        if self.family == "gemini":
            return client.models.generate_content(model=self.model, contents=text).text
        return client.responses.create(model=self.model, input=text).output_text

    def stream(self, client: Any, text: str = LONG) -> Iterator[Any]:
        """The SDK's plain streaming iterator: events (Anthropic, Responses) or chunks (Gemini).

        A generator, so the client lives as long as the stream: a google-genai Client closes
        its connection pool when it is garbage-collected.
        """
        if self.family == "anthropic":
            messages = [{"role": "user", "content": text}]
            yield from client.messages.create(
                model=self.model, max_tokens=200, messages=messages, stream=True
            )
        elif self.family == "gemini":
            yield from client.models.generate_content_stream(model=self.model, contents=text)
        else:
            yield from client.responses.create(model=self.model, input=text, stream=True)


APIS = [
    Api("anthropic", "anthropic", "/anthropic", AnthropicMessages),
    Api("maisi-messages", "anthropic", "/maisi", MaisiMessages, bearer=True),
    Api("gemini", "gemini", "/gemini", GeminiGenerate),
    Api("maisi-gemini", "gemini", "/maisi/gemini", MaisiGemini, bearer=True),
    Api("responses", "responses", "/openai/v1", OpenAIResponses),
    Api("maisi-responses", "responses", "/maisi/v1", MaisiResponses),
    Api("mountsea-responses", "responses", "/mountsea/chat", MountseaResponses),  # SDK path /chat/responses
    Api("mountsea-responses-v1", "responses", "/mountsea/chat/v1", MountseaResponses),  # documented path
]
MAIN = {api.family: api for api in reversed(APIS)}  # the provider's own route per family


def apis(family: str) -> Any:
    chosen = [a for a in APIS if a.family == family]
    return pytest.mark.parametrize("api", chosen, ids=[a.id for a in chosen])


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[MockServer]:
    """Bundled + test fixtures and scenarios, plus this module's extra scenarios."""
    extra = tmp_path_factory.mktemp("scenarios-all-dialects")
    (extra / "scenarios.yaml").write_text(EXTRA_SCENARIOS)
    with MockServer(ServerConfig(port=0, fixture_dirs=(TEST_FIXTURES, extra))) as server:
        yield server


def journal(server: MockServer, session: str, count: int | None = None) -> list[dict]:
    """The session's journal entries; waits briefly for `count` (a cut stream is logged late)."""
    deadline = time.monotonic() + 3
    while True:
        entries = rawhttp.request("GET", f"{server.url}/_mock/requests?session={session}").json()["requests"]
        if count is None or len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.02)


def collect(iterator: Iterator[Any], label: Callable[[Any], Any]) -> tuple[list[Any], BaseException | None]:
    """Everything the SDK yielded before it stopped, and what it raised (None: a clean end)."""
    received: list[Any] = []
    try:
        for item in iterator:
            received.append(label(item))
    except Exception as error:  # the assertion is on the exact type
        return received, error
    return received, None


def event_type(event: Any) -> str:
    return event.type


def chunk_text(chunk: Any) -> str:
    return chunk.text or ""


# ---- every error kind ---------------------------------------------------------------------
KINDS = [
    "bad_request",
    "auth",
    "permission",
    "not_found",
    "context_length",
    "rate_limit",
    "quota",
    "server_error",
    "overloaded",
    "timeout",
]
# kind -> (status, exact SDK class, error.type)
ANTHROPIC_ERRORS: dict[str, tuple[int, type, str]] = {
    "bad_request": (400, anthropic.BadRequestError, "invalid_request_error"),
    "auth": (401, anthropic.AuthenticationError, "authentication_error"),
    "permission": (403, anthropic.PermissionDeniedError, "permission_error"),
    "not_found": (404, anthropic.NotFoundError, "not_found_error"),
    "context_length": (400, anthropic.BadRequestError, "invalid_request_error"),
    "rate_limit": (429, anthropic.RateLimitError, "rate_limit_error"),
    "quota": (429, anthropic.EnforcedSpendLimitReachedError, "rate_limit_error"),  # a RateLimitError
    "server_error": (500, anthropic.InternalServerError, "api_error"),
    "overloaded": (529, anthropic.OverloadedError, "overloaded_error"),
    "timeout": (504, anthropic.GatewayTimeoutError, "timeout_error"),  # an InternalServerError
}
# kind -> (HTTP status = error.code, SDK class, canonical status)
GEMINI_ERRORS: dict[str, tuple[int, type, str]] = {
    "bad_request": (400, genai_errors.ClientError, "INVALID_ARGUMENT"),
    "auth": (400, genai_errors.ClientError, "INVALID_ARGUMENT"),  # an invalid key (design §7)
    "permission": (403, genai_errors.ClientError, "PERMISSION_DENIED"),
    "not_found": (404, genai_errors.ClientError, "NOT_FOUND"),
    "context_length": (400, genai_errors.ClientError, "INVALID_ARGUMENT"),
    "rate_limit": (429, genai_errors.ClientError, "RESOURCE_EXHAUSTED"),
    "quota": (429, genai_errors.ClientError, "RESOURCE_EXHAUSTED"),
    "server_error": (500, genai_errors.ServerError, "INTERNAL"),
    "overloaded": (503, genai_errors.ServerError, "UNAVAILABLE"),
    "timeout": (504, genai_errors.ServerError, "DEADLINE_EXCEEDED"),
}
# kind -> (status, exact SDK class, error.type, error.code)
RESPONSES_ERRORS: dict[str, tuple[int, type, str, str | None]] = {
    "bad_request": (400, openai.BadRequestError, "invalid_request_error", None),
    "auth": (401, openai.AuthenticationError, "invalid_request_error", "invalid_api_key"),
    "permission": (
        403,
        openai.PermissionDeniedError,
        "request_forbidden",
        "unsupported_country_region_territory",
    ),
    "not_found": (404, openai.NotFoundError, "invalid_request_error", "model_not_found"),
    "context_length": (400, openai.BadRequestError, "invalid_request_error", "context_length_exceeded"),
    "rate_limit": (429, openai.RateLimitError, "requests", "rate_limit_exceeded"),
    "quota": (429, openai.RateLimitError, "insufficient_quota", "insufficient_quota"),
    "server_error": (500, openai.InternalServerError, "server_error", None),
    "overloaded": (503, openai.InternalServerError, "server_error", None),
    "timeout": (504, openai.InternalServerError, "server_error", "timeout"),
}


def provoke(api: Api, server: MockServer, key: str, scenario: str) -> Exception:
    client = api.client(server, key, {"X-Mock-Scenario": scenario})
    with pytest.raises(Exception) as caught:
        api.create(client)
    return caught.value


@apis("anthropic")
@pytest.mark.parametrize("kind", KINDS)
def test_anthropic_error_kinds(live, key, api: Api, kind: str):
    status, exception, error_type = ANTHROPIC_ERRORS[kind]
    error = provoke(api, live, key, f"err-{kind}")
    assert type(error) is exception, repr(error)
    assert error.status_code == status and error.type == error_type
    body, headers = error.body, error.response.headers
    assert error.response.json() == body
    assert SCHEMAS.violations(f"{api.dialect.schema_dir}/error", body) == []
    assert body["type"] == "error" and body["error"]["message"]
    assert body["request_id"] == headers["request-id"] == error.request_id
    assert headers["x-mocksrv-scenario"] == f"err-{kind}"
    assert headers["anthropic-ratelimit-requests-limit"].isdigit()
    if kind == "rate_limit":
        assert headers["retry-after"] == "2"
        assert headers["anthropic-ratelimit-requests-remaining"] == "0"
        for dimension in ("requests", "tokens", "input-tokens", "output-tokens"):
            assert f"anthropic-ratelimit-{dimension}-reset" in headers
    elif kind == "quota":
        assert headers["x-should-retry"] == "false" and "retry-after" not in headers
        assert error.error_code == "enforced_spend_limit_reached"
    else:
        assert "retry-after" not in headers and "x-should-retry" not in headers
    if kind == "context_length":
        assert error.api_message.startswith("prompt is too long")


@apis("gemini")
@pytest.mark.parametrize("kind", KINDS)
def test_gemini_error_kinds(live, key, api: Api, kind: str):
    status, exception, canonical = GEMINI_ERRORS[kind]
    error = provoke(api, live, key, f"err-{kind}")
    assert type(error) is exception, repr(error)
    assert (error.code, error.status) == (status, canonical)
    body = error.details  # google-genai keeps the whole JSON body here
    assert SCHEMAS.violations(f"{api.dialect.schema_dir}/error", body) == []
    assert body["error"]["code"] == status and body["error"]["message"] == error.message
    headers = error.response.headers
    assert headers["x-mocksrv-scenario"] == f"err-{kind}"
    details = {d["@type"].rsplit(".", 1)[-1]: d for d in body["error"].get("details", [])}
    if kind == "rate_limit":
        assert details["RetryInfo"]["retryDelay"] == "2s" and headers["retry-after"] == "2"
        assert "QuotaFailure" in details
    elif kind == "quota":
        assert "QuotaFailure" in details and "RetryInfo" not in details  # no point in retrying
        assert "retry-after" not in headers
    elif kind == "auth":
        assert details["ErrorInfo"]["reason"] == "API_KEY_INVALID"
        assert error.message == "API key not valid. Please pass a valid API key."
    else:
        assert "retry-after" not in headers


@apis("responses")
@pytest.mark.parametrize("kind", KINDS)
def test_responses_error_kinds(live, key, api: Api, kind: str):
    status, exception, error_type, code = RESPONSES_ERRORS[kind]
    error = provoke(api, live, key, f"err-{kind}")
    assert type(error) is exception, repr(error)
    assert (error.status_code, error.type, error.code) == (status, error_type, code)
    body, headers = error.response.json(), error.response.headers
    assert SCHEMAS.violations(f"{api.dialect.schema_dir}/error", body) == []
    assert set(body["error"]) == {"message", "type", "param", "code"} and error.message
    assert headers["x-request-id"] == error.request_id
    assert headers["x-mocksrv-scenario"] == f"err-{kind}"
    if kind == "rate_limit":
        assert headers["retry-after"] == "2" and headers["retry-after-ms"] == "2000"
        assert headers["x-ratelimit-remaining-requests"] == "0"
        assert headers["x-ratelimit-limit-requests"].isdigit() and headers["x-ratelimit-reset-requests"]
    elif kind == "quota":
        assert headers["x-should-retry"] == "false" and "retry-after" not in headers
    else:
        assert "retry-after" not in headers and "x-should-retry" not in headers


# ---- retries ------------------------------------------------------------------------------
def statuses(server: MockServer, session: str) -> list[int]:
    return [entry["status"] for entry in journal(server, session)]


def test_anthropic_sdk_waits_the_scripted_retry_after(live, key):
    api = MAIN["anthropic"]
    client = api.client(live, key, {"X-Mock-Scenario": "retry-once"}, max_retries=2)
    started = time.monotonic()
    assert api.create(client) == HELLO_REPLY
    assert 0.9 <= time.monotonic() - started < 3.0  # retry-after 1, not the SDK's 0.5 s backoff
    assert statuses(live, key) == [429, 200]


@pytest.mark.parametrize(
    "api", [a for a in APIS if a.family != "gemini"], ids=[a.id for a in APIS if a.family != "gemini"]
)
def test_quota_is_not_retried(live, key, api: Api):
    client = api.client(live, key, {"X-Mock-Scenario": "err-quota"}, max_retries=2)
    with pytest.raises((anthropic.RateLimitError, openai.RateLimitError)):
        api.create(client)
    assert statuses(live, key) == [429]  # x-should-retry: false beat the 429 retry rule


@apis("gemini")
def test_gemini_retries_only_when_asked(live, key, api: Api):
    with pytest.raises(genai_errors.ClientError):  # google-genai's default: a single attempt
        api.create(api.client(live, key, {"X-Mock-Scenario": "retry-once", "X-Mock-Session": key}))
    assert statuses(live, key) == [429]
    retrying = types.HttpRetryOptions(attempts=3, initial_delay=0.05, max_delay=0.1)
    session = f"{key}-retry"
    client = api.client(
        live, key, {"X-Mock-Scenario": "retry-once", "X-Mock-Session": session}, retry_options=retrying
    )
    assert api.create(client) == HELLO_REPLY
    assert statuses(live, session) == [429, 200]


def test_steps_advance_per_session_in_parallel(live, key):
    api = MAIN["anthropic"]

    def attempt(session: str) -> None:
        api.create(api.client(live, key, {"X-Mock-Scenario": "flaky", "X-Mock-Session": session}))

    sessions = [f"{key}-{i}" for i in range(6)]
    assert statuses_in_parallel(sessions, attempt, 4, anthropic.APIStatusError) == [[429, 529, 200, 200]] * 6


# ---- stream faults: mid-stream error ------------------------------------------------------
def stream_client(api: Api, server: MockServer, key: str, scenario: str) -> Any:
    return api.client(server, key, {"X-Mock-Scenario": scenario})


def assert_ended_by(server: MockServer, key: str, ended_by: str, events: int) -> None:
    [entry] = journal(server, key, count=1)
    assert (entry["ended_by"], entry["events"]) == (ended_by, events)


@apis("anthropic")
def test_anthropic_midstream_error(live, key, api: Api):
    received, error = collect(api.stream(stream_client(api, live, key, "midstream")), event_type)
    # Events 0..2 were message_start, content_block_start and ping (which the SDK swallows).
    assert received == ["message_start", "content_block_start"]
    assert type(error) is anthropic.APIStatusError and error.status_code == 200  # not OverloadedError
    assert error.body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert SCHEMAS.violations(f"{api.dialect.schema_dir}/stream_event", error.body) == []
    assert_ended_by(live, key, "error", 4)


@apis("gemini")
def test_gemini_midstream_error(live, key, api: Api):
    received, error = collect(api.stream(stream_client(api, live, key, "midstream")), chunk_text)
    assert received == LONG_PIECES
    assert type(error) is genai_errors.ServerError
    assert (error.code, error.status) == (503, "UNAVAILABLE")
    assert error.message == "The model is overloaded. Please try again later."
    assert_ended_by(live, key, "error", 4)


@apis("responses")
def test_responses_midstream_error_is_response_failed(live, key, api: Api):
    # openai-python raises only for a top-level "error" key: response.failed is yielded.
    events, error = collect(api.stream(stream_client(api, live, key, "midstream")), lambda e: e)
    assert error is None
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.failed",
    ]
    failed = events[-1]
    assert failed.sequence_number == 3 and failed.response.status == "failed"
    assert failed.response.id == events[0].response.id
    assert failed.response.error.code == "server_error" and failed.response.error.message
    with api.client(live, key, {"X-Mock-Scenario": "midstream"}).responses.stream(
        model=api.model, input=LONG
    ) as stream:
        assert [e.type for e in stream][-1] == "response.failed"
        with pytest.raises(RuntimeError, match=r"response\.completed"):
            stream.get_final_response()


# ---- stream faults: malformed event -------------------------------------------------------
@apis("anthropic")
def test_anthropic_malformed_event_is_a_json_error(live, key, api: Api):
    client = stream_client(api, live, key, "garbage-3")
    received, error = collect(api.stream(client), event_type)
    assert received == ["message_start", "content_block_start"]
    assert type(error) is json.JSONDecodeError


@apis("anthropic")
def test_anthropic_malformed_at_the_ping_breaks_the_next_event(live, key, api: Api):
    """`garbage` names event 2, the ping, which the SDK skips unread: the next event breaks."""
    received, error = collect(api.stream(stream_client(api, live, key, "garbage")), event_type)
    assert received == ["message_start", "content_block_start"]
    assert type(error) is json.JSONDecodeError


@apis("gemini")
def test_gemini_malformed_chunk_is_a_parse_error(live, key, api: Api):
    received, error = collect(api.stream(stream_client(api, live, key, "garbage")), chunk_text)
    assert received == LONG_PIECES[:2]
    # google-genai wraps the JSON error in its own ValueError subclass.
    assert type(error) is genai_errors.UnknownApiResponseError
    assert isinstance(error.__cause__, json.JSONDecodeError)


@apis("responses")
def test_responses_malformed_event_is_a_json_error(live, key, api: Api):
    received, error = collect(api.stream(stream_client(api, live, key, "garbage")), event_type)
    assert received == ["response.created", "response.in_progress"]
    assert type(error) is json.JSONDecodeError


# ---- stream faults: disconnect ------------------------------------------------------------
@pytest.mark.parametrize("api", APIS, ids=[a.id for a in APIS])
def test_disconnect_is_a_transport_error(live, key, api: Api):
    label = chunk_text if api.family == "gemini" else event_type
    received, error = collect(api.stream(stream_client(api, live, key, "cut")), label)
    expected: dict[str, tuple[list[str], type]] = {
        # anthropic and google-genai let httpx's error through while iterating; openai wraps it.
        "anthropic": (["message_start", "content_block_start"], httpx2.RemoteProtocolError),
        "gemini": (LONG_PIECES, httpx2.RemoteProtocolError),
        "responses": (
            ["response.created", "response.in_progress", "response.output_item.added"],
            openai.APIConnectionError,
        ),
    }
    events, exception = expected[api.family]
    assert received == events
    assert type(error) is exception, repr(error)
    assert_ended_by(live, key, "disconnect", 3)


# ---- stream faults: truncation ------------------------------------------------------------
@apis("anthropic")
def test_anthropic_truncated_stream_has_no_message_stop(live, key, api: Api):
    client = stream_client(api, live, key, "truncated")
    received, error = collect(api.stream(client), event_type)
    assert error is None and received == ["message_start", "content_block_start"]
    with client.messages.stream(
        model=api.model, max_tokens=200, messages=[{"role": "user", "content": LONG}]
    ) as stream:
        assert "message_stop" not in [e.type for e in stream]
        assert stream.get_final_message().stop_reason is None  # never told why it stopped
    assert [e["ended_by"] for e in journal(live, key)] == ["truncate", "truncate"]


@apis("gemini")
def test_gemini_truncated_stream_has_no_finish_reason(live, key, api: Api):
    chunks, error = collect(api.stream(stream_client(api, live, key, "truncated")), lambda c: c)
    assert error is None and "".join(c.text for c in chunks) == "".join(LONG_PIECES)
    assert [c.candidates[0].finish_reason for c in chunks] == [None, None, None]
    assert_ended_by(live, key, "truncate", 3)


@apis("responses")
def test_responses_truncated_stream_has_no_terminal_event(live, key, api: Api):
    client = stream_client(api, live, key, "truncated")
    received, error = collect(api.stream(client), event_type)
    assert error is None
    assert received == ["response.created", "response.in_progress", "response.output_item.added"]
    with client.responses.stream(model=api.model, input=LONG) as stream:
        list(stream)
        with pytest.raises(RuntimeError, match=r"response\.completed"):
            stream.get_final_response()


@pytest.mark.parametrize(
    "api", [a for a in APIS if a.family != "gemini"], ids=[a.id for a in APIS if a.family != "gemini"]
)
def test_truncation_past_the_end_still_drops_the_terminal_event(live, key, api: Api):
    """A truncated stream never closes properly (README: "ends without the terminal event"),
    even when the stream is shorter than `truncate_after`."""
    received, error = collect(api.stream(stream_client(api, live, key, "truncated-late"), HELLO), event_type)
    assert error is None
    terminal = "message_stop" if api.family == "anthropic" else "response.completed"
    assert terminal not in received
    assert received[-1] == ("message_delta" if api.family == "anthropic" else "response.output_item.done")
    assert_ended_by(live, key, "truncate", len(received) + (api.family == "anthropic"))  # + the ping


# ---- pacing -------------------------------------------------------------------------------
def content_stamps(api: Api, client: Any, started: float) -> list[float]:
    """When each content event (a text piece) reached the caller."""
    stamps = []
    for item in api.stream(client):
        if api.family == "anthropic":
            carries = item.type == "content_block_delta" and item.delta.type == "text_delta"
        elif api.family == "gemini":
            carries = bool(item.text)
        else:
            carries = item.type == "response.output_text.delta"
        if carries:
            stamps.append(time.monotonic() - started)
    return stamps


@pytest.mark.parametrize("family", list(MODELS))
def test_latency_script_paces_each_sdk_stream(live, key, family: str):
    api = MAIN[family]
    client = api.client(live, key, {"X-Mock-Scenario": "slow"})
    started = time.monotonic()
    stamps = content_stamps(api, client, started)
    assert len(stamps) == 12
    assert 0.28 <= stamps[0] < 0.8  # ttft_ms 300
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert 0.015 <= sum(gaps) / len(gaps) < 0.08  # token_ms 20


@pytest.mark.parametrize("family", list(MODELS))
def test_stall_keepalives_do_not_disturb_the_sdk(live, key, family: str):
    """Each dialect's keep-alive (ping, blank CRLF line, SSE comment) is invisible to its SDK."""
    api = MAIN[family]
    client = api.client(live, key, {"X-Mock-Scenario": "stall"})
    started = time.monotonic()
    received, error = collect(api.stream(client, HELLO), lambda item: item)
    assert error is None and time.monotonic() - started >= 0.38
    if family == "anthropic":
        text = "".join(e.delta.text for e in received if e.type == "content_block_delta")
        assert received[-1].type == "message_stop"
    elif family == "gemini":
        text = "".join(c.text or "" for c in received)
        assert received[-1].candidates[0].finish_reason == types.FinishReason.STOP
    else:
        text = "".join(e.delta for e in received if e.type == "response.output_text.delta")
        assert received[-1].type == "response.completed"
    assert text == HELLO_REPLY
