"""A body sent again and again (a load test) is answered from what was decided for it before
(mocksrv/fast/decided.py), but never past a change that could decide it otherwise: run-time fixtures
and scenarios, session and server bindings, a scenario header, another key, a reset."""

from __future__ import annotations

import pytest
import rawhttp
from openai_family import FAMILY

from mocksrv.testing import MockServer

# One body for every request below: only the state and the headers around it change.
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "repeated body under load"}]}
PATH = "/openai/v1/chat/completions"


def ask(live: MockServer, key: str, **headers: str) -> rawhttp.RawResponse:
    return rawhttp.post(live.url + PATH, json=BODY, headers={"Authorization": f"Bearer {key}", **headers})


def answered_by(response: rawhttp.RawResponse) -> tuple[int, str | None]:
    return response.status, response.headers.get("x-mocksrv-fixture")


def control(live: MockServer, method: str, path: str, body: object | None = None) -> None:
    response = rawhttp.control(live.url, method, path, json=body)
    assert response.status < 300, response.text


def warm(live: MockServer, key: str, **headers: str) -> None:
    """Ask twice: the decision for this caller is made, then reused (one is kept per body)."""
    assert ask(live, key, **headers).status == ask(live, key, **headers).status == 200


@pytest.fixture
def live(make_server) -> MockServer:
    live = make_server()
    warm(live, "sk-a")
    return live


def test_repeated_body_is_answered_the_same_and_freshly(live):
    first, second = ask(live, "sk-a"), ask(live, "sk-a")
    assert answered_by(first) == answered_by(second) == (200, None)  # a generated reply
    assert first.json()["choices"] == second.json()["choices"]
    assert first.json()["id"] != second.json()["id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_runtime_fixture_takes_over_the_repeated_body(live):
    fixture = {"id": "takes-over", "match": {"last_user": {"contains": "repeated body"}}}
    control(
        live, "POST", "/fixtures", {"fixtures": [{**fixture, "reply": {"content": "from the new fixture"}}]}
    )
    response = ask(live, "sk-a")
    assert answered_by(response) == (200, "takes-over")
    assert response.json()["choices"][0]["message"]["content"] == "from the new fixture"
    control(live, "DELETE", "/fixtures/takes-over")
    assert answered_by(ask(live, "sk-a")) == (200, None)


def test_server_and_session_bindings_apply_to_the_repeated_body(live):
    control(live, "PUT", "/scenario", {"name": "err-overloaded"})
    assert ask(live, "sk-a").status == 503
    control(live, "PUT", "/scenario", {"name": None})
    assert ask(live, "sk-a").status == 200
    warm(live, "sk-b")
    control(live, "PUT", "/sessions/sk-b/scenario", {"name": "err-overloaded"})
    assert [ask(live, "sk-b").status, ask(live, "sk-a").status] == [503, 200]
    warm(live, "sk-a")
    control(live, "PUT", "/sessions/sk-a/scenario", {"name": "err-overloaded"})
    assert ask(live, "sk-a").status == 503
    control(live, "POST", "/reset")
    assert ask(live, "sk-a").status == 200


def test_a_scenario_header_or_a_bound_key_applies_to_the_repeated_body(live):
    """(The decision kept is sk-a's: a header, or another caller, must not reuse it.)"""
    assert ask(live, "sk-a", **{"X-Mock-Scenario": "err-overloaded"}).status == 503
    assert ask(live, "sk-bound-to-overloaded").status == 503  # tests/data/fixtures/scenarios.yaml
    assert ask(live, "sk-a").status == 200


def test_the_session_and_the_key_decide_together(live):
    control(live, "PUT", "/sessions/bound-session/scenario", {"name": "err-overloaded"})
    warm(live, "sk-a", **{"X-Mock-Session": "free-session"})
    assert ask(live, "sk-a", **{"X-Mock-Session": "bound-session"}).status == 503
    warm(live, "sk-a", **{"X-Mock-Session": "free-session"})
    assert ask(live, "sk-bound-to-overloaded", **{"X-Mock-Session": "free-session"}).status == 503


def test_a_sequenced_fixture_still_steps_for_the_repeated_body(live):
    replies = [{"content": "first"}, {"content": "second"}]
    fixture = {"id": "steps", "match": {"last_user": {"contains": "repeated body"}}, "replies": replies}
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    contents = [ask(live, "sk-a").json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert contents == ["first", "second", "second"]


def test_other_dialects_share_nothing(live):
    """The decision belongs to the body on its route: the same bytes elsewhere are decided there."""
    family = FAMILY[1]
    response = rawhttp.post(family.chat_url(live), json=BODY, headers=family.auth_headers("sk-a"))
    assert response.status == 200 and response.json()["choices"][0]["message"]["content"]
