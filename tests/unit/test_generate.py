"""generate: the same conversation gives the same reply; answers stay within their budget."""

from __future__ import annotations

import json

from mocksrv.generate import answer_budget, conversation_key, generate_reply
from mocksrv.model import Message, Turn


def turn(text: str = "Tell me a story", **fields) -> Turn:
    return Turn(dialect="openai", model="gpt-4o", messages=(Message("user", text),), **fields)


def test_same_conversation_same_reply_on_every_dialect_and_transport():
    key = conversation_key(turn())
    assert conversation_key(turn(stream=True)) == key
    assert conversation_key(Turn("anthropic", "gpt-4o", (Message("user", "Tell me a story"),))) == key
    assert conversation_key(turn("Another story")) != key
    assert generate_reply(turn(), key) == generate_reply(turn(), key)
    assert generate_reply(turn(), key).content != generate_reply(turn(), key, choice=1).content


def test_json_mode_and_schema_answers_are_json():
    assert "answer" in json.loads(generate_reply(turn(json_mode=True), 7).content)
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert isinstance(json.loads(generate_reply(turn(response_schema=schema), 7).content)["n"], int)


def test_budget_follows_max_tokens_and_is_split_over_n():
    small, large = answer_budget(turn(max_tokens=10)), answer_budget(turn(max_tokens=10_000))
    assert small.bytes < large.bytes
    assert answer_budget(turn(max_tokens=10_000, n=4)).bytes <= large.bytes
    assert answer_budget(turn(max_tokens=10_000, n=4)).nodes < large.nodes


def test_a_huge_schema_answer_is_cut_with_a_length_finish():
    schema = {"type": "string", "minLength": 1_000_000}
    reply = generate_reply(turn(response_schema=schema, max_tokens=16), 1)
    assert reply.finish == "length" and len(reply.content or "") <= answer_budget(turn(max_tokens=16)).bytes
