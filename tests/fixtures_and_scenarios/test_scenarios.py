"""Scenarios on the OpenAI-compatible dialects, observed through the official openai SDK."""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import time

import openai
import pytest
import rawhttp
from openai_family import FAMILY, FAMILY_IDS, Family
from parallel import statuses_in_parallel

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
HELLO = [{"role": "user", "content": "Hello!"}]
LONG = [{"role": "user", "content": "long text please"}]

# kind -> (status, SDK exception class); opeai (new-api) answers an unknown model with 503.
ERROR_KINDS = {
    "bad_request": (400, openai.BadRequestError),
    "auth": (401, openai.AuthenticationError),
    "permission": (403, openai.PermissionDeniedError),
    "not_found": (404, openai.NotFoundError),
    "context_length": (400, openai.BadRequestError),
    "rate_limit": (429, openai.RateLimitError),
    "quota": (429, openai.RateLimitError),
    "server_error": (500, openai.InternalServerError),
    "overloaded": (503, openai.InternalServerError),
    "timeout": (504, openai.InternalServerError),
}


def scenario_client(family: Family, server, key: str, scenario: str, **options) -> openai.OpenAI:
    return family.client(server, key, default_headers={"X-Mock-Scenario": scenario}, **options)


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
@pytest.mark.parametrize("kind", list(ERROR_KINDS))
def test_every_error_kind_is_the_providers_error(server, key, family: Family, kind: str):
    status, exception = ERROR_KINDS[kind]
    if family.name == "opeai" and kind == "not_found":
        status, exception = 503, openai.InternalServerError
    client = scenario_client(family, server, key, f"err-{kind}")
    with pytest.raises(exception) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    error = caught.value
    assert error.status_code == status
    headers = error.response.headers
    assert SCHEMAS.violations(f"{family.name}/error", error.response.json()) == []
    assert headers["x-mocksrv-scenario"] == f"err-{kind}"
    if kind == "rate_limit":
        assert headers["retry-after"] == "2" and headers["retry-after-ms"] == "2000"
        assert headers["x-ratelimit-remaining-requests"] == "0"
    if kind == "quota":
        assert headers["x-should-retry"] == "false"
        assert "retry-after" not in headers
    if not family.wrapped:
        assert error.body["type"] and error.body["message"]
    if family.name == "openai":
        assert error.code == {
            "context_length": "context_length_exceeded",
            "quota": "insufficient_quota",
            "rate_limit": "rate_limit_exceeded",
        }.get(kind, error.code)


def journal(server, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return rawhttp.request("GET", f"{server.url}/_mock/requests?{query}").json()["requests"]


def test_retry_after_is_honoured_by_the_sdk_retry(server, key):
    client = scenario_client(FAMILY[0], server, key, "retry-once", max_retries=2)
    started = time.monotonic()
    completion = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    elapsed = time.monotonic() - started
    assert completion.choices[0].message.content == "Hello! How can I help you today?"
    assert 0.9 <= elapsed < 3.0  # waited the scripted second, not the SDK's default backoff
    assert [e["status"] for e in journal(server, session=key)] == [429, 200]


def test_quota_is_not_retried(server, key):
    client = scenario_client(FAMILY[0], server, key, "err-quota", max_retries=2)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert [e["status"] for e in journal(server, session=key)] == [429]


def test_steps_advance_per_session_and_last_step_repeats(server, key):
    client = scenario_client(FAMILY[0], server, key, "flaky")
    outcomes = []
    for _ in range(4):
        try:
            client.chat.completions.create(model="gpt-4o", messages=HELLO)
            outcomes.append(200)
        except openai.APIStatusError as error:
            outcomes.append(error.status_code)
    assert outcomes == [429, 503, 200, 200]


def test_parallel_sessions_do_not_disturb_each_other(server, key):
    def attempt(session: str) -> None:
        headers = {"X-Mock-Scenario": "flaky", "X-Mock-Session": session}
        FAMILY[0].client(server, key, default_headers=headers).chat.completions.create(
            model="gpt-4o", messages=HELLO
        )

    sessions = [f"{key}-{i}" for i in range(6)]
    assert statuses_in_parallel(sessions, attempt, 3, openai.APIStatusError) == [[429, 503, 200]] * 6


def test_step_is_named_in_response_headers(server, key):
    client = scenario_client(FAMILY[0], server, key, "retry-once")
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.response.headers["x-mocksrv-step"] == "0"
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert raw.http_response.headers["x-mocksrv-scenario"] == "retry-once"
    assert raw.http_response.headers["x-mocksrv-step"] == "1"
    assert raw.http_response.headers["x-mocksrv-fixture"] == "seed-001-hello"


def test_key_bound_to_a_scenario(server):
    client = FAMILY[0].client(server, "sk-bound-to-overloaded")
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.status_code == 503


def test_server_wide_scenario(make_server, key):
    live = make_server(scenario="err-overloaded")
    with pytest.raises(openai.InternalServerError):
        FAMILY[0].client(live, key).chat.completions.create(model="gpt-4o", messages=HELLO)
    # A request's own scenario outranks the server's.
    ok = scenario_client(FAMILY[0], live, key, "slow").chat.completions.create(model="gpt-4o", messages=HELLO)
    assert ok.choices[0].message.content


def test_unknown_scenario_is_a_clear_400(server, key):
    with pytest.raises(openai.BadRequestError) as caught:
        scenario_client(FAMILY[0], server, key, "no-such").chat.completions.create(
            model="gpt-4o", messages=HELLO
        )
    assert "no-such" in caught.value.message


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_midstream_error_raises_api_error_after_chunks(server, key, family: Family):
    client = scenario_client(family, server, key, "midstream")
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client.chat.completions.create(model="gpt-4o", messages=LONG, stream=True):
            received.append(chunk)
    assert len(received) == 3  # events 0..2, then the error event
    assert not isinstance(caught.value, openai.APIStatusError)  # in-stream: no HTTP status
    assert caught.value.body["type"] in ("server_error", "new_api_error")


def test_wrapped_midstream_error_is_its_envelope_with_the_openai_error(server, key):
    family = FAMILY[-1]
    headers = {**family.auth_headers(key), "X-Mock-Scenario": "midstream"}
    raw = rawhttp.post(
        family.chat_url(server), json={"model": "gpt-4o", "messages": LONG, "stream": True}, headers=headers
    )
    events = raw.text.split("\n\n")
    assert len(events) == 5 and events[-1] == ""
    assert json.loads(events[3].removeprefix("data: ")) == {
        "success": False,
        "code": "503",
        "message": "The model is currently overloaded. Please try again later.",
        "data": None,
        "error": {  # the openai SDKs raise on an event only for a top-level `error`
            "message": "The model is currently overloaded. Please try again later.",
            "type": "server_error",
            "param": None,
            "code": None,
        },
    }


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_malformed_event_is_a_json_error(server, key, family: Family):
    client = scenario_client(family, server, key, "garbage")
    with pytest.raises(json.JSONDecodeError):
        list(client.chat.completions.create(model="gpt-4o", messages=LONG, stream=True))


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_disconnect_is_an_incomplete_stream(server, key, family: Family):
    client = scenario_client(family, server, key, "cut")
    received = []
    with pytest.raises(Exception) as caught:  # the transport error, as a real cut connection gives
        for chunk in client.chat.completions.create(model="gpt-4o", messages=LONG, stream=True):
            received.append(chunk)
    assert len(received) == 3
    assert not isinstance(caught.value, AssertionError)


def test_truncated_stream_has_no_done(server, key):
    family = FAMILY[0]
    body = {"model": "gpt-4o", "messages": LONG, "stream": True}
    headers = {**family.auth_headers(key), "X-Mock-Scenario": "truncated"}
    raw = rawhttp.post(family.chat_url(server), json=body, headers=headers).text
    assert raw.count("\n\n") == 3 and "[DONE]" not in raw
    entry = journal(server, session=key)[-1]
    assert entry["events"] == 3 and entry["ended_by"] == "truncate"


def test_latency_script_paces_the_stream(server, key):
    client = scenario_client(FAMILY[0], server, key, "slow")
    started = time.monotonic()
    stamps = []
    for chunk in client.chat.completions.create(model="gpt-4o", messages=LONG, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            stamps.append(time.monotonic() - started)
    assert 0.28 <= stamps[0] < 0.8  # ttft_ms 300
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 11 and 0.015 <= sum(gaps) / len(gaps) < 0.08  # token_ms 20


def test_latency_applies_to_non_streamed_answers(server, key):
    client = scenario_client(FAMILY[0], server, key, "slow")
    started = time.monotonic()
    client.chat.completions.create(model="gpt-4o", messages=LONG)
    assert 0.5 <= time.monotonic() - started < 1.5  # 300 + 12 x 20 ms


def test_fixture_attached_latency(server, key):
    client = FAMILY[0].client(server, key)
    started = time.monotonic()
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "slow fixture please"}]
    )
    assert 0.24 <= time.monotonic() - started < 1.0
    assert answer.choices[0].message.content == "Worth the wait."


def test_fixture_reply_sequence_with_an_error_step(server, key):
    client = FAMILY[0].client(server, key)
    ask = [{"role": "user", "content": "fail first please"}]
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o", messages=ask)
    assert (
        client.chat.completions.create(model="gpt-4o", messages=ask).choices[0].message.content
        == "Second time lucky."
    )


def test_stall_sends_keepalive_comments(server, key):
    family = FAMILY[0]
    headers = {**family.auth_headers(key), "X-Mock-Scenario": "stall"}
    started = time.monotonic()
    raw = rawhttp.post(
        family.chat_url(server), json={"model": "gpt-4o", "messages": HELLO, "stream": True}, headers=headers
    ).text
    assert time.monotonic() - started >= 0.38
    assert raw.count(": keep-alive\n\n") >= 2
    assert raw.endswith("data: [DONE]\n\n")


def test_hang_is_bounded_and_the_client_times_out(server, key):
    client = scenario_client(FAMILY[0], server, key, "hang", timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)


def test_reset_closes_without_a_response(server, key):
    client = scenario_client(FAMILY[0], server, key, "reset")
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)


def test_empty_is_a_200_without_body(server, key):
    headers = {**FAMILY[0].auth_headers(key), "X-Mock-Scenario": "empty"}
    response = rawhttp.post(
        FAMILY[0].chat_url(server), json={"model": "gpt-4o", "messages": HELLO}, headers=headers
    )
    assert response.status == 200 and response.body == b""


def chaos_outcomes(server, key: str) -> list[object]:
    family = FAMILY[0]
    outcomes = []
    for i in range(12):
        body = {"model": "gpt-4o", "messages": LONG, "stream": True}
        headers = {**family.auth_headers(key), "X-Mock-Scenario": "chaos", "X-Mock-Session": "chaos-run"}
        try:
            response = rawhttp.post(family.chat_url(server), json=body, headers=headers)
            outcomes.append((i, response.status, response.text.count("\n\n")))
        except (ConnectionError, OSError, http.client.HTTPException) as error:
            outcomes.append((i, type(error).__name__))
    return outcomes


def test_seeded_random_runs_are_identical(make_server, key):
    live = make_server(seed=7)
    first = chaos_outcomes(live, key)
    rawhttp.post(f"{live.url}/_mock/reset", json={})
    second = chaos_outcomes(live, key)
    assert first == second
    statuses = {o[1] for o in first if len(o) == 3}
    assert 200 in statuses and statuses & {429, 500}  # the mix really is mixed
    other = make_server(seed=8)
    assert chaos_outcomes(other, key) != first


def test_cancelled_streams_leave_no_tasks_behind(server, key):
    family = FAMILY[0]
    baseline = server.call(count_tasks())
    client = scenario_client(family, server, key, "slow-stream-forever", timeout=0.3)
    for _ in range(3):
        with pytest.raises(openai.APITimeoutError):
            for _chunk in client.chat.completions.create(model="gpt-4o", messages=LONG, stream=True):
                pass
    deadline = time.monotonic() + 5
    while server.call(count_tasks()) > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.call(count_tasks()) <= baseline


async def count_tasks() -> int:
    return len(asyncio.all_tasks()) - 1  # minus this probe


def test_scenario_errors_do_not_use_up_fixture_replies(server, key):
    client = scenario_client(FAMILY[0], server, key, "retry-once", max_retries=1)
    story = [{"role": "user", "content": "tell me a story"}]
    first = client.chat.completions.create(model="gpt-4o", messages=story)  # 429, retried, then ok
    assert first.choices[0].message.content.startswith("Once upon a time")
    entries = journal(server, session=key)
    assert [(e["status"], e["step"], e["reply"]) for e in entries] == [(429, 0, None), (200, 1, 0)]


@pytest.mark.parametrize("fault", ["error_after", "disconnect_after", "malformed_after", "truncate_after"])
def test_stream_fault_past_the_end_fires_at_the_last_event(make_server, fault):
    """A position past a short answer's end still breaks it: at its last event (here `[DONE]`)."""
    live = make_server()
    scenario = {"name": "late", "stream": {fault: 10_000}}
    assert rawhttp.post(live.url + "/_mock/scenarios", json={"scenarios": [scenario]}).status == 201
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "stream": True})

    def stream(scenario_header: dict[str, str]) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
        headers = {"Authorization": "Bearer sk-late", "Content-Type": "application/json", **scenario_header}
        connection.request("POST", "/openai/v1/chat/completions", body=body, headers=headers)
        response = connection.getresponse()
        try:
            return response.read()
        except http.client.IncompleteRead as cut:  # a disconnect or a truncation: what did arrive
            return cut.partial
        finally:
            connection.close()

    whole = stream({}).split(b"\n\n")[:-1]
    broken = stream({"X-Mock-Scenario": "late"}).split(b"\n\n")[:-1]
    entry = live.call(live.services.state.journal_entries())[-1]
    assert whole[-1] == b"data: [DONE]" and b'"finish_reason":"stop"' in broken[len(whole) - 2]
    assert b"[DONE]" not in b"".join(broken[: len(whole) - 1])
    ending = {"error_after": "error", "disconnect_after": "disconnect", "truncate_after": "truncate"}
    assert entry["ended_by"] == ending.get(fault, "complete")
    if fault == "error_after":
        assert len(broken) == len(whole) and json.loads(broken[-1].removeprefix(b"data: "))["error"]
    elif fault == "malformed_after":
        assert len(broken) == len(whole) and broken[-1] != whole[-1]
    else:
        assert len(broken) == len(whole) - 1
