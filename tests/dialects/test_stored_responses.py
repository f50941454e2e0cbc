"""Stateful Responses on one server: chains, retrieval, background runs, resumed streams, conversations."""

from __future__ import annotations

import json
import uuid

import openai
import pytest
import requests
from stored_flows import (
    MODEL,
    background_runs,
    checked,
    conversation_across_two,
    retrieve_list_delete,
    three_turn_chain,
)

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

LONG = " ".join(f"word{i}" for i in range(30)) + "."
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture(scope="module")
def live():
    with MockServer(ServerConfig(port=0)) as server:
        yield server


def control_of(server: MockServer):
    def control(method: str, path: str, body=None):
        answer = requests.request(method, f"{server.url}/_mock{path}", json=body, timeout=10)
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else None

    return control


def client(server: MockServer, base: str = "/openai/v1", **headers: str) -> openai.OpenAI:
    key = f"sk-{uuid.uuid4().hex[:12]}"
    return openai.OpenAI(base_url=server.url + base, api_key=key, max_retries=0, default_headers=headers)


@pytest.mark.parametrize("base", ["/openai/v1", "/maisi/v1", "/mountsea/chat", "/mountsea/chat/v1"])
def test_a_three_turn_chain_is_answered_on_its_first_turn(live, base):
    ids = three_turn_chain([client(live, base)], control_of(live))
    entries = [e for e in control_of(live)("GET", "/requests")["requests"] if e["stored"] in ids]
    assert [(e["stored"], e["continues"]) for e in entries] == [
        (ids[0], None),
        (ids[1], ids[0]),
        (ids[2], ids[1]),
    ]


def test_a_tool_result_sent_alone_is_matched_with_the_call_before_it(live):
    token = uuid.uuid4().hex[:8]
    ask = f"Weather in Paris {token}?"
    control_of(live)(
        "POST",
        "/fixtures",
        {
            "fixtures": [
                {
                    "id": f"call-{token}",
                    "match": {"last_user": {"equals": ask}, "tool_result": False},
                    "reply": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
                },
                {
                    "id": f"after-{token}",
                    "match": {"last_user": {"equals": ask}, "tool_result": True},
                    "reply": {"content": "It is sunny in Paris."},
                },
            ]
        },
    )
    c = client(live)
    first = c.responses.create(model=MODEL, input=ask, tools=[WEATHER])
    call = next(item for item in first.output if item.type == "function_call")
    output = [{"type": "function_call_output", "call_id": call.call_id, "output": '{"sky": "clear"}'}]
    second = c.responses.create(model=MODEL, input=output, tools=[WEATHER], previous_response_id=first.id)
    assert second.output_text == "It is sunny in Paris."


def test_retrieve_list_input_items_delete_then_chaining_is_a_400(live):
    retrieve_list_delete([client(live)])


def test_store_false_is_not_kept_and_cannot_be_chained(live):
    c = client(live)
    made = c.responses.create(model=MODEL, input="not kept", store=False)
    assert made.store is False
    with pytest.raises(openai.NotFoundError):
        c.responses.retrieve(made.id)
    with pytest.raises(openai.BadRequestError) as caught:
        c.responses.create(model=MODEL, input="x", previous_response_id=made.id)
    assert caught.value.code == "previous_response_not_found"


def test_input_items_are_paginated(live):
    c = client(live)
    made = c.responses.create(model=MODEL, input=[{"role": "user", "content": f"m{i}"} for i in range(5)])
    first = c.responses.input_items.list(made.id, limit=2, order="asc")
    assert [i.content[0].text for i in first.data] == ["m0", "m1"] and first.has_more
    rest = c.responses.input_items.list(made.id, limit=10, order="asc", after=first.last_id)
    assert [i.content[0].text for i in rest.data] == ["m2", "m3", "m4"] and not rest.has_more
    newest = c.responses.input_items.list(made.id, limit=1)  # order defaults to desc
    assert newest.data[0].content[0].text == "m4"
    with pytest.raises(openai.BadRequestError):
        c.responses.input_items.list(made.id, limit=1000)


def test_background_runs_move_on_the_clock_and_cancel(live):
    background_runs([client(live)], control_of(live))


def test_a_scripted_error_step_ends_a_background_run_failed(live):
    name = f"fail-{uuid.uuid4().hex[:6]}"
    control_of(live)(
        "POST", "/scenarios", {"scenarios": [{"name": name, "steps": [{"error": "server_error"}]}]}
    )
    c = client(live, **{"X-Mock-Scenario": name})
    run = c.responses.create(model=MODEL, input="doomed", background=True)
    assert run.status == "queued"
    control_of(live)("POST", "/clock", {"advance_s": 5})
    ended = checked("Response", c.responses.retrieve(run.id))
    assert ended.status == "failed" and ended.error.code == "server_error"


def test_a_dropped_stream_resumes_after_its_last_event_to_the_full_text(live):
    token = uuid.uuid4().hex[:8]
    control = control_of(live)
    control(
        "POST",
        "/fixtures",
        {
            "fixtures": [
                {"id": f"long-{token}", "match": {"last_user": {"equals": token}}, "reply": {"content": LONG}}
            ]
        },
    )
    control(
        "POST", "/scenarios", {"scenarios": [{"name": f"drop-{token}", "stream": {"disconnect_after": 9}}]}
    )
    dropping = client(live, **{"X-Mock-Scenario": f"drop-{token}"})
    received, response_id, last = [], None, -1
    with pytest.raises(openai.APIConnectionError):  # the connection ends mid-stream
        for event in dropping.responses.create(model=MODEL, input=token, stream=True):
            checked("ResponseStreamEvent", event)
            last = event.sequence_number
            response_id = response_id or event.response.id
            if event.type == "response.output_text.delta":
                received.append(event.delta)
    assert response_id and 0 < len(received) < len(LONG.split())
    resumed = dropping.responses.retrieve(response_id, stream=True, starting_after=last)
    events = list(resumed)
    assert events[0].sequence_number == last + 1 and events[-1].type == "response.completed"
    received += [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(received) == LONG == dropping.responses.retrieve(response_id).output_text


def test_a_background_stream_is_numbered_and_replays_whole(live):
    c = client(live)
    events = list(c.responses.create(model=MODEL, input="stream it", background=True, stream=True))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].response.background is True and events[-1].type == "response.completed"
    replayed = list(c.responses.retrieve(events[0].response.id, stream=True))
    assert [e.model_dump() for e in replayed] == [e.model_dump() for e in events]


def test_encrypted_reasoning_comes_back_and_a_tampered_one_is_refused(live):
    token = uuid.uuid4().hex[:8]
    control_of(live)(
        "POST",
        "/fixtures",
        {
            "fixtures": [
                {
                    "id": f"think-{token}",
                    "match": {"last_user": {"equals": token}},
                    "reply": {"content": "391", "reasoning": "17*23=391"},
                }
            ]
        },
    )
    c = client(live)
    made = c.responses.create(
        model="o4-mini", input=token, store=False, include=["reasoning.encrypted_content"]
    )
    reasoning = next(item for item in made.output if item.type == "reasoning")
    assert reasoning.encrypted_content
    sent = reasoning.model_dump(mode="json", exclude_none=True)
    follow = [{"role": "user", "content": token}, sent, {"role": "user", "content": "and again?"}]
    assert c.responses.create(model="o4-mini", input=follow, store=False).status == "completed"
    plain = c.responses.create(model="o4-mini", input=token, store=False)
    assert all(getattr(item, "encrypted_content", None) is None for item in plain.output)
    tampered = {**sent, "encrypted_content": sent["encrypted_content"][:-6] + "AAAAAA"}
    with pytest.raises(openai.BadRequestError) as caught:
        c.responses.create(model="o4-mini", input=[tampered, {"role": "user", "content": "x"}], store=False)
    assert caught.value.body["code"] == "invalid_encrypted_content"
    stored = c.responses.create(model="o4-mini", input=token)
    again = c.responses.retrieve(stored.id, include=["reasoning.encrypted_content"])
    assert (
        next(i for i in again.output if i.type == "reasoning").encrypted_content
        == reasoning.encrypted_content
    )
    assert (
        next(i for i in c.responses.retrieve(stored.id).output if i.type == "reasoning").encrypted_content
        is None
    )


def test_a_conversation_across_two_responses(live):
    conversation = conversation_across_two([client(live)], control_of(live))
    c = client(live)
    items = c.conversations.items.list(conversation, order="asc").data
    left = c.conversations.items.delete(items[0].id, conversation_id=conversation)
    assert checked("ConversationResource", left).id == conversation
    assert len(c.conversations.items.list(conversation).data) == len(items) - 1
    added = c.conversations.items.create(conversation, items=[{"role": "user", "content": "More."}])
    assert checked("ConversationItemList", added).data[0].content[0].text == "More."
    deleted = c.conversations.delete(conversation)
    assert checked("DeletedConversationResource", deleted).deleted is True
    with pytest.raises(openai.NotFoundError):
        c.conversations.retrieve(conversation)
    with pytest.raises(openai.BadRequestError):
        c.responses.create(model=MODEL, input="x", conversation=conversation)


def test_retention_ends_with_thirty_days_on_the_clock(live):
    c = client(live)
    made = c.responses.create(model=MODEL, input="short-lived")
    control_of(live)("POST", "/clock", {"advance_s": 29 * 86400})
    assert c.responses.retrieve(made.id).id == made.id
    control_of(live)("POST", "/clock", {"advance_s": 2 * 86400})
    with pytest.raises(openai.NotFoundError):
        c.responses.retrieve(made.id)


def test_the_same_body_continuing_different_chains_gets_each_chain_answer(live):
    """A repeated body is remembered (decided.py): a chained one must not be answered from memory."""
    token = codeword = uuid.uuid4().hex[:8]
    control_of(live)(
        "POST",
        "/fixtures",
        {
            "fixtures": [
                {
                    "id": f"cw-{token}",
                    "match": {"system": {"contains": token}, "last_user": {"equals": "Which?"}},
                    "reply": {"content": codeword},
                }
            ]
        },
    )
    c = client(live)
    plain = c.responses.create(model=MODEL, input="Start.")
    with_fact = c.responses.create(
        model=MODEL, input=[{"role": "developer", "content": token}, {"role": "user", "content": "Start."}]
    )
    answers = [
        c.responses.create(model=MODEL, input="Which?", previous_response_id=r.id).output_text
        for r in (plain, with_fact, plain, with_fact)
    ]
    assert answers[1] == answers[3] == codeword and answers[0] == answers[2] != codeword


def test_raw_bodies_match_the_official_schemas(live):
    headers = {"Authorization": "Bearer sk-raw", "Content-Type": "application/json"}
    base = f"{live.url}/openai/v1"
    made = requests.post(
        f"{base}/responses", headers=headers, data=json.dumps({"model": MODEL, "input": "hi"})
    ).json()
    deleted = requests.delete(f"{base}/responses/{made['id']}", headers=headers)
    assert deleted.json() == {"id": made["id"], "object": "response", "deleted": True}
    missing = requests.get(f"{base}/responses/{made['id']}", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] is None
    assert requests.get(f"{base}/responses/x", headers={}).status_code == 401


def test_the_pytest_handle_deletes_what_its_test_stored(live):
    from mocksrv.pytest_plugin import MockSrv

    handle = MockSrv(live.url)
    mine = openai.OpenAI(base_url=handle.base_url("openai"), api_key=handle.api_key, max_retries=0)
    made = mine.responses.create(model=MODEL, input="kept until teardown")
    conversation = mine.conversations.create()
    others = client(live).responses.create(model=MODEL, input="someone else's")
    handle.close()
    with pytest.raises(openai.NotFoundError):
        mine.responses.retrieve(made.id)
    with pytest.raises(openai.NotFoundError):
        mine.conversations.retrieve(conversation.id)
    assert mine.responses.retrieve(others.id).id == others.id


def test_every_stored_endpoint_answers_its_documented_schema(live):
    """Each body against schemas/responses/<operation>.response, as /_mock/openapi.json says."""
    from mocksrv.dialects.openai.responses_routes import responses_routes
    from mocksrv.schemas import SchemaRegistry

    schemas, seen = SchemaRegistry(), set()
    headers = {"Authorization": "Bearer sk-schema"}
    base = f"{live.url}/openai/v1"

    def call(operation: str, method: str, path: str, body=None) -> dict:
        answer = requests.request(method, base + path, headers=headers, json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        name = schemas.for_operation("responses", operation, "response")
        schemas.validator(name).validate(answer.json())
        seen.add(operation)
        return answer.json()

    made = requests.post(f"{base}/responses", headers=headers, json={"model": MODEL, "input": "hi"}).json()
    run = requests.post(
        f"{base}/responses", headers=headers, json={"model": MODEL, "input": "x", "background": True}
    )
    call("response_get", "GET", f"/responses/{made['id']}")
    call("response_input_items", "GET", f"/responses/{made['id']}/input_items")
    call("response_cancel", "POST", f"/responses/{run.json()['id']}/cancel")
    call("response_delete", "DELETE", f"/responses/{made['id']}")
    conv = call(
        "conversation_create", "POST", "/conversations", {"items": [{"role": "user", "content": "a"}]}
    )
    one = f"/conversations/{conv['id']}"
    call("conversation_get", "GET", one)
    call("conversation_update", "POST", one, {"metadata": {"k": "v"}})
    added = call(
        "conversation_items_create", "POST", f"{one}/items", {"items": [{"role": "user", "content": "b"}]}
    )
    call("conversation_items", "GET", f"{one}/items")
    call("conversation_item_get", "GET", f"{one}/items/{added['first_id']}")
    call("conversation_item_delete", "DELETE", f"{one}/items/{added['first_id']}")
    call("conversation_delete", "DELETE", one)
    assert seen == {route.operation for route in responses_routes("/v1") if route.stored}


def test_reset_forgets_stored_responses_and_conversations(make_server):
    server = make_server()
    c = client(server)
    made, conversation = c.responses.create(model=MODEL, input="soon gone"), c.conversations.create()
    assert requests.post(f"{server.url}/_mock/reset", json={}, timeout=10).status_code == 200
    with pytest.raises(openai.NotFoundError):
        c.responses.retrieve(made.id)
    with pytest.raises(openai.NotFoundError):
        c.conversations.retrieve(conversation.id)
