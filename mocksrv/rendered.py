"""Answers rendered once per request body, then only their id and timestamp filled in.

A dialect's render is a pure function of the completion and the turn. For a repeated body
(memo.py keeps its Turn) and the same replies, the answer differs only in the completion's
id and `created`. So it is rendered twice, with two different stand-in ids and timestamps:
if swapping the stand-ins turns the first rendering into the second, the stand-ins mark
every place where the id and the timestamp go, and later answers are the first rendering
with the real values put there. A dialect that derives anything else from them (a hash, a
date) fails that check and is rendered afresh every time, as before.

Only unpaced, fault-free streams use this (paced and broken streams write event by event).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, overload

from .dialects.base import Dialect
from .model import Completion, Turn

# Stand-ins as long as the real values (29 hex characters; 10 digits until the year 2286), so
# every byte offset in a rendering holds for the filled-in answer too.
ID_A, ID_B = "e0f1e2d3c4b5a69788796a5b4c3d2", "d3c2b1a0f9e8d7c6b5a4938271605"
CREATED_A, CREATED_B = 1234567897, 1987654321
MAX_RENDERS = 8  # per request body: a sequence of replies, n choices, max_tokens cuts

Key = tuple[bool, str, tuple[Any, ...], Any]
Captured = tuple[str | None, str]  # an event as the journal shows it: (name, data)


@dataclasses.dataclass(frozen=True)
class Template:
    blob: bytes  # rendered with ID_A / CREATED_A
    spans: tuple[tuple[str | None, int, int], ...] = ()  # a stream's events: (name, data start, end)

    def fill(self, completion: Completion) -> bytes | None:
        created = str(completion.created)
        if len(completion.id) != len(ID_A) or len(created) != len(str(CREATED_A)):
            return None
        return self.blob.replace(ID_A.encode(), completion.id.encode()).replace(
            str(CREATED_A).encode(), created.encode()
        )


class RenderedStream(Sequence[Captured]):
    """What sse.write_events writes in one go (`joined`); its items, for the journal, are
    (name, data) pairs cut out of those bytes only when read (slices stay lazy views)."""

    def __init__(self, joined: bytes, spans: Sequence[tuple[str | None, int, int]]):
        self.joined, self.spans = joined, spans

    def __len__(self) -> int:
        return len(self.spans)

    @overload
    def __getitem__(self, index: int) -> Captured: ...
    @overload
    def __getitem__(self, index: slice) -> RenderedStream: ...
    def __getitem__(self, index: int | slice) -> Captured | RenderedStream:
        if isinstance(index, slice):
            return RenderedStream(self.joined, self.spans[index])
        name, start, end = self.spans[index]
        return name, self.joined[start:end].decode()


def _swap(blob: bytes) -> bytes:
    return blob.replace(ID_A.encode(), ID_B.encode()).replace(
        str(CREATED_A).encode(), str(CREATED_B).encode()
    )


def _stream_template(dialect: Dialect, completion: Completion, turn: Turn) -> Template | None:
    renders = []
    for id_, created in ((ID_A, CREATED_A), (ID_B, CREATED_B)):
        stand_in = dataclasses.replace(completion, id=id_, created=created)
        renders.append(list(dialect.render_stream(stand_in, turn)))
    encoded = [e.encode() for e in renders[0]]
    blob = b"".join(encoded)
    if _swap(blob) != b"".join(e.encode() for e in renders[1]):
        return None
    spans, at = [], 0
    for event, raw in zip(renders[0], encoded, strict=True):
        start = at + len(raw) - len(event.data.encode()) - 2 * len(event.eol.encode())
        spans.append((event.event, start, start + len(event.data.encode())))
        at += len(raw)
    template = Template(blob, tuple(spans))
    # The spans must give back every event's data (framing as SSEEvent.encode writes it).
    if [blob[a:b].decode() for _, a, b in spans] != [e.data for e in renders[0]]:
        return None
    return template


def _body_template(dialect: Dialect, completion: Completion, turn: Turn) -> Template | None:
    blobs = [
        dialect.encode_body(dialect.render(dataclasses.replace(completion, id=i, created=c), turn))
        for i, c in ((ID_A, CREATED_A), (ID_B, CREATED_B))
    ]
    return Template(blobs[0]) if _swap(blobs[0]) == blobs[1] else None


def _template(
    table: dict[Key, Template | None], stream: bool, dialect: Dialect, completion: Completion, turn: Turn
) -> Template | None:
    key = (stream, completion.model, completion.choices, completion.usage)
    if key in table:
        return table[key]
    if len(table) >= MAX_RENDERS:
        return None
    build = _stream_template if stream else _body_template
    table[key] = template = build(dialect, completion, turn)
    return template


def stream(
    table: dict[Key, Template | None] | None, dialect: Dialect, completion: Completion, turn: Turn
) -> RenderedStream | None:
    """The stream's events, pre-joined, or None: render it the usual way."""
    if table is None:
        return None
    template = _template(table, True, dialect, completion, turn)
    joined = template.fill(completion) if template is not None else None
    return RenderedStream(joined, template.spans) if joined is not None else None


def body(
    table: dict[Key, Template | None] | None, dialect: Dialect, completion: Completion, turn: Turn
) -> bytes | None:
    """The encoded body, or None: render it the usual way."""
    if table is None:
        return None
    template = _template(table, False, dialect, completion, turn)
    return template.fill(completion) if template is not None else None
