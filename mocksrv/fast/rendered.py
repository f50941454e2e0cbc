"""Answers rendered once per request body, then only their id and timestamp filled in.

A dialect's render is a pure function of the completion and the turn. For a repeated body
(memo.py keeps its Turn) and the same replies, the answer differs only in the completion's
id and `created`. So it is rendered twice, with two different stand-in ids and timestamps:
if swapping the stand-ins turns the first rendering into the second, the stand-ins mark
every place where the id and the timestamp go, and later answers are the first rendering
with the real values put there. A dialect that derives anything else from them (a hash, a
date) fails that check and is rendered afresh every time, as before.

Fault-free streams use this, paced or not (a stream with faults is rendered event by event).
The same table keeps what the handler derives from the turn and its replies (kept()), so a
repeated request costs a few lookups, not a render.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from ..config import CACHE_LIMITS
from ..dialects.base import Dialect
from ..model import Completion, Turn
from .bounded import BoundedTable

# Stand-ins as long as the real values (29 hex characters; 10 digits until the year 2286), so
# every byte offset in a rendering holds for the filled-in answer too.
ID_A, ID_B = "e0f1e2d3c4b5a69788796a5b4c3d2", "d3c2b1a0f9e8d7c6b5a4938271605"
CREATED_A, CREATED_B = 1234567897, 1987654321

T = TypeVar("T")
Captured = tuple[str | None, str]  # an event as the journal shows it: (name, data)


@dataclasses.dataclass(frozen=True)
class Template:
    blob: bytes  # rendered with ID_A / CREATED_A
    spans: tuple[tuple[str | None, int, int], ...] = ()  # a stream's events: (name, data start, end)
    cuts: tuple[tuple[int, bool], ...] = ()  # a stream's events: (where it ends, carries content)
    # The blob cut at every stand-in, when each place the id goes is followed by the same bytes
    # and then the timestamp (`middle`): filling is then one bytes.join (see _cut).
    parts: tuple[bytes, ...] | None = None
    middle: bytes | None = None  # None: the blob has the id and no timestamp
    constant: bool = False  # the same bytes for every completion (no id, no timestamp)

    def fill(self, completion: Completion) -> bytes | None:
        if self.constant:
            return self.blob
        created = str(completion.created)
        if len(completion.id) != len(ID_A) or len(created) != len(str(CREATED_A)):
            return None
        if self.parts is not None:
            glue = completion.id.encode()
            if self.middle is not None:
                glue += self.middle + created.encode()
            return glue.join(self.parts)
        return self.blob.replace(ID_A.encode(), completion.id.encode()).replace(
            str(CREATED_A).encode(), created.encode()
        )

    @classmethod
    def of(
        cls,
        blob: bytes,
        spans: tuple[tuple[str | None, int, int], ...] = (),
        cuts: tuple[tuple[int, bool], ...] = (),
    ) -> Template:
        parts, middle = _cut(blob)
        return cls(blob, spans, cuts, parts, middle)


def _cut(blob: bytes) -> tuple[tuple[bytes, ...] | None, bytes | None]:
    """(parts, middle) such that the blob is (ID + middle + CREATED).join(parts), or (ID).join(parts)
    when there is no timestamp; (None, None) when the stand-ins fall some other way (two replaces then).
    A stream repeats the id and the timestamp in every event: one join beats two scans of the blob."""
    created = str(CREATED_A).encode()
    pieces = blob.split(ID_A.encode())
    if len(pieces) < 2:
        return None, None
    if created not in blob:
        return tuple(pieces), None
    after = [p.partition(created) for p in pieces[1:]]
    middles = {m for m, found, rest in after if found}
    if created in pieces[0] or len(middles) != 1 or any(not f or created in r for _, f, r in after):
        return None, None
    return (pieces[0], *(rest for _, _, rest in after)), middles.pop()


class RenderedStream(Sequence[Captured]):
    """What sse.write_events writes: in one go (`joined`), or paced, event by event (`cuts`).
    Its items, for the journal, are (name, data) pairs cut out of those bytes only when read
    (slices stay lazy views), so a stream keeps no per-event objects alive."""

    def __init__(
        self,
        joined: bytes,
        spans: Sequence[tuple[str | None, int, int]],
        cuts: Sequence[tuple[int, bool]] = (),
    ):
        self.joined, self.spans, self.cuts = joined, spans, cuts

    def __len__(self) -> int:
        return len(self.spans)

    @overload
    def __getitem__(self, index: int) -> Captured: ...
    @overload
    def __getitem__(self, index: slice) -> RenderedStream: ...
    def __getitem__(self, index: int | slice) -> Captured | RenderedStream:
        if isinstance(index, slice):
            if index.indices(len(self.spans)) == (0, len(self.spans), 1):
                return self  # the journal's [:EVENTS_LOGGED] of a shorter stream: no copy to keep
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
    if any(e.raw is not None for e in renders[0]):
        return None  # a binary framing: its checksums change with every id, rendered afresh
    encoded = [e.encode() for e in renders[0]]
    blob = b"".join(encoded)
    if _swap(blob) != b"".join(e.encode() for e in renders[1]):
        return None
    spans, cuts, at = [], [], 0
    for event, raw in zip(renders[0], encoded, strict=True):
        start = at + len(raw) - len(event.data.encode()) - event.tail_bytes
        spans.append((event.event, start, start + len(event.data.encode())))
        at += len(raw)
        cuts.append((at, event.content))
    template = Template.of(blob, tuple(spans), tuple(cuts))
    # The spans must give back every event's data (framing as SSEEvent.encode writes it).
    if [blob[a:b].decode() for _, a, b in spans] != [e.data for e in renders[0]]:
        return None
    return template


def _body_template(dialect: Dialect, completion: Completion, turn: Turn) -> Template | None:
    if not dialect.renders_identity:  # nothing in the body comes from the id or the timestamp
        return Template(dialect.encode_body(dialect.render(completion, turn)), constant=True)
    blobs = [
        dialect.encode_body(dialect.render(dataclasses.replace(completion, id=i, created=c), turn))
        for i, c in ((ID_A, CREATED_A), (ID_B, CREATED_B))
    ]
    return Template.of(blobs[0]) if _swap(blobs[0]) == blobs[1] else None


class Renders:
    """What is derived from one body's turn, kept with the body's memo entry (Parsed.renders):
    shaped replies, generated replies and templates, each under a key naming what it is of."""

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table: BoundedTable[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = BoundedTable(
            CACHE_LIMITS.renders_per_body
        )

    def kept(self, key: tuple[Any, ...], objects: Sequence[Any], build: Callable[[], T]) -> T:
        """build(), done once per turn: kept under `key` for as long as `objects` are the very same
        objects (a fixture's replies answer every request; ids alone could be reused once an
        object is gone, so the table holds the objects too)."""
        found = self._table.get(key)
        if found is not None and len(found[0]) == len(objects) and all(map(operator.is_, found[0], objects)):
            return found[1]
        value = build()
        self._table.put(key, (tuple(objects), value))
        return value


def kept(renders: Renders | None, key: tuple[Any, ...], objects: Sequence[Any], build: Callable[[], T]) -> T:
    """renders.kept(...), or build() when there is no table (a body not kept, the fast path off)."""
    return build() if renders is None else renders.kept(key, objects, build)


def _template(
    table: Renders, stream: bool, dialect: Dialect, completion: Completion, turn: Turn
) -> Template | None:
    build = _stream_template if stream else _body_template
    key = ("stream" if stream else "body", id(completion.choices))
    return table.kept(key, (completion.choices,), lambda: build(dialect, completion, turn))


def stream(
    table: Renders | None, dialect: Dialect, completion: Completion, turn: Turn
) -> RenderedStream | None:
    """The stream's events, pre-joined, or None: render it the usual way."""
    if table is None:
        return None
    template = _template(table, True, dialect, completion, turn)
    joined = template.fill(completion) if template is not None else None
    if template is None or joined is None:
        return None
    return RenderedStream(joined, template.spans, template.cuts)


def body(table: Renders | None, dialect: Dialect, completion: Completion, turn: Turn) -> bytes | None:
    """The encoded body, or None: render it the usual way."""
    if table is None:
        return None
    template = _template(table, False, dialect, completion, turn)
    return template.fill(completion) if template is not None else None
