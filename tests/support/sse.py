"""The one SSE reader of the suite: events of a streamed body, checking the framing on the way."""

from __future__ import annotations

import json
from typing import Any

Event = tuple[str | None, Any]


def read_events(body: bytes | str, eol: str = "\n") -> list[Event]:
    """(event name or None, JSON data) per event, in order.

    Strict framing, as the providers write it: every event ends with a blank line, holds an
    optional `event:` line and exactly one `data:` line, and no `[DONE]` sentinel appears.
    """
    text = body.decode() if isinstance(body, bytes) else body
    assert text.endswith(eol * 2) and "[DONE]" not in text, text[-200:]
    events: list[Event] = []
    for block in text[: -2 * len(eol)].split(eol * 2):
        lines = block.split(eol)
        name = lines[0].removeprefix("event: ") if lines[0].startswith("event: ") else None
        assert lines[-1].startswith("data: ") and len(lines) == (2 if name else 1), block
        events.append((name, json.loads(lines[-1].removeprefix("data: "))))
    return events


def named_events(body: bytes | str) -> list[tuple[str, Any]]:
    """(event name, data) of a stream whose every event is named (Anthropic, Responses)."""
    events = read_events(body)
    assert all(name for name, _ in events), events
    return [(name or "", data) for name, data in events]


def data_payloads(body: bytes | str) -> list[Any]:
    """The JSON of every `data:` line, any line ending; `[DONE]` and comments skipped (lenient)."""
    text = body.decode() if isinstance(body, bytes) else body
    return [
        json.loads(line[5:])
        for line in text.replace("\r\n", "\n").split("\n")
        if line.startswith("data:") and line[5:].strip() != "[DONE]"
    ]
