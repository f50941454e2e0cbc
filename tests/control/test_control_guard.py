"""The control API against web pages and odd clients: Host, Origin, content type, whole bodies,
redacted sessions, odd admin tokens; the recorder against path traversal."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import rawhttp
from aiohttp import web
from ports import free_port, wait_for

from mocksrv.env import from_environ
from mocksrv.record import recorder_app

JSON = {"Content-Type": "application/json"}
EVIL = "http://evil.example"


def fixture(fixture_id: str, text: str = "planted") -> dict:
    return {"id": fixture_id, "match": {"last_user": {"equals": fixture_id}}, "reply": {"content": text}}


def fixture_ids(live) -> set[str]:
    return {f["id"] for f in rawhttp.request("GET", f"{live.url}/_mock/fixtures").json()["fixtures"]}


def raw_exchange(port: int, *parts: bytes, pause: float = 0.05, wait_continue: bool = False) -> bytes:
    """Send `parts` as separate TCP segments; return the whole answer (the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(parts[0])
        if wait_continue:
            assert sock.recv(4096).startswith(b"HTTP/1.1 100")
        for part in parts[1:]:
            time.sleep(pause)
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def head_of(port: int, path: str, length: int, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    lines += [f"Content-Length: {length}", "Connection: close", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# --- item 3: web pages cannot drive the control API ---


def test_a_simple_cross_origin_post_plants_nothing(server):
    name = f"evil-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"fixtures": [fixture(name)]}).encode()
    for headers in ({"Content-Type": "text/plain", "Origin": EVIL}, {"Content-Type": "text/plain"}):
        answer = rawhttp.post(f"{server.url}/_mock/fixtures", data=body, headers=headers)
        assert answer.status in (403, 415) and "message" in answer.json()["error"]
    answer = rawhttp.post(f"{server.url}/_mock/fixtures", data=body, headers={"Content-Type": "text/plain"})
    assert answer.status == 415
    assert name not in fixture_ids(server)
    assert rawhttp.post(f"{server.url}/_mock/reset", headers={"Content-Type": "text/plain"}).status == 415


def test_foreign_origins_are_refused_even_as_json(server):
    name = f"evil-{uuid.uuid4().hex[:8]}"
    for origin in (EVIL, "null", f"http://localhost:{server.port + 1}"):
        answer = rawhttp.post(
            f"{server.url}/_mock/fixtures", json={"fixtures": [fixture(name)]}, headers={"Origin": origin}
        )
        assert answer.status == 403, origin
        assert answer.json()["error"]["message"] == "Cross-origin requests to the control API are refused."
    assert rawhttp.request("GET", f"{server.url}/_mock/requests", headers={"Origin": EVIL}).status == 403
    assert name not in fixture_ids(server)


def test_the_servers_own_origin_and_plain_clients_are_served(server):
    name = f"own-{uuid.uuid4().hex[:8]}"
    own = {"Origin": server.url, **JSON}
    answer = rawhttp.post(f"{server.url}/_mock/fixtures", json={"fixtures": [fixture(name)]}, headers=own)
    assert answer.status == 201
    assert rawhttp.request("DELETE", f"{server.url}/_mock/fixtures/{name}", headers=own).status == 200


def test_the_host_header_must_name_this_server(server):
    port = server.port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
        answer = rawhttp.request("GET", f"{server.url}/_mock/requests", headers={"Host": host})
        assert answer.status == 403, host
        assert "--allowed-host" in answer.json()["error"]["message"]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LOCALHOST"):
        assert rawhttp.request("GET", f"{server.url}/_mock/requests", headers={"Host": host}).status == 200
    # Probes reach health under whatever name the platform uses.
    assert (
        rawhttp.request("GET", f"{server.url}/_mock/health", headers={"Host": "10.1.2.3:8080"}).status == 200
    )
    assert rawhttp.request("GET", f"{server.url}/_mock/ui", headers={"Host": "evil.example"}).status == 403


def test_allowed_host_adds_names(make_server):
    live = make_server(allowed_hosts=("mock.internal",))
    assert (
        rawhttp.request("GET", f"{live.url}/_mock/requests", headers={"Host": "mock.internal:9"}).status
        == 200
    )
    assert (
        rawhttp.request("GET", f"{live.url}/_mock/requests", headers={"Host": "other.internal"}).status == 403
    )
    anyone = make_server(allowed_hosts=("*",))
    assert (
        rawhttp.request("GET", f"{anyone.url}/_mock/requests", headers={"Host": "other.internal"}).status
        == 200
    )


def test_allowed_host_comes_from_the_flag_or_the_environment():
    env = {"MOCKSRV_ALLOWED_HOST": " c.test, d.test "}
    assert from_environ(env) == {"allowed_host": ["c.test", "d.test"]}
    port = free_port()
    command = [sys.executable, "-m", "mocksrv", "serve", "--port", str(port), "--no-bundled"]
    command += ["--allowed-host", "a.test", "--allowed-host", "b.test"]  # the flags win over the variable
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/_mock/requests"
        wait_for(url, process)
        for host, status in (("a.test", 200), ("b.test:1", 200), ("c.test", 403), ("evil.example", 403)):
            assert rawhttp.request("GET", url, headers={"Host": host}).status == status, host
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_journal_shows_api_keys_redacted_yet_finds_them(server):
    key = f"sk-proj-{uuid.uuid4().hex}"
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]}
    headers = {"Authorization": f"Bearer {key}"}
    assert rawhttp.post(f"{server.url}/openai/v1/chat/completions", json=chat, headers=headers).status == 200
    answer = rawhttp.request("GET", f"{server.url}/_mock/requests?session={key}")
    (entry,) = answer.json()["requests"]
    assert entry["session"] == f"sk-…{key[-4:]}"
    assert key not in answer.text and key[8:] not in answer.text
    everything = rawhttp.request("GET", f"{server.url}/_mock/requests").text
    assert key not in everything
    other = f"sk-proj-{uuid.uuid4().hex[:-4]}{key[-4:]}"  # same shown form, another key
    assert rawhttp.request("GET", f"{server.url}/_mock/requests?session={other}").json()["requests"] == []


def test_named_sessions_and_short_keys(server):
    session = f"named-{uuid.uuid4().hex[:8]}"
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]}
    headers = {"Authorization": "Bearer short-key", "X-Mock-Session": session}
    assert rawhttp.post(f"{server.url}/openai/v1/chat/completions", json=chat, headers=headers).status == 200
    (entry,) = rawhttp.request("GET", f"{server.url}/_mock/requests?session={session}").json()["requests"]
    assert entry["session"] == session
    headers = {"Authorization": f"Bearer tiny-{session}"}
    assert rawhttp.post(f"{server.url}/openai/v1/chat/completions", json=chat, headers=headers).status == 200
    found = rawhttp.request("GET", f"{server.url}/_mock/requests?session=tiny-{session}")
    assert [e["session"] for e in found.json()["requests"]] == ["…"]
    assert f"tiny-{session}" not in found.text


# --- item 7: control bodies are read whole, up to a cap ---


def test_a_large_control_body_is_read_whole(server):
    name = f"large-{uuid.uuid4().hex[:8]}"
    document = {"fixtures": [fixture(name, "x" * 300_000)]}
    assert rawhttp.post(f"{server.url}/_mock/fixtures", json=document).status == 201
    assert name in fixture_ids(server)


def test_a_body_over_the_cap_is_a_413_in_the_control_shape(make_server):
    live = make_server(max_control_body_bytes=100_000)
    document = {"fixtures": [fixture("too-big", "x" * 200_000)]}
    answer = rawhttp.post(f"{live.url}/_mock/fixtures", json=document)
    assert answer.status == 413
    assert answer.json() == {"error": {"message": "Control API bodies are limited to 100000 bytes."}}
    body = orjson.dumps(document)
    head = head_of(live.port, "/_mock/fixtures", len(body)).replace(b"Content-Length", b"X-Length")
    chunked = head.replace(b"Connection: close", b"Connection: close\r\nTransfer-Encoding: chunked")
    answer = raw_exchange(live.port, chunked + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"limited to 100000 bytes" in answer


def test_a_small_body_split_across_segments(server):
    name = f"split-{uuid.uuid4().hex[:8]}"
    body = orjson.dumps({"fixtures": [fixture(name)]})
    half = len(body) // 2
    answer = raw_exchange(
        server.port, head_of(server.port, "/_mock/fixtures", len(body)), body[:half], body[half:]
    )
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert name in fixture_ids(server)


def test_expect_100_continue(server):
    name = f"expect-{uuid.uuid4().hex[:8]}"
    body = orjson.dumps({"fixtures": [fixture(name, "x" * 3000)]})  # curl expects from 1 KiB on
    head = head_of(server.port, "/_mock/fixtures", len(body), "Expect: 100-continue")
    answer = raw_exchange(server.port, head, body[:1000], body[1000:], wait_continue=True)
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert name in fixture_ids(server)


# --- item 10: odd admin tokens, recorder traversal ---


def test_a_non_utf8_admin_token_is_a_401(make_server):
    live = make_server(admin_token="s3cret")
    request = (
        f"GET /_mock/requests HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nConnection: close\r\n".encode()
        + b"X-Mock-Admin-Token: \xff\xfe\xc3(\r\n\r\n"
    )
    answer = raw_exchange(live.port, request)
    assert answer.startswith(b"HTTP/1.1 401")
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert "admin token" in body["error"]["message"]


async def test_the_recorder_refuses_traversal_in_a_model_name(tmp_path: Path, aiohttp_client):
    seen: list[str] = []

    async def upstream_handler(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"ok": True})

    upstream = web.Application()
    upstream.router.add_route("*", "/{tail:.*}", upstream_handler)
    upstream_client = await aiohttp_client(upstream)
    base = str(upstream_client.make_url(""))
    client = await aiohttp_client(recorder_app(base, "gemini", tmp_path / "out"))
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    for model in ("..%2F..%2Fadmin", "..", "a%2Fb", "..%5Cx"):
        path = f"/gemini/v1beta/models/{model}:generateContent"
        async with client.post(path, json=body, headers={"x-goog-api-key": "k"}) as response:
            assert response.status in (400, 404), model
            assert (await response.json())["error"]["status"] in ("NOT_FOUND", "INVALID_ARGUMENT")
    assert seen == []
    async with client.post("/gemini/v1beta/models/gemini-2.5-flash:generateContent", json=body) as response:
        assert response.status == 200
    assert seen == ["/v1beta/models/gemini-2.5-flash:generateContent"]


def test_a_caller_holding_the_admin_token_may_use_any_host_name(make_server):
    live = make_server(admin_token="s3cret")
    url = f"{live.url}/_mock/metrics"
    assert rawhttp.request("GET", url, headers={"Host": "10.0.0.7:8080"}).status == 403
    token = {"Host": "10.0.0.7:8080", "Authorization": "Bearer s3cret"}
    assert rawhttp.request("GET", url, headers=token).status == 200  # e.g. a Prometheus scrape
    wrong = {"Host": "10.0.0.7:8080", "Authorization": "Bearer guess"}
    assert rawhttp.request("GET", url, headers=wrong).status == 403


def test_an_http10_client_without_host_reads_the_journal(server):
    answer = raw_exchange(server.port, b"GET /_mock/requests?limit=1 HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200"), answer[:100]
