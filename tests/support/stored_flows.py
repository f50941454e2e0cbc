"""Stateful Responses flows through the openai SDK, shared by the one-process and Redis tests.

Each flow takes `clients`: openai clients on one or more servers (a flow alternates between
them, so with two processes on one Redis every step crosses processes) and `control`: a
function (method, path, json) -> parsed JSON of the control API. Every body the server sends
is checked against the official OpenAPI schema of its operation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import openai
import pytest
from official_spec import official_validator

Control = Callable[..., Any]
MODEL = "gpt-4o"
CODEWORD = "The codeword is PLUM."


def checked(schema: str, model: Any) -> Any:
    """The SDK object's wire body, validated against the official schema."""
    official_validator(schema).validate(model.model_dump(mode="json", exclude_unset=True))
    return model


def codeword_fixture(control: Control) -> str:
    token = uuid.uuid4().hex[:8]
    fixture = {
        "id": f"codeword-{token}",
        "match": {
            "system": {"contains": f"secret {token}"},
            "last_user": {"equals": "What is the codeword?"},
        },
        "reply": {"content": CODEWORD},
    }
    control("POST", "/fixtures", {"fixtures": [fixture]})
    return token


def three_turn_chain(clients: list[openai.OpenAI], control: Control) -> list[str]:
    """Only turn 1 holds the fact the fixture matches on; turn 3 is answered from it."""
    token = codeword_fixture(control)
    first = [
        {"role": "developer", "content": f"You keep a secret {token}."},
        {"role": "user", "content": "Remember it."},
    ]
    one = checked("Response", clients[0].responses.create(model=MODEL, input=first))
    two = clients[1 % len(clients)].responses.create(
        model=MODEL, input="Thanks.", previous_response_id=one.id
    )
    three = clients[0].responses.create(
        model=MODEL, input="What is the codeword?", previous_response_id=two.id
    )
    checked("Response", three)
    assert (two.previous_response_id, three.previous_response_id) == (one.id, two.id)
    assert three.output_text == CODEWORD
    alone = clients[0].responses.create(model=MODEL, input="What is the codeword?")
    assert alone.output_text != CODEWORD  # without the chain the fact is not there
    return [one.id, two.id, three.id]


def retrieve_list_delete(clients: list[openai.OpenAI]) -> None:
    a, b = clients[0], clients[-1]
    made = a.responses.create(
        model=MODEL, input=[{"role": "user", "content": "Hello there"}], metadata={"k": "v"}
    )
    got = checked("Response", b.responses.retrieve(made.id))
    assert (got.id, got.status, got.output_text, got.metadata) == (
        made.id,
        "completed",
        made.output_text,
        {"k": "v"},
    )
    items = checked("ResponseItemList", b.responses.input_items.list(made.id))
    assert [(i.type, i.role, i.content[0].text) for i in items.data] == [("message", "user", "Hello there")]
    assert items.first_id == items.last_id == items.data[0].id and items.has_more is False
    a.responses.delete(made.id)
    with pytest.raises(openai.NotFoundError):
        b.responses.retrieve(made.id)
    with pytest.raises(openai.BadRequestError) as caught:
        b.responses.create(model=MODEL, input="again", previous_response_id=made.id)
    assert caught.value.body == {
        "message": f"Previous response with id '{made.id}' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


def background_runs(clients: list[openai.OpenAI], control: Control) -> None:
    """queued -> in_progress -> completed on the mocksrv clock; another one cancelled."""
    a, b = clients[0], clients[-1]
    run = checked(
        "Response", a.responses.create(model=MODEL, input="Work in the background.", background=True)
    )
    assert (run.status, run.background, run.output) == ("queued", True, [])
    seen = [b.responses.retrieve(run.id).status]
    for _ in range(2):
        control("POST", "/clock", {"advance_s": 1.0})
        seen.append(checked("Response", b.responses.retrieve(run.id)).status)
    assert seen == ["queued", "in_progress", "completed"]
    done = a.responses.retrieve(run.id)
    assert done.output_text and done.completed_at is not None
    other = a.responses.create(model=MODEL, input="Work in the background.", background=True)
    cancelled = checked("Response", b.responses.cancel(other.id))
    assert cancelled.status == "cancelled"
    control("POST", "/clock", {"advance_s": 10.0})
    assert a.responses.retrieve(other.id).status == "cancelled"  # stays cancelled past its end
    assert a.responses.cancel(run.id).status == "completed"  # a finished run is not cancelled


def conversation_across_two(clients: list[openai.OpenAI], control: Control) -> str:
    a, b = clients[0], clients[-1]
    token = codeword_fixture(control)
    conversation = checked("ConversationResource", a.conversations.create(metadata={"topic": "secrets"}))
    first = [
        {"role": "developer", "content": f"You keep a secret {token}."},
        {"role": "user", "content": "Hi."},
    ]
    one = a.responses.create(model=MODEL, input=first, conversation=conversation.id)
    assert one.conversation.id == conversation.id
    two = b.responses.create(model=MODEL, input="What is the codeword?", conversation=conversation.id)
    assert two.output_text == CODEWORD
    items = checked("ConversationItemList", b.conversations.items.list(conversation.id, order="asc"))
    roles = [i.role for i in items.data]
    assert roles == ["developer", "user", "assistant", "user", "assistant"]
    assert items.data[-1].content[0].text == CODEWORD
    item = checked(
        "ConversationItem", a.conversations.items.retrieve(items.data[1].id, conversation_id=conversation.id)
    )
    assert item.id == items.data[1].id
    updated = b.conversations.update(conversation.id, metadata={"topic": "done"})
    assert checked("ConversationResource", updated).metadata == {"topic": "done"}
    return conversation.id
