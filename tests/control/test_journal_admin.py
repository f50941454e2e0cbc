"""The journal, the control API and strict mode, as a CI suite would use them."""

from __future__ import annotations

import openai
import pytest
import rawhttp
from openai_family import FAMILY

HELLO = [{"role": "user", "content": "Hello!"}]


def control(server, method: str, path: str, **kwargs) -> rawhttp.RawResponse:
    return rawhttp.control(server.url, method, path, **kwargs)


def journal(server, query: str = "") -> list[dict]:
    return control(server, "GET", f"/requests{query}").json()["requests"]


def test_journal_records_sdk_calls_with_redacted_credentials(server, key):
    client = FAMILY[0].client(server, key)
    client.chat.completions.create(model="gpt-4o", messages=HELLO)
    list(client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))
    entries = journal(server, f"?session={key}")
    assert len(entries) == 2
    first, second = entries
    assert first["id"] < second["id"] and first["time"] <= second["time"]  # oldest first
    for field in (
        "id",
        "time",
        "session",
        "dialect",
        "method",
        "path",
        "status",
        "fixture",
        "scenario",
        "step",
        "ttfb_ms",
        "duration_ms",
        "events",
        "request",
    ):
        assert field in first
    assert first["dialect"] == "openai" and first["method"] == "POST"
    assert first["path"] == "/openai/v1/chat/completions" and first["status"] == 200
    assert first["fixture"] == "seed-001-hello" and first["events"] == 0
    assert second["events"] == 10  # role chunk, 7 words, finish chunk, [DONE]
    assert first["request"]["body"]["messages"] == HELLO
    assert first["request"]["headers"]["Authorization"] == "[redacted]"
    assert key not in str(entries).replace(f"'session': '{key}'", "")  # the key shows only as the session
    assert 0 <= first["ttfb_ms"] <= first["duration_ms"]


def test_journal_filters_and_limit(server, key):
    for family in FAMILY[:3]:
        family.client(server, key).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert [e["dialect"] for e in journal(server, f"?session={key}")] == ["openai", "wuinai", "mountsea"]
    assert [e["dialect"] for e in journal(server, f"?session={key}&dialect=wuinai")] == ["wuinai"]
    assert [e["dialect"] for e in journal(server, f"?session={key}&limit=2")] == ["wuinai", "mountsea"]
    assert len(journal(server, f"?session={key}&fixture=seed-001-hello")) == 3


def test_rejected_requests_are_journaled(server, key):
    url = FAMILY[0].chat_url(server)
    rawhttp.post(url, json={"model": "gpt-4o", "messages": HELLO}, headers={"X-Mock-Session": key})
    rawhttp.post(
        url,
        json={"model": "gpt-4o", "messages": [], "temperature": 9},
        headers={"Authorization": f"Bearer {key}"},
    )
    unauthorised, invalid = journal(server, f"?session={key}")
    assert unauthorised["status"] == 401
    assert invalid["status"] == 400 and invalid["violations"]


def test_journal_is_bounded(make_server, key):
    live = make_server(journal_limit=3, journal_body_bytes=64)
    client = FAMILY[0].client(live, key)
    for i in range(5):
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": f"message {i} " * 20}]
        )
    entries = journal(live)
    assert len(entries) == 3
    body = entries[-1]["request"]["body"]
    assert body["truncated"] is True and len(body["text"]) == 64 and body["bytes"] > 64


def test_delete_and_reset(server, key):
    client = FAMILY[0].client(server, key)
    story = [{"role": "user", "content": "tell me a story"}]
    first = client.chat.completions.create(model="gpt-4o", messages=story).choices[0].message.content
    second = client.chat.completions.create(model="gpt-4o", messages=story).choices[0].message.content
    assert first != second
    assert control(server, "DELETE", "/requests").status == 200
    assert journal(server, f"?session={key}") == []
    assert control(server, "POST", "/reset").status == 200
    again = client.chat.completions.create(model="gpt-4o", messages=story).choices[0].message.content
    assert again == first  # cursors start over


def test_runtime_fixtures_add_list_delete(server, key):
    document = {
        "fixtures": [
            {
                "id": "rt-answer",
                "match": {"last_user": {"equals": "runtime?"}},
                "reply": {"content": "Yes, runtime."},
            }
        ]
    }
    added = control(server, "POST", "/fixtures", json=document)
    assert added.status == 201 and added.json() == {"added": ["rt-answer"]}
    ask = [{"role": "user", "content": "runtime?"}]
    client = FAMILY[0].client(server, key)
    assert (
        client.chat.completions.create(model="gpt-4o", messages=ask).choices[0].message.content
        == "Yes, runtime."
    )
    assert "rt-answer" in [f["id"] for f in control(server, "GET", "/fixtures").json()["fixtures"]]
    assert control(server, "DELETE", "/fixtures/rt-answer").status == 200
    assert control(server, "DELETE", "/fixtures/rt-answer").status == 404
    assert (
        client.chat.completions.create(model="gpt-4o", messages=ask).choices[0].message.content
        != "Yes, runtime."
    )


def test_runtime_fixture_overrides_file_fixture(server, key):
    document = {
        "fixtures": [
            {
                "id": "rt-hello",
                "match": {"last_user": {"equals": "Hello!"}},
                "reply": {"content": "Overridden."},
            }
        ]
    }
    control(server, "POST", "/fixtures", json=document)
    try:
        reply = FAMILY[0].client(server, key).chat.completions.create(model="gpt-4o", messages=HELLO)
        assert reply.choices[0].message.content == "Overridden."
    finally:
        control(server, "DELETE", "/fixtures/rt-hello")


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        (
            {"fixtures": [{"id": "x", "reply": {"content": "a", "finish": "done"}}]},
            "/fixtures/0/reply/finish",
        ),
        ({"fixtures": [{"reply": {"content": "a"}}]}, "/fixtures/0"),
        (
            {"fixtures": [{"id": "x", "match": {"last_user": {"regex": "("}}, "reply": {"content": "a"}}]},
            "/fixtures/0/match/last_user/regex",
        ),
    ],
)
def test_invalid_runtime_fixtures_get_json_pointer_problems(server, document, pointer):
    response = control(server, "POST", "/fixtures", json=document)
    assert response.status == 400
    problems = response.json()["error"]["problems"]
    assert any(p.startswith(pointer) for p in problems), problems


def test_admin_rejects_malformed_bodies(server):
    assert (
        control(
            server, "POST", "/fixtures", data=b"{nope", headers={"Content-Type": "application/json"}
        ).status
        == 400
    )
    assert control(server, "POST", "/fixtures", json={"something": []}).status == 400
    assert (
        control(
            server, "POST", "/scenarios", json={"scenarios": [{"name": "x", "latency": {"ttft_ms": -1}}]}
        ).status
        == 400
    )


def test_runtime_scenarios_and_server_switch(server, key):
    added = control(
        server,
        "POST",
        "/scenarios",
        json={"scenarios": [{"name": "rt-down", "steps": [{"error": "server_error"}]}]},
    )
    assert added.status == 201
    assert "rt-down" in control(server, "GET", "/scenarios").json()["scenarios"]
    assert control(server, "PUT", "/scenario", json={"name": "rt-down"}).json() == {"active": "rt-down"}
    try:
        with pytest.raises(openai.InternalServerError):
            FAMILY[0].client(server, key).chat.completions.create(model="gpt-4o", messages=HELLO)
    finally:
        control(server, "PUT", "/scenario", json={"name": None})
    assert FAMILY[0].client(server, key).chat.completions.create(model="gpt-4o", messages=HELLO).choices
    assert control(server, "PUT", "/scenario", json={"name": "no-such"}).status == 404


def test_session_bound_scenario(server, key):
    assert control(server, "PUT", f"/sessions/{key}/scenario", json={"name": "err-rate_limit"}).status == 200
    with pytest.raises(openai.RateLimitError):
        FAMILY[0].client(server, key).chat.completions.create(model="gpt-4o", messages=HELLO)
    FAMILY[0].client(server, key + "-other").chat.completions.create(
        model="gpt-4o", messages=HELLO
    )  # unaffected
    control(server, "PUT", f"/sessions/{key}/scenario", json={"name": None})
    FAMILY[0].client(server, key).chat.completions.create(model="gpt-4o", messages=HELLO)


@pytest.mark.parametrize("family", FAMILY, ids=[f.name for f in FAMILY])
def test_strict_mode_names_the_near_misses(make_server, key, family):
    live = make_server(strict=True)
    ask = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What's the weather like?"}]}
    response = rawhttp.post(family.chat_url(live), json=ask, headers=family.auth_headers(key))
    assert response.status == 404
    body = response.json()
    message = body["message"] if family.wrapped else body["error"]["message"]
    assert message.startswith("No fixture matches this request. Closest: ")
    assert "'weather-tool-call' (tool: expected offers tool 'get_weather')" in message
    (entry,) = journal(live, f"?session={key}")
    assert entry["status"] == 404 and entry["fixture"] is None


def test_admin_token_guards_the_control_api(make_server):
    live = make_server(admin_token="s3cret")
    assert control(live, "GET", "/health").status == 200
    assert control(live, "GET", "/requests").status == 401
    assert control(live, "GET", "/requests", headers={"X-Mock-Admin-Token": "wrong"}).status == 401
    assert control(live, "GET", "/requests", headers={"X-Mock-Admin-Token": "s3cret"}).status == 200


def test_runtime_scenario_delete(server):
    control(server, "POST", "/scenarios", json={"scenarios": [{"name": "rt-temp", "steps": ["ok"]}]})
    assert control(server, "DELETE", "/scenarios/rt-temp").status == 200
    assert "rt-temp" not in control(server, "GET", "/scenarios").json()["scenarios"]
    assert control(server, "DELETE", "/scenarios/flaky").status == 404  # from a file: not removable


STRICT_ASKS = [
    (
        "anthropic",
        "/anthropic/v1/messages",
        {"x-api-key": "k", "anthropic-version": "2023-06-01"},
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 50,
            "messages": [{"role": "user", "content": "What's the weather like?"}],
        },
        lambda body: body["error"]["message"],
    ),
    (
        "gemini",
        "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
        {"x-goog-api-key": "k"},
        {"contents": [{"role": "user", "parts": [{"text": "What's the weather like?"}]}]},
        lambda body: body["error"]["message"],
    ),
    (
        "responses",
        "/openai/v1/responses",
        {"Authorization": "Bearer k"},
        {"model": "gpt-4o", "input": "What's the weather like?"},
        lambda body: body["error"]["message"],
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "headers", "body", "message_of"), STRICT_ASKS, ids=[a[0] for a in STRICT_ASKS]
)
def test_strict_mode_near_misses_on_other_apis(make_server, name, path, headers, body, message_of):
    live = make_server(strict=True)
    response = rawhttp.post(live.url + path, json=body, headers=headers)
    assert response.status == 404
    message = message_of(response.json())
    assert message.startswith("No fixture matches this request. Closest: ")
    assert "'weather-tool-call' (tool: expected offers tool 'get_weather')" in message
