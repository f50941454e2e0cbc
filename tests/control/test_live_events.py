"""GET /_mock/events: journal entries pushed as SSE; slow watchers lose entries, never block requests."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import rawhttp

from mocksrv.live import CLOSE, Hub


def wait_until(check, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


class EventStream:
    """A raw SSE reader (http.client), so the test controls exactly when bytes are read."""

    def __init__(self, live, query: str = "", timeout: float = 20):
        self.connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=timeout)
        self.connection.request("GET", f"/_mock/events{query}")
        self.response = self.connection.getresponse()

    def frames(self) -> Iterator[tuple[str | None, str]]:
        """(event name, data) per frame; comments come as (None, comment text)."""
        event, data = None, []
        while line := self.response.fp.readline():
            text = line.decode().rstrip("\r\n")
            if text.startswith(":"):
                yield None, text[1:].strip()
            elif text.startswith("event: "):
                event = text[7:]
            elif text.startswith("data: "):
                data.append(text[6:])
            elif not text and event:
                yield event, "\n".join(data)
                event, data = None, []

    def entries(self) -> Iterator[dict]:
        for event, data in self.frames():
            if event == "entry":
                yield json.loads(data)

    def close(self) -> None:
        self.response.close()
        self.connection.close()


def chat(live, session: str, content: str = "Hello!", **body) -> rawhttp.RawResponse:
    return rawhttp.post(
        f"{live.base_url()}/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **body},
        headers={"Authorization": "Bearer sk-live", "X-Mock-Session": session},
    )


async def test_hub_drops_for_a_full_subscriber_and_never_waits():
    hub = Hub(queue_size=8)
    with hub.subscribe() as slow, hub.subscribe() as other:
        for n in range(1000):
            hub.publish("entry", {"id": n})  # synchronous: there is nothing to wait for
        assert slow.queue.qsize() == 8 and slow.dropped == 992
        assert (await slow.next(0.1)) == ("entry", {"id": 0})  # oldest kept, newest dropped
        assert other.dropped == 992
        hub.close()  # even a full queue gets the close message, at its end
        messages = [other.queue.get_nowait() for _ in range(other.queue.qsize())]
        assert messages[-1] == CLOSE
    assert hub.subscribers == 0
    with Hub().subscribe() as idle:
        assert await idle.next(0.01) is None  # nothing came: time for a heartbeat


def test_entries_arrive_live_and_the_subscription_ends_with_the_client(make_server):
    live = make_server()
    hub = live.services.live
    stream = EventStream(live)
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("content-type").startswith("text/event-stream")
        wait_until(lambda: hub.subscribers == 1)
        session = f"live-{uuid.uuid4().hex[:8]}"
        assert chat(live, session).status == 200
        entry = next(stream.entries())
        assert entry["session"] == session and entry["path"] == "/openai/v1/chat/completions"
        assert entry["status"] == 200 and isinstance(entry["id"], int)
        assert entry["response"]["body"]["object"] == "chat.completion"
        assert entry["request"]["headers"]["Authorization"] == "[redacted]"
    finally:
        stream.close()
    wait_until(lambda: hub.subscribers == 0)  # the handler was cancelled and unsubscribed


def test_heartbeats_and_reset_notices(make_server):
    live = make_server()
    live.services.live.heartbeat_s = 0.1
    stream = EventStream(live)
    try:
        frames = stream.frames()
        assert next(frames) == (None, "connected")
        assert next(frames) == (None, "heartbeat")
        assert rawhttp.post(f"{live.url}/_mock/reset", json={}).status == 200
        assert next(f for f in frames if f[0] is not None)[0] == "reset"
    finally:
        stream.close()


def test_a_watcher_that_never_reads_does_not_slow_requests(make_server):
    """Entries are ~64 KiB each here: once the socket buffers are full the watcher's queue fills,
    and further entries are dropped (and counted) while every request still completes."""
    live = make_server()
    live.services.live.queue_size = 2
    live.services.live.heartbeat_s = 0.2  # a quiet stream reports what it dropped
    stream = EventStream(live, timeout=60)
    big = "x" * 70_000
    try:
        wait_until(lambda: live.services.live.subscribers == 1)
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: chat(live, "flood", big).status, range(300)))
        assert statuses == [200] * 300
        assert time.monotonic() - started < 60
        received = dropped = 0
        for event, data in stream.frames():
            if event == "dropped":
                dropped += json.loads(data)["count"]
            elif event == "entry":
                received += 1
            if received + dropped == 300:
                break
        assert dropped > 0 and received >= 2
    finally:
        stream.close()


def test_events_take_the_admin_token_as_a_query_parameter(make_server):
    live = make_server(admin_token="s3cret")
    for query, status in (("", 401), ("?token=wrong", 401), ("?token=s3cret", 200)):
        stream = EventStream(live, query)
        try:
            assert stream.response.status == status, query
        finally:
            stream.close()
    # Only the event stream reads the query: the rest of the control API still wants the header.
    assert rawhttp.request("GET", f"{live.url}/_mock/requests?token=s3cret").status == 401
    # The page and its assets hold no data: they load without the token (their API calls need it).
    for path in ("/_mock/ui", "/_mock/ui/app.js", "/_mock/ui/detail.js", "/_mock/ui/style.css"):
        assert rawhttp.request("GET", f"{live.url}{path}").status == 200, path
    assert rawhttp.request("GET", f"{live.url}/_mock/ui/%2e%2e%2fadmin.py").status == 404


def test_server_shutdown_ends_open_streams(make_server):
    live = make_server()
    stream = EventStream(live)
    try:
        wait_until(lambda: live.services.live.subscribers == 1)
        started = time.monotonic()
        live.stop()
        assert time.monotonic() - started < 5
        assert all(event != "entry" for event, _ in stream.frames())  # the stream simply ends
    finally:
        stream.close()


def test_publish_is_cheap_without_subscribers():
    hub = Hub()
    started = time.perf_counter()
    for n in range(100_000):
        hub.publish("entry", n)
    assert time.perf_counter() - started < 1.0


def test_streams_whose_client_hangs_up_at_once_are_still_pushed(make_server):
    """The client closes as soon as the stream ends, while the entry is being stored: the request
    is cancelled then, yet its entry is journaled and pushed all the same."""
    live = make_server()
    stream = EventStream(live, timeout=10)  # a lost entry fails here, not by hanging
    try:
        wait_until(lambda: live.services.live.subscribers == 1)
        body = json.dumps(
            {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
        )
        for n in range(40):
            connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
            headers = {"Authorization": "Bearer sk-x", "X-Mock-Session": f"hangup-{n}"}
            connection.request("POST", "/openai/v1/chat/completions", body=body, headers=headers)
            connection.getresponse().read()
            connection.sock.close()  # at once, before the server has finished the request
            connection.close()
        sessions = set()
        for entry in stream.entries():
            sessions.add(entry["session"])
            if len(sessions) == 40:
                break
    finally:
        stream.close()
