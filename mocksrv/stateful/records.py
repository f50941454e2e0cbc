"""A stored response: what is kept, how it is rebuilt, and its status on the one clock.

A record keeps the completion (replies, usage, ids) and the request settings the response
object repeats, not rendered bytes: the JSON body and the numbered stream events are rendered
again from it, the same way every time, so `GET ?stream=true&starting_after=N` resumes with
exactly the events the first stream would have sent.

A background run needs no task: its status is a function of the record's creation time, its
planned phase lengths and the mocksrv clock (clock.py), so any worker answers a poll the same
way and `POST /_mock/clock {"advance_s": N}` moves a run along without waiting.
"""

from __future__ import annotations

from typing import Any

from ..dialects.openai.wire import failed_response, final_response, output_items, response_object
from ..faults import Plan
from ..model import JSON, Completion, Reply, ToolCall, Turn, Usage

RESPONSE = "response"  # state-store record kinds
CONVERSATION = "conversation"
# Kept 30 days on the mocksrv clock, as OpenAI keeps stored responses; at most MAX_RECORDS
# (state.py) per kind, the oldest written goes first.
RETENTION_S = 30 * 24 * 3600.0
# A background run without a latency script: queued this long, then in progress this long.
DEFAULT_QUEUED_S = 1.0
DEFAULT_RUN_S = 1.0
UNFINISHED = ("queued", "in_progress")


def completion_json(completion: Completion) -> JSON:
    return {
        "id": completion.id,
        "created": completion.created,
        "model": completion.model,
        "choices": [
            {
                "content": r.content,
                "reasoning": r.reasoning,
                "tool_calls": [[c.id, c.name, c.arguments] for c in r.tool_calls],
                "finish": r.finish,
                "stop_sequence": r.stop_sequence,
            }
            for r in completion.choices
        ],
        "usage": [
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens,
            completion.usage.reasoning_tokens,
        ],
    }


def completion_of(data: JSON) -> Completion:
    choices = tuple(
        Reply(
            c["content"],
            c["reasoning"],
            tuple(ToolCall(*call) for call in c["tool_calls"]),
            c["finish"],
            c["stop_sequence"],
        )
        for c in data["choices"]
    )
    return Completion(data["id"], data["created"], data["model"], choices, Usage(*data["usage"]))


def turn_of(record: JSON, signer: Any = None) -> Turn:
    """The parts of the Turn that rendering reads (settings echoed, summaries, sealing)."""
    extras = {"echo": record["echo"], **({"signer": signer} if signer is not None else {})}
    return Turn(
        dialect=record["dialect"],
        model=record["completion"]["model"],
        messages=(),
        stream=False,
        show_reasoning=record["show_reasoning"],
        extras=extras,
    )


def phases(plan: Plan, completion: Completion) -> tuple[float, float]:
    """(queued, in progress) in seconds: the scenario's latency script, else the defaults."""
    latency = plan.latency
    if latency is None or not latency.paces:
        return DEFAULT_QUEUED_S, DEFAULT_RUN_S
    events = max((len(r.content_pieces) for r in completion.choices), default=0)
    return latency.ttft_ms / 1000, (latency.token_ms * events + latency.stall_ms) / 1000


def done_at(record: JSON) -> float:
    return record["created_at"] + record["queued_s"] + record["run_s"]


def status_at(record: JSON, now: float) -> str:
    """queued -> in_progress -> completed | incomplete | failed, or cancelled if cancelled first."""
    cancelled = record.get("cancelled_at")
    if cancelled is not None and cancelled < done_at(record):
        return "cancelled"
    if record["background"] and now < record["created_at"] + record["queued_s"]:
        return "queued"
    if record["background"] and now < done_at(record):
        return "in_progress"
    if record.get("error") is not None:
        return "failed"
    return final_response(completion_of(record["completion"]), turn_of(record))["status"]


def render(record: JSON, now: float, signer: Any = None) -> JSON:
    """The response object as it stands at `now` (mocksrv clock)."""
    completion, turn = completion_of(record["completion"]), turn_of(record, signer)
    status = status_at(record, now)
    if status == "failed":
        return failed_response(completion, turn, record["error"])
    if status in ("completed", "incomplete"):
        body = final_response(completion, turn)
        if record["background"]:
            body["completed_at"] = int(done_at(record)) if status == "completed" else None
        return body
    return response_object(completion, turn, status, [], None)


def outputs(record: JSON) -> list[JSON]:
    """The output items (what a later turn sees of this one); none unless it finished well."""
    if record.get("error") is not None or record.get("cancelled_at") is not None:
        return []
    return output_items(completion_of(record["completion"]), turn_of(record))


def context_items(record: JSON) -> list[JSON]:
    """Everything a response chained to this one continues from: history, input, output."""
    return [*record["history"], *record["input"], *outputs(record)]
