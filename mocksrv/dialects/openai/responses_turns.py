"""The Responses API's cross-turn rule (docs/cross-turn.md): a `function_call_output` answers
a `function_call` of the input, or of the stored chain that `previous_response_id` continues."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...errors import MockError
from ...model import ErrorKind

# Item types whose output must answer a call of the paired type.
ANSWERS = {"function_call_output": "function_call", "custom_tool_call_output": "custom_tool_call"}


def unanswered_output(items: Iterable[Any], prior_items: Iterable[Any] = ()) -> MockError | None:
    """The refusal for the first output whose call_id no call before it (in the prior items or
    earlier in this input) carries. `prior_items`: the stored chain's items, oldest first."""
    calls: set[tuple[str, str]] = set()
    for item in (*prior_items, *items):
        if not isinstance(item, dict):
            continue
        kind, call_id = item.get("type"), str(item.get("call_id"))
        if kind in ANSWERS and (ANSWERS[kind], call_id) not in calls:
            return MockError(
                ErrorKind.BAD_REQUEST,
                f"No tool call found for function call output with call_id {call_id}.",
                param="input",
                detail="function_call_output_orphan",
            )
        if kind in ANSWERS.values():
            calls.add((str(kind), call_id))
    return None


def check(body: dict[str, Any], prior_items: tuple[Any, ...] | None) -> MockError | None:
    """Items of a chain this request cannot see are not judged: with `previous_response_id`
    and no prior items loaded by the caller, outputs may answer calls stored there."""
    items = body.get("input")
    if not isinstance(items, list):
        return None
    if (body.get("previous_response_id") or body.get("conversation")) and prior_items is None:
        return None
    return unanswered_output(items, prior_items or ())
