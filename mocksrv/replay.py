"""Raw fixtures: a recorded provider answer replayed byte for byte, chunk boundaries and timing kept."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .model import SSEEvent

SSE_TYPE = "text/event-stream"
MAX_CHUNK_DELAY_S = 60.0


@dataclass(frozen=True)
class RawReply:
    dialect: str
    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: tuple[bytes, ...]  # one chunk for a plain body
    delays: tuple[float, ...]  # seconds before each chunk (empty: no timing)
    streamed: bool

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def _body_bytes(body: Any) -> bytes:
    return body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()


def compile_raw(spec: dict[str, Any], file_bytes: bytes | None = None) -> RawReply:
    """Everything is turned into bytes here, at load time, so a replay does no work."""
    delays: tuple[float, ...] = tuple(min(ms / 1000, MAX_CHUNK_DELAY_S) for ms in spec.get("timing_ms", ()))
    streamed = True
    if "chunks" in spec:
        chunks = tuple(c.encode() for c in spec["chunks"])
    elif "sse" in spec:
        chunks = (spec["sse"].encode(),)
    elif "events" in spec:
        events = spec["events"]
        chunks = tuple(SSEEvent(e["data"], e.get("event")).encode() for e in events)
        delays = tuple(min(e.get("delay_ms", 0) / 1000, MAX_CHUNK_DELAY_S) for e in events)
    else:
        streamed = file_bytes is not None and file_bytes.lstrip().startswith((b"data:", b"event:"))
        chunks = (file_bytes if file_bytes is not None else _body_bytes(spec.get("body", {})),)
    headers = dict(spec.get("headers") or {})
    headers.setdefault("content-type", f"{SSE_TYPE}; charset=utf-8" if streamed else "application/json")
    return RawReply(
        spec["dialect"], int(spec.get("status", 200)), tuple(headers.items()), chunks, delays, streamed
    )


async def replay(request: web.Request, raw: RawReply, extra_headers: dict[str, str]) -> web.StreamResponse:
    headers = {**dict(raw.headers), **extra_headers}
    if not raw.streamed and not raw.delays:
        return web.Response(status=raw.status, body=raw.body, headers=headers)
    response = web.StreamResponse(status=raw.status, headers=headers)
    await response.prepare(request)
    for index, chunk in enumerate(raw.chunks):
        if index < len(raw.delays) and raw.delays[index] > 0:
            await asyncio.sleep(raw.delays[index])
        await response.write(chunk)
    await response.write_eof()
    return response
