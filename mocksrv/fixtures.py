"""Compiled fixtures: match predicates, canonical replies, and the near-miss explanation."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from .misbehave import Misbehave
from .model import Reply, ToolCall, Turn
from .patterns import compile_pattern
from .replay import RawReply, compile_raw

Predicate = Callable[[Turn], bool]


@dataclass(frozen=True)
class Rule:
    name: str
    test: Predicate
    expectation: str  # what the rule wanted, for near-miss messages


@dataclass(frozen=True)
class Step:
    """One entry of a fixture's `replies`: a canonical reply, or an error to answer with."""

    reply: Reply | None
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Fixture:
    id: str
    rules: tuple[Rule, ...]
    steps: tuple[Step, ...]
    latency: dict[str, Any] | None = None
    stream: dict[str, Any] | None = None
    raw: RawReply | None = None
    misbehave: Misbehave | None = None  # the model gets this fixture's answers wrong (misbehave.py)
    source: dict[str, Any] = field(default_factory=dict, compare=False)
    once: bool = False  # strict mode: each of `replies` answers once, then the fixture runs out

    def failed_rules(self, turn: Turn) -> list[Rule]:
        return [rule for rule in self.rules if not rule.test(turn)]

    def fits_dialect(self, turn: Turn) -> bool:
        """Written for this dialect and this kind of endpoint (else it is no near miss)."""
        return all(rule.test(turn) for rule in self.rules if rule.name in ("dialect", "endpoint"))

    def matches(self, turn: Turn) -> bool:
        return all(rule.test(turn) for rule in self.rules)

    @property
    def sequenced(self) -> bool:
        """Whether answering moves a per-session cursor."""
        return len(self.steps) > 1 or self.once


def _text_rule(name: str, spec: dict[str, str], pick: Callable[[Turn], str]) -> Rule:
    if "contains" in spec:
        needle = spec["contains"].lower()
        return Rule(name, lambda t: needle in pick(t).lower(), f"contains {spec['contains']!r}")
    if "equals" in spec:
        return Rule(name, lambda t: pick(t).strip() == spec["equals"].strip(), f"equals {spec['equals']!r}")
    found = compile_pattern(spec["regex"])
    return Rule(name, lambda t: found(pick(t)), f"matches /{spec['regex']}/")


def _system_text(turn: Turn) -> str:
    return "\n".join(m.text for m in turn.messages if m.role in ("system", "developer"))


def _ends_with_tool_result(turn: Turn) -> bool:
    return bool(turn.messages) and turn.messages[-1].role == "tool"


def compile_rules(match: dict[str, Any]) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    if "dialect" in match:
        names = [match["dialect"]] if isinstance(match["dialect"], str) else list(match["dialect"])
        rules.append(Rule("dialect", lambda t: t.dialect in names, f"dialect in {names}"))
    if "model" in match:
        glob = match["model"]
        rules.append(Rule("model", lambda t: fnmatch.fnmatchcase(t.model, glob), f"model like {glob!r}"))
    if "last_user" in match:
        rules.append(_text_rule("last_user", match["last_user"], lambda t: t.last_user))
    if "system" in match:
        rules.append(_text_rule("system", match["system"], _system_text))
    if "has_tools" in match:
        wanted = match["has_tools"]
        rules.append(Rule("has_tools", lambda t: bool(t.tools) == wanted, f"has_tools is {wanted}"))
    if "tool" in match:
        tool = match["tool"]
        rules.append(Rule("tool", lambda t: any(s.name == tool for s in t.tools), f"offers tool {tool!r}"))
    if "tool_result" in match:
        after = match["tool_result"]
        rules.append(
            Rule("tool_result", lambda t: _ends_with_tool_result(t) == after, f"tool_result is {after}")
        )
    if "endpoint" in match:
        kinds = [match["endpoint"]] if isinstance(match["endpoint"], str) else list(match["endpoint"])
        rules.append(Rule("endpoint", lambda t: t.endpoint in kinds, f"endpoint in {kinds}"))
    if "input" in match:
        as_text = cast("Callable[[Turn], str]", lambda text: text)  # the rule reads one input's text
        rules.append(_any_input_rule(_text_rule("input", match["input"], as_text)))
    if "stream" in match:
        stream = match["stream"]
        rules.append(Rule("stream", lambda t: t.stream == stream, f"stream is {stream}"))
    return tuple(rules)


def _any_input_rule(rule: Rule) -> Rule:
    """A text rule over each input (embeddings, moderations, prompts); chat: the last user message."""
    test = rule.test  # written for a text: _text_rule's `pick` is the identity here

    def any_input(turn: Turn) -> bool:
        return any(test(cast(Turn, text)) for text in (turn.inputs or (turn.last_user,)))

    return Rule(rule.name, any_input, rule.expectation)


def tool_call_id(fixture_id: str, index: int, name: str) -> str:
    digest = hashlib.sha256(f"{fixture_id}/{index}/{name}".encode()).hexdigest()[:24]
    return f"call_{digest}"


def compile_reply(fixture_id: str, raw: dict[str, Any]) -> Step:
    if "error" in raw and not raw.keys() & {"content", "tool_calls", "embedding", "moderation"}:
        return Step(None, raw["error"], raw.get("retry_after"))
    calls = tuple(
        ToolCall(
            call.get("id") or tool_call_id(fixture_id, i, call["name"]),
            call["name"],
            _arguments_text(call.get("arguments", {})),
        )
        for i, call in enumerate(raw.get("tool_calls") or ())
    )
    finish = raw.get("finish") or ("tool_calls" if calls else "stop")
    content = raw.get("content")
    embedding = tuple(map(float, raw["embedding"])) if "embedding" in raw else None
    flagged = tuple(raw["moderation"]["flagged"]) if "moderation" in raw else None
    reply = Reply(content, raw.get("reasoning"), calls, finish, embedding=embedding, flagged=flagged)
    return Step(reply)


def _arguments_text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def compile_fixture(raw: dict[str, Any], file_bytes: bytes | None = None, strict: bool = False) -> Fixture:
    """`file_bytes`: the content of a raw fixture's body_file, read by the loader at start-up.
    `strict`: a `replies` sequence answers each reply once unless it says `repeat_last`."""
    replies = raw.get("replies") or ([raw["reply"]] if "reply" in raw else [])
    match = dict(raw.get("match") or {})
    if "raw" in raw:
        match.setdefault("dialect", raw["raw"]["dialect"])  # a recording only fits its own dialect
    return Fixture(
        id=raw["id"],
        rules=compile_rules(match),
        steps=tuple(compile_reply(raw["id"], r) for r in replies),
        latency=raw.get("latency"),
        stream=raw.get("stream"),
        raw=compile_raw(raw["raw"], file_bytes) if "raw" in raw else None,
        misbehave=Misbehave.from_spec(raw.get("misbehave")),
        source=raw,
        once=strict and "replies" in raw and not raw.get("repeat_last", False),
    )


@dataclass(frozen=True)
class NearMiss:
    fixture_id: str
    failed: tuple[tuple[str, str], ...]  # (rule name, what it expected)

    def describe(self) -> str:
        reasons = "; ".join(f"{name}: expected {want}" for name, want in self.failed)
        return f"'{self.fixture_id}' ({reasons})"


def near_misses(fixtures: list[Fixture], turn: Turn, limit: int = 3) -> list[NearMiss]:
    """The fixtures that came closest: fewest failed rules, most rules met, then load order.
    A fixture written for another dialect or endpoint is no near miss: its other rules are not
    even run."""
    scored = []
    for order, fixture in enumerate(fixtures):
        if not fixture.fits_dialect(turn):
            continue
        failed = fixture.failed_rules(turn)
        if failed:
            met = len(fixture.rules) - len(failed)
            miss = NearMiss(fixture.id, tuple((r.name, r.expectation) for r in failed))
            scored.append((len(failed), -met, order, miss))
    scored.sort(key=lambda item: item[:3])
    return [item[-1] for item in scored[:limit]]
