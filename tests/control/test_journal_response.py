"""The journal keeps the answer too: a JSON body (bounded), or the stream's events with their times."""

from __future__ import annotations

import http.client
import json
import time
import uuid

import rawhttp


def ask(server, session: str, content: str = "Hello!", headers: dict | None = None, **body):
    return rawhttp.post(
        f"{server.base_url()}/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **body},
        headers={"Authorization": "Bearer sk-resp", "X-Mock-Session": session, **(headers or {})},
    )


def entry_of(server, session: str, seconds: float = 10) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = rawhttp.request("GET", f"{server.url}/_mock/requests?session={session}").json()["requests"]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no journal entry for {session}")


def new_session() -> str:
    return f"resp-{uuid.uuid4().hex[:10]}"


def test_json_answer_is_journaled_as_sent(server):
    session = new_session()
    answer = ask(server, session)
    entry = entry_of(server, session)
    assert entry["response"] == {"body": answer.json()}


def test_error_answer_is_journaled(server):
    session = new_session()
    answer = ask(server, session, headers={"X-Mock-Scenario": "err-overloaded"})
    assert answer.status == 503
    entry = entry_of(server, session)
    assert entry["response"]["body"] == answer.json()
    assert entry["faults"] == ["overloaded"]


def test_large_answers_are_bounded(make_server):
    live = make_server(journal_body_bytes=64)
    session = new_session()
    answer = ask(live, session)
    body = entry_of(live, session)["response"]["body"]
    assert body["truncated"] is True and body["bytes"] == len(answer.body)
    assert body["text"] == answer.body[:64].decode()


def test_stream_events_with_offsets(server):
    session = new_session()
    answer = ask(server, session, stream=True)
    entry = entry_of(server, session)
    events = entry["response"]["events"]
    assert len(events) == entry["events"] and entry["response"]["omitted"] == 0
    sent = [block.removeprefix("data: ") for block in answer.text.split("\n\n") if block]
    assert [e["data"] for e in events] == sent
    assert events[-1]["data"] == "[DONE]"
    # Unpaced streams go out in one write: every event shares its time.
    assert len({e["t_ms"] for e in events}) == 1
    assert 0 <= events[0]["t_ms"] <= entry["duration_ms"]


def text_of(chunk: dict) -> str:
    return "".join(c["delta"].get("content") or "" for c in chunk.get("choices", ()))


def test_paced_stream_events_carry_their_own_times(server):
    session = new_session()
    ask(server, session, stream=True, headers={"X-Mock-Scenario": "slow"})  # ttft 300 ms, 20 ms/token
    events = entry_of(server, session)["response"]["events"]
    offsets = [e["t_ms"] for e in events]
    assert offsets == sorted(offsets)
    content = [e for e in events if e["data"] != "[DONE]" and text_of(json.loads(e["data"]))]
    assert content[0]["t_ms"] >= 290
    assert content[-1]["t_ms"] - content[0]["t_ms"] >= 20 * (len(content) - 1) * 0.8


def test_stream_faults_are_journaled_as_written(server):
    session = new_session()
    answer = ask(server, session, stream=True, headers={"X-Mock-Scenario": "garbage"})
    events = entry_of(server, session)["response"]["events"]
    written = [block.removeprefix("data: ") for block in answer.text.split("\n\n") if block]
    assert [e["data"] for e in events] == written  # the broken event as it went out
    try:
        json.loads(events[2]["data"])
    except json.JSONDecodeError:
        pass
    else:
        raise AssertionError("event 2 should be the malformed one")


def test_long_streams_keep_the_first_events(server):
    session = new_session()
    words = " ".join(f"w{n}" for n in range(400))
    fixture = {
        "id": f"long-{session}",
        "match": {"last_user": {"equals": session}},
        "reply": {"content": words},
    }
    assert rawhttp.post(f"{server.url}/_mock/fixtures", json={"fixtures": [fixture]}).status == 201
    ask(server, session, session, stream=True)
    entry = entry_of(server, session)
    assert len(entry["response"]["events"]) == 200
    assert entry["response"]["omitted"] == entry["events"] - 200 > 0
    rawhttp.request("DELETE", f"{server.url}/_mock/fixtures/long-{session}")


def test_a_stream_the_client_left_keeps_what_was_sent(server):
    session = new_session()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "stream": True})
    headers = {
        "Authorization": "Bearer sk-resp",
        "X-Mock-Session": session,
        "X-Mock-Scenario": "slow-stream-forever",  # 500 ms between tokens
        "Content-Type": "application/json",
    }
    connection.request("POST", "/openai/v1/chat/completions", body=body, headers=headers)
    response = connection.getresponse()
    response.fp.readline()  # the first event is out
    connection.close()
    response.close()
    entry = entry_of(server, session)
    assert entry["ended_by"] == "client_disconnect"
    assert 1 <= len(entry["response"]["events"]) < 10
