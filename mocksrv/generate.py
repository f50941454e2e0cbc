"""Deterministic generated replies for requests that no fixture matches.

The same request and seed always give the same reply: text from a seeded Faker, tool-call
arguments and structured output built from the JSON Schema the request supplied
(mocksrv/schema_gen). Every answer is bounded: a schema asking for more than the answer's
budget is cut there and ends with a `length` finish, as a model that reaches its limit does.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from faker import Faker

from .errors import MockError
from .model import ErrorKind, Reply, ToolCall, ToolSpec, Turn
from .schema_gen import Budget, instance_of, schema_problem

# Bounds on one generated answer (docs/hardening.md). A real model stops at its output limit;
# these stand in for it when the request sets none, and cap what a request may set.
DEFAULT_MAX_TOKENS = 4096  # the answer's token budget when the request gives no max_tokens
BYTES_PER_TOKEN = 16  # bytes a token may stand for: the byte budget is max_tokens times this
MAX_ANSWER_BYTES = 256 * 1024  # whatever max_tokens says
MAX_REQUEST_BYTES = 1024 * 1024  # all `n` answers of one request together
MAX_ANSWER_NODES = 10_000  # JSON values built for one answer (loop time)
MAX_REQUEST_NODES = 20_000  # ... and for all `n` answers of one request together
_faker = Faker()


def seed_for(*parts: Any) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def conversation_key(turn: Turn) -> int:
    """What a generated reply depends on: the conversation, not its transport or dialect.

    The same model, messages, tools and output format give the same reply on every dialect,
    streamed or not.
    """
    tools = [(t.name, json.dumps(t.parameters, sort_keys=True)) for t in turn.tools]
    schema = json.dumps(turn.response_schema, sort_keys=True)
    return seed_for(turn.model, turn.messages, tools, turn.json_mode, schema)


# Endpoints whose answer is computed from the inputs at render time, not generated text.
NO_TEXT_ENDPOINTS = frozenset({"embeddings", "moderations"})


def generate_reply(turn: Turn, seed: int, choice: int = 0) -> Reply:
    if turn.endpoint in NO_TEXT_ENDPOINTS:
        return Reply(None)
    if choice == 0:  # once per request: the schemas are the same for every choice
        check_schemas(turn)
    rng = random.Random(seed + choice)
    _faker.seed_instance(seed + choice)
    tool = _tool_to_call(turn)
    if tool is not None:
        arguments, cut = _json_for(tool.parameters or {"type": "object"}, rng, turn)
        if cut:  # a call the model never finished is not emitted (as shaping.limit_reply does)
            return Reply("", None, (), "length")
        call_id = f"call_{hashlib.sha256(f'{seed}/{choice}'.encode()).hexdigest()[:24]}"
        # A thinking model reasons before it calls: the reasoning a client must pass back.
        reasoning = _faker.sentence(nb_words=12) if turn.show_reasoning else None
        return Reply(None, reasoning, (ToolCall(call_id, tool.name, arguments),), "tool_calls")
    if turn.response_schema is not None:
        text, cut = _json_for(turn.response_schema, rng, turn)
        return Reply(text, None, (), "length" if cut else "stop")
    if turn.json_mode:
        return Reply(json.dumps({"answer": _faker.sentence(nb_words=8)}))
    content = _faker.paragraph(nb_sentences=rng.randint(2, 4))
    reasoning = _faker.sentence(nb_words=12) if turn.show_reasoning else None  # after: same content
    return Reply(content, reasoning)


def answer_budget(turn: Turn) -> Budget:
    """One answer's share of the request's budget: bytes from max_tokens, capped, split over n."""
    asked = turn.max_tokens
    tokens = asked if isinstance(asked, int) and asked > 0 else DEFAULT_MAX_TOKENS
    answers = max(turn.n, 1) if isinstance(turn.n, int) else 1
    size = min(tokens * BYTES_PER_TOKEN, MAX_ANSWER_BYTES, MAX_REQUEST_BYTES // answers)
    return Budget(nodes=min(MAX_ANSWER_NODES, MAX_REQUEST_NODES // answers), bytes=max(size, 16))


def _json_for(schema: Any, rng: random.Random, turn: Turn) -> tuple[str, bool]:
    """JSON text valid against `schema`, or its start when the budget ran out (then True)."""
    budget = answer_budget(turn)
    limit = budget.bytes
    value = instance_of(schema, rng, budget, lambda: _faker.sentence(nb_words=4).rstrip("."))
    text = json.dumps(value)
    if not budget.cut:
        return text, False
    return text[: min(limit, len(text) - 1)], True  # cut where the budget ran out: never whole


def check_schemas(turn: Turn) -> None:
    """A schema that is not a JSON Schema is the request's fault: 400, as the providers answer."""
    name = turn.extras.get("schema_name") or "response"
    named: list[tuple[str, str | None, Any]] = [
        (f"response_format '{name}'", "response_format", turn.response_schema)
    ]
    named += [(f"function '{tool.name}'", None, tool.parameters) for tool in turn.tools]
    for where, param, schema in named:
        problem = schema_problem(schema) if schema is not None else None
        if problem is not None:
            raise MockError(ErrorKind.BAD_REQUEST, f"Invalid schema for {where}: {problem}", param=param)


def _tool_to_call(turn: Turn) -> ToolSpec | None:
    """Call a tool when offered and allowed, unless the last message already is a tool result."""
    choice = turn.extras.get("tool_choice")
    if not turn.tools or choice == "none" or (turn.messages and turn.messages[-1].role == "tool"):
        return None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name") or choice.get("name")
        for tool in turn.tools:
            if tool.name == wanted:
                return tool
    return turn.tools[0]
