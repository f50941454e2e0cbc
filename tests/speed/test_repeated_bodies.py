"""A body sent again and again (a load test) is answered from what was decided for it before
(mocksrv/fast/decided.py), and the very same request with its last whole answer (answered.py), but
never past a change that could decide it otherwise: run-time fixtures, scenarios and models,
session and server bindings, a header or query string, another key, a reset."""

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


# The whole answer (mocksrv/fast/answered.py): kept for the very same request, never past a
# header, a query string, the caller, the model table or the state deciding it otherwise.


def test_every_repeated_answer_is_journaled_and_billed(live):
    control(live, "DELETE", "/requests")
    sent = [ask(live, "sk-a", **{"X-Mock-Session": "billed"}) for _ in range(6)]
    assert {r.status for r in sent} == {200} and len({r.json()["id"] for r in sent}) == 6
    journal = rawhttp.control(live.url, "GET", "/requests?session=billed").json()
    entries = journal["requests"] if isinstance(journal, dict) else journal
    assert len(entries) == 6 and all(e["usage"] == entries[0]["usage"] for e in entries)
    totals = rawhttp.control(live.url, "GET", "/usage?session=billed").json()["totals"]
    usage = sent[0].json()["usage"]
    assert totals["requests"] == 6
    assert totals["input_tokens"] == 6 * usage["prompt_tokens"]
    assert totals["output_tokens"] == 6 * usage["completion_tokens"]


def test_a_header_the_pipeline_reads_decides_again(live):
    body = {"model": "gpt-none-such", "messages": BODY["messages"]}
    plain = {"Authorization": "Bearer sk-a"}
    strict = {**plain, "X-Mock-Known-Models": "1"}
    sent = (plain, plain, strict, plain)
    statuses = [rawhttp.post(live.url + PATH, json=body, headers=h).status for h in sent]
    assert statuses == [200, 200, 404, 200]


def test_a_model_added_at_run_time_applies_to_the_repeated_body(live):
    body = {"model": "acme-small", "max_tokens": 5000, "messages": BODY["messages"]}
    headers = {"Authorization": "Bearer sk-a"}
    assert [rawhttp.post(live.url + PATH, json=body, headers=headers).status for _ in range(2)] == [200, 200]
    model = {"id": "acme-small", "family": "openai", "context_window": 8192, "max_output_tokens": 1024}
    control(live, "POST", "/models", {"models": [model]})
    refused = rawhttp.post(live.url + PATH, json=body, headers=headers)
    assert refused.status == 400 and "max_tokens" in refused.text


def test_the_answer_is_the_callers_own(make_server):
    live = make_server(api_keys=frozenset({"sk-good"}))
    good = {"Authorization": "Bearer sk-good"}
    assert [rawhttp.post(live.url + PATH, json=BODY, headers=good).status for _ in range(2)] == [200, 200]
    assert rawhttp.post(live.url + PATH, json=BODY, headers={"Authorization": "Bearer sk-bad"}).status == 401


def test_a_query_string_is_an_input(make_server):
    live = make_server(api_keys=frozenset({"gm-good"}))
    path = "/gemini/v1beta/models/gemini-2.5-flash:generateContent?key="
    body = {"contents": [{"role": "user", "parts": [{"text": "repeated body under load"}]}]}
    answers = [rawhttp.post(live.url + path + key, json=body) for key in ("gm-good", "gm-good", "gm-bad")]
    assert [a.status for a in answers] == [200, 200, 400]  # Google's API_KEY_INVALID is a 400
    assert answers[2].json()["error"]["status"] == "INVALID_ARGUMENT" and "API key" in answers[2].text
