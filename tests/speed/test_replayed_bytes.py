"""A request sent again as the very same bytes on a kept-alive connection is answered from its
bytes (mocksrv/fast/replayed.py): the answers, the journal, the ledger and the metrics must be
those of the pipeline, and anything that is not exactly such a request (split, pipelined, another
header, a changed state, a closing connection) must be answered as usual."""

from __future__ import annotations

import json
import re
import socket
import time

import pytest
import rawhttp
from official_spec import official_validator

from mocksrv.testing import MockServer

PATH = "/openai/v1/chat/completions"
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "the same bytes every time"}]}
SESSION = "replayed-bytes"


def request_bytes(
    key: str = "sk-replayed-0123456789abcdef",
    connection: str | None = None,
    stream: bool = False,
    **extra: str,
) -> bytes:
    body = json.dumps({**BODY, "stream": True} if stream else BODY).encode()
    headers = {
        "Host": "127.0.0.1",
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "X-Mock-Session": SESSION,
        **({"Connection": connection} if connection else {}),
        **extra,
        "Content-Length": str(len(body)),
    }
    head = f"POST {PATH} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


class Connection:
    """One kept-alive connection, written and read as raw bytes."""

    def __init__(self, live: MockServer):
        self.sock = socket.create_connection(("127.0.0.1", live.port), timeout=10)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self) -> tuple[int, dict[str, str], dict]:
        status, headers, body = self.raw_answer()
        return status, headers, json.loads(body)

    def raw_answer(self) -> tuple[int, dict[str, str], bytes]:
        head = self._until(b"\r\n\r\n")
        status_line, *lines = head.decode().split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            assert name.lower() not in headers, f"{name} sent twice"
            headers[name.lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            return int(status_line.split()[1]), headers, self._chunked()
        return int(status_line.split()[1]), headers, self._exactly(int(headers["content-length"]))

    def _chunked(self) -> bytes:
        body = b""
        while size := int(self._until(b"\r\n"), 16):
            body += self._exactly(size)
            assert self._exactly(2) == b"\r\n"
        assert self._exactly(2) == b"\r\n"  # no trailers
        return body

    def ask(self, data: bytes) -> tuple[int, dict[str, str], dict]:
        self.send(data)
        return self.answer()

    def closed(self) -> bool:
        """The server closed the connection (EOF), with nothing more sent."""
        self.sock.settimeout(5)
        return self.sock.recv(1) == b""

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buffer += chunk
        found, _, self.buffer = self.buffer.partition(marker)
        return found

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buffer += chunk
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def live(make_server) -> MockServer:
    return make_server()


@pytest.fixture
def conn(live):
    connection = Connection(live)
    yield connection
    connection.close()


def journal(live: MockServer, **filters: str) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"session": SESSION, **filters}.items())
    response = rawhttp.request("GET", f"{live.url}/_mock/requests?{query}")
    return response.json()["requests"]


def control(live: MockServer, method: str, path: str, body: object | None = None) -> None:
    response = rawhttp.control(live.url, method, path, json=body)
    assert response.status < 300, response.text


def replayed(live: MockServer, layer: str = "bytes") -> int:
    """How many answers were written from the request's bytes, or from the parsed request."""
    metrics = rawhttp.request("GET", f"{live.url}/_mock/metrics").text
    found = re.search(rf'^mocksrv_repeated_answers_total\{{layer="{layer}"\}} (\S+)$', metrics, re.M)
    return int(float(found.group(1)))


def from_bytes(live: MockServer, count: int) -> int:
    """`count` answers expected from the bytes, when the speed layer is on."""
    return count if live.config.fast_path else 0


def content(answer: tuple[int, dict[str, str], dict]) -> str:
    return answer[2]["choices"][0]["message"]["content"]


IDS = re.compile(rb"(chatcmpl-|req_)[0-9a-f]+")


MINTED = {"id", "time", "ttfb_ms", "duration_ms", "created", "created_at", "responseId", "createTime"}


def comparable(found: object) -> object:
    """A journal entry of any dialect without its times, ids and timestamps (nor those inside)."""
    if isinstance(found, dict):
        return {k: comparable(v) for k, v in found.items() if k not in MINTED and not k.endswith("_duration")}
    if isinstance(found, list):
        return [comparable(v) for v in found]
    return found


def test_the_same_bytes_get_the_pipelines_answer_each_time_fresh(live, conn):
    answers = [conn.ask(request_bytes()) for _ in range(6)]
    assert {a[0] for a in answers} == {200}
    assert len({content(a) for a in answers}) == 1
    assert len({a[2]["id"] for a in answers}) == 6  # a fresh completion id
    assert len({a[1]["x-request-id"] for a in answers}) == 6  # and request id each time
    for _, headers, body in answers:
        assert set(headers) == set(answers[0][1])  # the same header names, none twice
        assert headers["content-length"] == str(len(json.dumps(body, separators=(",", ":"))))
        assert abs(body["created"] - time.time()) < 5
    completion = official_validator("CreateChatCompletionResponse")
    for _, _, body in answers:  # the official OpenAPI document judges every answer's body
        completion.validate(body)
    # the pipeline, then answered again twice (which taught these bytes), then from them
    assert replayed(live) == from_bytes(live, 3)
    assert replayed(live, "request") == from_bytes(live, 2)
    # Header for header and byte for byte (ids and date aside), what a fresh connection gets.
    first_on_new_connection = Connection(live).ask(request_bytes())
    for name in ("content-type", "server", "x-mocksrv-worker", "openai-version", "content-length"):
        assert answers[-1][1][name] == first_on_new_connection[1][name]
    assert answers[-1][2]["choices"] == first_on_new_connection[2]["choices"]
    assert answers[-1][2]["usage"] == first_on_new_connection[2]["usage"]


def test_every_answer_is_journaled_billed_and_counted_as_the_pipeline_does(live, conn):
    for _ in range(5):
        conn.ask(request_bytes())
    entries = journal(live)
    assert len(entries) == 5
    assert len({e["id"] for e in entries}) == 5
    first, *rest = map(comparable, entries)
    assert all(entry == first for entry in rest)  # the pipeline's entry and the replayed ones
    assert first["session"] == SESSION and first["status"] == 200 and first["usage"]["input_tokens"] > 0
    assert first["request"]["headers"]["Authorization"] == "[redacted]"
    assert first["request"]["body"] == BODY
    usage = rawhttp.request("GET", f"{live.url}/_mock/usage?session={SESSION}").json()
    assert usage["totals"]["requests"] == 5
    assert usage["totals"]["input_tokens"] == 5 * first["usage"]["input_tokens"]
    metrics = rawhttp.request("GET", f"{live.url}/_mock/metrics").text
    assert re.search(r'mocksrv_requests_total\{dialect="openai",fixture="none",status="200"\} 5\.0', metrics)


def test_a_change_of_state_is_seen_by_the_next_identical_bytes(live, conn):
    before = [conn.ask(request_bytes()) for _ in range(3)]
    fixture = {
        "id": "now-this",
        "match": {"last_user": {"contains": "same bytes"}},
        "reply": {"content": "changed"},
    }
    control(live, "POST", "/fixtures", {"fixtures": [fixture]})
    after = [conn.ask(request_bytes()) for _ in range(4)]
    assert {content(a) for a in after} == {"changed"} != {content(before[-1])}
    assert {a[1]["x-mocksrv-fixture"] for a in after} == {"now-this"}
    assert [e["fixture"] for e in journal(live)] == [None] * 3 + ["now-this"] * 4
    assert replayed(live) == from_bytes(live, 0 + 2)  # each state learned anew
    control(live, "DELETE", "/fixtures/now-this")
    assert content(conn.ask(request_bytes())) == content(before[-1])


def test_a_scenario_error_applies_to_identical_bytes(live, conn):
    for _ in range(3):
        conn.ask(request_bytes())
    control(live, "PUT", "/scenario", {"name": "rate_limit"})
    status, headers, body = conn.ask(request_bytes())
    assert status == 429 and headers["retry-after"] == "1" and "error" in body
    control(live, "PUT", "/scenario", {"name": None})
    assert conn.ask(request_bytes())[0] == 200


def test_another_key_in_the_same_bytes_otherwise_is_its_own_caller(live, conn):
    for _ in range(3):
        conn.ask(request_bytes())
    other = conn.ask(request_bytes(key="sk-another-0123456789abcdef"))
    assert other[0] == 200
    rows = rawhttp.request("GET", f"{live.url}/_mock/usage?session={SESSION}").json()["rows"]
    assert sorted(row["requests"] for row in rows) == [1, 3]  # billed to each key apart


def test_pipelined_and_split_requests_are_answered_in_order(live, conn):
    for _ in range(3):
        conn.ask(request_bytes())
    conn.send(request_bytes() * 3)  # three requests in one read
    assert [conn.answer()[0] for _ in range(3)] == [200] * 3
    data = request_bytes()
    conn.send(data[:40])  # a request whose bytes come in two reads
    time.sleep(0.05)
    conn.send(data[40:])
    assert conn.answer()[0] == 200
    assert replayed(live) == from_bytes(live, 0)  # neither came as one request's bytes
    assert [conn.ask(request_bytes())[0] for _ in range(2)] == [200, 200]  # whole again
    assert replayed(live) == from_bytes(live, 1)  # once the pipeline saw the connection at a boundary
    bad = conn.ask(request_bytes(key=""))  # then one the pipeline refuses
    assert bad[0] == 401
    assert len(journal(live)) == 3 + 3 + 1 + 2 + 1


def test_a_closing_request_closes_the_connection(live, conn):
    for _ in range(3):
        conn.ask(request_bytes())
    status, headers, _ = conn.ask(request_bytes(connection="close"))
    assert status == 200 and headers.get("connection") == "close"
    assert conn.closed()


def test_an_idle_connection_is_still_closed_after_the_idle_timeout(make_server):
    live = make_server(idle_timeout_s=0.6)
    conn = Connection(live)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:  # busy for longer than the timeout: must stay open
        assert conn.ask(request_bytes())[0] == 200
        time.sleep(0.1)
    started = time.monotonic()
    assert conn.closed()  # then idle: closed by the server
    assert 0.3 < time.monotonic() - started < 3
    conn.close()


def test_a_reload_of_the_fixture_files_reaches_identical_bytes(make_server, tmp_path):
    (tmp_path / "f.yaml").write_text(
        "fixtures:\n- id: from-file\n  match: {last_user: {contains: same bytes}}\n  reply: {content: one}\n"
    )
    live = make_server(fixture_dirs=(tmp_path,), bundled_fixtures=False, watch=True)
    conn = Connection(live)
    assert [content(conn.ask(request_bytes())) for _ in range(3)] == ["one"] * 3
    (tmp_path / "f.yaml").write_text(
        "fixtures:\n- id: from-file\n  match: {last_user: {contains: same bytes}}\n  reply: {content: two}\n"
    )
    deadline = time.monotonic() + 15
    while content(conn.ask(request_bytes())) == "one":  # --watch reloads within a second or so
        assert time.monotonic() < deadline, "the reload never reached the answer"
        time.sleep(0.05)
    assert content(conn.ask(request_bytes())) == "two"
    conn.close()


def test_a_stream_asked_again_is_streamed_alike(live, conn):
    answers = []
    for _ in range(6):
        conn.send(request_bytes(stream=True))
        answers.append(conn.raw_answer())
    for status, headers, body in answers:
        assert status == 200 and headers["content-type"].startswith("text/event-stream")
        assert headers["cache-control"] == "no-cache" and "content-length" not in headers
        assert body.endswith(b"data: [DONE]\n\n")
    chunk = official_validator("CreateChatCompletionStreamResponse")
    for _, _, body in answers:  # every chunk of every stream, judged by the official document
        for line in body.split(b"\n"):
            if line.startswith(b"data: {"):
                chunk.validate(json.loads(line[len(b"data: ") :]))
    events = [IDS.sub(b"ID", body).replace(b"\n", b" ") for _, _, body in answers]
    assert len(set(events)) == 1  # the same events, ids aside
    ids = [re.search(rb'"id":"(chatcmpl-[0-9a-f]+)"', body).group(1) for _, _, body in answers]
    assert len(set(ids)) == 6
    assert replayed(live) == from_bytes(live, 3)
    entries = journal(live)
    assert len(entries) == 6 and len({e["events"] for e in entries}) == 1 and entries[0]["events"] > 3
    shown = [[e["data"] for e in entry["response"]["events"]] for entry in entries]
    assert len({IDS.sub(b"ID", json.dumps(s).encode()) for s in shown}) == 1
    assert {e["ended_by"] for e in entries} == {"complete"}


HELLO = "the same bytes every time"
# Dialects whose parse reads headers (anthropic-version) or the path, with their own auth.
ROUTES = {
    "anthropic": (
        "/anthropic/v1/messages",
        {"x-api-key": "sk-ant-replayed-0123456789", "anthropic-version": "2023-06-01"},
        {
            "model": "claude-3-5-haiku-20241022",
            "max_tokens": 64,
            "messages": [{"role": "user", "content": HELLO}],
        },
    ),
    "vertex-gemini": (
        "/vertex/v1beta1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
        {"Authorization": "Bearer ya29.replayed-0123456789"},
        {"contents": [{"role": "user", "parts": [{"text": HELLO}]}]},
    ),
    "bedrock-converse": (
        "/bedrock/model/anthropic.claude-3-5-haiku-20241022-v1:0/converse",
        {"Authorization": "Bearer bedrock-api-key-replayed-0123456789"},
        {"messages": [{"role": "user", "content": [{"text": HELLO}]}]},
    ),
    "ollama": (
        "/ollama/api/chat",
        {},
        {"model": "llama3.2", "messages": [{"role": "user", "content": HELLO}], "stream": False},
    ),
}


def raw_request(path: str, headers: dict[str, str], body: dict) -> bytes:
    data = json.dumps(body).encode()
    fields = {
        "Host": "127.0.0.1",
        "Content-Type": "application/json",
        **headers,
        "Content-Length": str(len(data)),
    }
    return (
        f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    ).encode() + data


@pytest.mark.parametrize("route", ROUTES)
def test_every_dialect_answers_repeated_bytes_alike(live, conn, route):
    data = raw_request(*ROUTES[route])
    answers = [conn.ask(data) for _ in range(5)]
    assert {status for status, _, _ in answers} == {200}
    assert replayed(live) == from_bytes(live, 2)
    entries = rawhttp.request("GET", f"{live.url}/_mock/requests").json()["requests"]
    assert len(entries) == 5 and {e["status"] for e in entries} == {200}
    assert len({json.dumps(comparable(e)) for e in entries}) == 1


def gateway_request(i: int, **extra: str) -> bytes:
    """What a gateway sends: its own request id and trace context on every request."""
    ids = {"X-Request-Id": f"gw-{i:04d}", "traceparent": f"00-{i:032x}-{i:016x}-01"}
    return request_bytes(**{**ids, **extra})


def test_a_new_request_id_on_every_request_is_answered_again_alike(live, conn):
    """Tracing and correlation headers (fast/answered.py UNREAD_HEADERS) change on every request
    a gateway sends; nothing reads them, so the request is answered again without the pipeline,
    then from its bytes with those values cut out, and the journal shows each request's own."""
    answers = [conn.ask(gateway_request(i)) for i in range(6)]
    assert {a[0] for a in answers} == {200} and len({content(a) for a in answers}) == 1
    completion = official_validator("CreateChatCompletionResponse")
    for _, _, body in answers:
        completion.validate(body)
    # the pipeline, answered again twice (which taught the bytes, ids cut out), then from them
    assert replayed(live, "request") == from_bytes(live, 2) and replayed(live) == from_bytes(live, 3)
    entries = journal(live)
    shown = [{k.lower(): v for k, v in e["request"]["headers"].items()} for e in entries]
    assert [headers["x-request-id"] for headers in shown] == [f"gw-{i:04d}" for i in range(6)]
    assert [headers["traceparent"] for headers in shown] == [f"00-{i:032x}-{i:016x}-01" for i in range(6)]
    first, *rest = (comparable({**e, "request": {**e["request"], "headers": {}}}) for e in entries)
    assert all(entry == first for entry in rest)  # the same entries, the ids they carry aside
    assert len({tuple(e["request"]["headers"]) for e in entries}) == 1  # named alike, in order
    # a header mocksrv reads is still part of the key: another session is its own caller
    before = replayed(live), replayed(live, "request")
    other = conn.ask(gateway_request(9999, **{"X-Mock-Session": "another"}))
    assert other[0] == 200 and (replayed(live), replayed(live, "request")) == before
    assert journal(live, session="another")[0]["request"]["headers"]["X-Request-ID"] == "gw-9999"


def test_an_unread_header_sent_twice_is_not_known_by_its_bytes(live, conn):
    """Two lines of one unread header (a proxy appending its own trace id): no values are cut out,
    so such bytes are only known whole, and every answer still shows what was sent."""

    def twice(i: int) -> bytes:
        second = b"X-Amzn-Trace-Id: Root=%d\r\nx-amzn-trace-id:" % i
        return gateway_request(i).replace(b"traceparent:", second)

    answers = [conn.ask(twice(i)) for i in range(5)]
    assert {a[0] for a in answers} == {200} and len({content(a) for a in answers}) == 1
    assert replayed(live) == 0 and replayed(live, "request") == from_bytes(live, 4)
    shown = [e["request"]["headers"]["X-Request-ID"] for e in journal(live)]  # (aiohttp's name)
    assert shown == [f"gw-{i:04d}" for i in range(5)]
