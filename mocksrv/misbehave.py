"""Models that misbehave: a scenario's `misbehave:` turns a good reply into a bad one.

Each kind changes the canonical Reply only; every dialect then renders it the way its provider
sends that situation (a refusal is OpenAI's `refusal` field, Anthropic's `stop_reason:
refusal`, Gemini's `SAFETY` finish), streamed or not. Seeded: the same request, session and
position in the session misbehave the same way.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from .generate import seed_for
from .model import Reply, ToolCall, Turn

KINDS = (
    "refusal",
    "content_filter",
    "length",
    "schema_break",
    "unknown_tool",
    "bad_tool_json",
    "tool_schema_break",
    "empty",
    "loop",
)
REFUSAL_TEXT = "I'm sorry, but I can't help with that request."
LOOP_PHRASE = "I will now answer the question. "
LOOP_TIMES = 24
UNKNOWN_TOOL = "run_shell_command"
HEADER = "x-mocksrv-misbehaviour"


@dataclass(frozen=True)
class Misbehave:
    kinds: tuple[str, ...]
    rate: float = 1.0

    @classmethod
    def from_spec(cls, spec: Any) -> Misbehave | None:
        if not spec:
            return None
        if isinstance(spec, str):
            return cls((spec,))
        kinds = spec.get("kinds") or ((spec["kind"],) if "kind" in spec else KINDS)
        return cls(tuple(kinds), float(spec.get("rate", 1.0)))

    def decide(self, rng: random.Random) -> str | None:
        """The kind this answer shows, or None: a draw at the rate, then a draw of the kind."""
        if self.rate < 1.0 and rng.random() >= self.rate:
            return None
        return self.kinds[0] if len(self.kinds) == 1 else rng.choice(self.kinds)


def misbehave(kind: str, reply: Reply, turn: Turn) -> Reply:
    """`reply` as the model gets it wrong in the way `kind` names."""
    return _TRANSFORMS[kind](reply, turn)


def _refusal(reply: Reply, turn: Turn) -> Reply:
    return Reply(content=None, refusal=REFUSAL_TEXT, finish="refusal")


def _content_filter(reply: Reply, turn: Turn) -> Reply:
    """Cut short by the provider's filter: what was written so far, then the filter's finish."""
    text = reply.content or ""
    return Reply(content=text[: len(text) // 2] or None, finish="content_filter")


def _length(reply: Reply, turn: Turn) -> Reply:
    """max_tokens ran out in the middle of the answer: for JSON, in the middle of an object."""
    text = reply.content or _json_answer(turn)
    cut = max(1, len(text) // 2)
    if text.lstrip().startswith("{") and '"' in text[1:cut]:
        cut = text.index('"', 1) + 3  # inside the first key or value: never parseable
    return Reply(content=text[:cut], finish="length")


def _schema_break(reply: Reply, turn: Turn) -> Reply:
    """Valid JSON that breaks the requested schema: a required key gone, or a wrong type."""
    schema = turn.response_schema or {}
    try:
        answer = json.loads(reply.content or "")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    required = list(schema.get("required") or ())
    if required:
        answer.pop(required[0], None)
        if len(required) > 1:
            answer[required[-1]] = _wrong_type(answer.get(required[-1]))
    else:
        answer = {"result": [1, 2, 3]} if not answer else {k: _wrong_type(v) for k, v in answer.items()}
    return Reply(content=json.dumps(answer), finish="stop")


def _wrong_type(value: Any) -> Any:
    return [value] if isinstance(value, str) else "not-a-" + type(value).__name__


def _unknown_tool(reply: Reply, turn: Turn) -> Reply:
    call = ToolCall(_call_id(turn, "unknown"), UNKNOWN_TOOL, json.dumps({"command": "rm -rf /tmp/cache"}))
    return Reply(content=None, tool_calls=(call,), finish="tool_calls")


def _bad_tool_json(reply: Reply, turn: Turn) -> Reply:
    name = turn.tools[0].name if turn.tools else UNKNOWN_TOOL
    arguments = '{"query": "weather in Paris", "units": '  # cut: not JSON
    return Reply(
        content=None, tool_calls=(ToolCall(_call_id(turn, "json"), name, arguments),), finish="tool_calls"
    )


def _tool_schema_break(reply: Reply, turn: Turn) -> Reply:
    """Parseable arguments that break the tool's schema: required keys gone, an unknown key."""
    tool = turn.tools[0] if turn.tools else None
    name = tool.name if tool else UNKNOWN_TOOL
    required = list(((tool.parameters if tool else None) or {}).get("required") or ())
    arguments: dict[str, Any] = {"unexpected_argument": 42}
    if required[1:]:
        arguments[required[1]] = {"wrong": "type"}
    call = ToolCall(_call_id(turn, "schema"), name, json.dumps(arguments))
    return Reply(content=None, tool_calls=(call,), finish="tool_calls")


def _empty(reply: Reply, turn: Turn) -> Reply:
    return Reply(content="", finish="stop")


def _loop(reply: Reply, turn: Turn) -> Reply:
    return Reply(content=LOOP_PHRASE * LOOP_TIMES, finish="length")


def _json_answer(turn: Turn) -> str:
    keys = list(((turn.response_schema or {}).get("properties") or {"answer": {}}).keys())
    return json.dumps({key: "value of " + key for key in keys})


def _call_id(turn: Turn, salt: str) -> str:
    return "call_" + hashlib.blake2b(f"{turn.model}\x1f{salt}".encode(), digest_size=12).hexdigest()


_TRANSFORMS = {
    "refusal": _refusal,
    "content_filter": _content_filter,
    "length": _length,
    "schema_break": _schema_break,
    "unknown_tool": _unknown_tool,
    "bad_tool_json": _bad_tool_json,
    "tool_schema_break": _tool_schema_break,
    "empty": _empty,
    "loop": _loop,
}


def spec_of(selection: Any, choice: Any) -> tuple[str, Misbehave] | None:
    """(owner, spec): the selected scenario's misbehaviour, else the chosen fixture's."""
    if selection is not None and selection.scenario.misbehave is not None:
        return f"scenario:{selection.scenario.name}", selection.scenario.misbehave
    if choice is not None and choice.fixture.misbehave is not None:
        return f"fixture:{choice.fixture.id}", choice.fixture.misbehave
    return None


async def apply(
    services: Any,
    trace: Any,
    selection: Any,
    choice: Any,
    turn: Turn,
    replies: list[Reply],
    session: str,
    key: Any,
) -> list[Reply]:
    """The handler's one call: the replies as the scenario or fixture makes the model misbehave
    (named in the journal and the x-mocksrv-misbehaviour header), or as they were."""
    found = spec_of(selection, choice)
    if found is None:
        return replies
    owner, spec = found
    position = 0
    if spec.rate < 1 or len(spec.kinds) > 1:  # a draw per request of the session, not per body
        position = await services.state.advance(f"misbehave\x1f{session}\x1f{owner}")
    rng = random.Random(seed_for(services.config.seed, key(), session, owner, position))
    kind = spec.decide(rng)
    if kind is None:
        return replies
    trace.misbehaviour = kind
    trace.extra_headers[HEADER] = kind
    return [misbehave(kind, reply, turn) for reply in replies]
