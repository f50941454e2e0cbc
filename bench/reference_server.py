"""The benchmark's yardstick: a bare aiohttp server answering with prebuilt bytes.

`POST /openai/v1/chat/completions` (any path, in fact) reads the body and answers with the
bytes of `--body` (a JSON completion), or, when the body asks for `"stream":true`, with the
bytes of `--stream-body` (an SSE stream) in one write; a request whose body is the one in
REQUEST of `--answer REQUEST=ANSWER` (the embeddings rows) gets the bytes of ANSWER.
`bench/run.py` captures them all from mocksrv itself, so the two servers send the same
bytes; nothing is parsed, validated, rendered or journaled here. It runs on the same event
loop as mocksrv (uvloop when installed), so the ratio measures mocksrv's own work, not the
choice of loop.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from aiohttp import web

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


def make_app(body: bytes, stream: bytes, answers: dict[bytes, bytes] | None = None) -> web.Application:
    answers = answers or {}

    async def answer(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if raw in answers:
            return web.Response(body=answers[raw], content_type="application/json")
        if b'"stream":true' not in raw:
            return web.Response(body=body, content_type="application/json")
        response = web.StreamResponse(headers={"Cache-Control": "no-cache"})
        response.content_type = "text/event-stream"
        await response.prepare(request)
        await response.write(stream)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", answer)
    return app


async def serve(host: str, port: int, body: bytes, stream: bytes, answers: dict[bytes, bytes]) -> None:
    runner = web.AppRunner(make_app(body, stream, answers), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_address=True).start()
    print(f"reference listening on http://{host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="bare aiohttp reference server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--body", type=Path, required=True, help="non-streaming answer (bytes)")
    parser.add_argument("--stream-body", type=Path, required=True, help="SSE answer (bytes)")
    parser.add_argument("--answer", action="append", default=[], help="REQUEST=ANSWER (file names)")
    args = parser.parse_args()
    answers = {
        Path(request).read_bytes().strip(): Path(answer).read_bytes()
        for request, _, answer in (pair.partition("=") for pair in args.answer)
    }
    coroutine = serve(args.host, args.port, args.body.read_bytes(), args.stream_body.read_bytes(), answers)
    if uvloop is not None:
        uvloop.run(coroutine)
    else:
        asyncio.run(coroutine)


if __name__ == "__main__":
    main()
