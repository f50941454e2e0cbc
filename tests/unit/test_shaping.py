"""shaping: stop sequences, max_tokens and shown reasoning, as pure functions of turn and replies."""

from __future__ import annotations

from mocksrv.model import Message, Reply, ToolCall, Turn
from mocksrv.shaping import limit_reply, shape, stop_at


def turn(**fields) -> Turn:
    return Turn(dialect="openai", model="gpt-4o", messages=(Message("user", "Hi"),), **fields)


def test_stop_at_cuts_before_the_earliest_stop_and_drops_later_tool_calls():
    reply = Reply("one two END three STOP", None, (ToolCall("c1", "f", "{}"),), "tool_calls")
    cut = stop_at(reply, ("STOP", "END"))
    assert (cut.content, cut.finish, cut.stop_sequence, cut.tool_calls) == ("one two ", "stop", "END", ())


def test_stop_at_leaves_a_reply_without_the_stop_alone():
    reply = Reply("nothing to see")
    assert stop_at(reply, ("STOP",)) is reply
    assert stop_at(reply, ()) is reply


def test_limit_reply_cuts_text_with_a_length_finish():
    reply = Reply("a b c d e f g h")
    cut = limit_reply(reply, 3)
    assert cut.finish == "length" and cut.output_tokens == 3
    assert reply.content.startswith(cut.content)
    assert limit_reply(reply, 1000) is reply and limit_reply(reply, None) is reply


def test_reasoning_spends_the_budget_first():
    reply = Reply("a b c d", "r1 r2 r3")
    cut = limit_reply(reply, 3)
    assert cut.finish == "length" and cut.content == ""
    assert cut.reasoning == reply.reasoning


def test_shape_hides_reasoning_unless_shown_or_silent():
    reply = Reply("answer", "thought")
    hidden, _ = shape(turn(silent_reasoning=False), [reply])
    shown, _ = shape(turn(show_reasoning=True), [reply])
    assert hidden[0].reasoning is None and shown[0].reasoning == "thought"


def test_shape_counts_usage_of_every_choice():
    choices, usage = shape(turn(n=2), [Reply("a b"), Reply("c d e")])
    assert len(choices) == 2
    assert usage.completion_tokens == sum(c.output_tokens for c in choices)
    assert usage.prompt_tokens == turn().prompt_tokens
