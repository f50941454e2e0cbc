"""`mocksrv serve --watch`: edits to fixture files are served within a second, atomically."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest
import rawhttp
from redis_support import ROOT, Mocksrv, RedisServer, find_redis_server, free_port

FIXTURE = (
    "fixtures:\n  - id: weather\n    match: {{last_user: {{contains: weather}}}}\n"
    "    reply: {{content: {text}}}\n"
)


class Served:
    """`mocksrv serve --watch` as a child process on a free port, its output in a log file."""

    def __init__(self, tmp_path: Path, *extra: str):
        self.port = free_port()
        self.log = tmp_path / "serve.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mocksrv", "serve", "--watch", "--port", str(self.port), *extra],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if rawhttp.request("GET", f"{self.url}/_mock/health", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(self.log.read_text())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def ask(base: str, text: str = "How is the weather?", key: str = "sk-watch") -> str:
    with openai.OpenAI(base_url=base + "/openai/v1", api_key=key, max_retries=0) as sdk:
        answer = sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return answer.choices[0].message.content


def eventually(check, within: float = 1.0):
    """check() until it holds; fails if it does not within `within` seconds of the change."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def reloads(base: str) -> list[dict]:
    entries = rawhttp.request("GET", f"{base}/_mock/requests").json()["requests"]
    return [e for e in entries if e["method"] == "RELOAD"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mocks"
    folder.mkdir()
    (folder / "weather.yaml").write_text(FIXTURE.format(text="Sunny."))
    return folder


def test_an_edit_is_answered_within_a_second_and_journaled(folder, tmp_path):
    served = Served(tmp_path, "--fixtures", str(folder))
    try:
        assert ask(served.url) == "Sunny."
        assert ask(served.url) == "Sunny."  # a repeated body: its answer is remembered
        (folder / "weather.yaml").write_text(FIXTURE.format(text="Rain."))
        assert eventually(lambda: ask(served.url) == "Rain.")
        (folder / "more.yaml").write_text(
            "fixtures:\n  - id: snow\n    match: {last_user: {contains: snow}}\n    reply: {content: Snow.}\n"
        )
        assert eventually(lambda: ask(served.url, "snow?") == "Snow.")
        seen = reloads(served.url)
        assert [e["status"] for e in seen] == [200, 200]
        assert seen[0]["reload"]["files"] == [str((folder / "weather.yaml").resolve())]
        assert seen[1]["reload"]["ok"] is True and seen[1]["reload"]["fixtures"] >= 2
    finally:
        served.stop()
    assert "reloaded" in served.log.read_text()


def test_a_broken_file_keeps_the_previous_set_and_says_where(folder, tmp_path):
    served = Served(tmp_path, "--fixtures", str(folder))
    try:
        broken = folder / "weather.yaml"
        broken.write_text(FIXTURE.format(text="Rain.").replace("content:", "content: 1, finish: nope, x:"))
        assert eventually(lambda: reloads(served.url))
        assert ask(served.url) == "Sunny."
        rejected = reloads(served.url)[-1]
        assert rejected["status"] == 422 and rejected["reload"]["ok"] is False
        assert rejected["violations"][0].startswith(f"{broken.resolve()}: /fixtures/0/reply")
        broken.write_text(FIXTURE.format(text="Fixed."))
        assert eventually(lambda: ask(served.url) == "Fixed.")
    finally:
        served.stop()
    log = served.log.read_text()
    assert "reload rejected, still serving the previous files" in log
    assert f"{broken.resolve()}: /fixtures/0/reply" in log


def test_a_scenario_added_to_a_file_can_be_selected(folder, tmp_path):
    served = Served(tmp_path, "--fixtures", str(folder), "--no-bundled")
    try:
        (folder / "limits.yaml").write_text("scenarios:\n  - name: down\n    steps: [{error: overloaded}]\n")
        names = lambda: rawhttp.request("GET", f"{served.url}/_mock/scenarios").json()["scenarios"]  # noqa: E731
        assert eventually(lambda: "down" in names())
        sdk = openai.OpenAI(base_url=served.url + "/openai/v1", api_key="sk-x", max_retries=0)
        with sdk, pytest.raises(openai.InternalServerError):
            sdk.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"X-Mock-Scenario": "down"},
            )
    finally:
        served.stop()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def test_every_worker_reloads_with_shared_state(folder, tmp_path, redis_server):
    master = Mocksrv(
        redis_server.url(), tmp_path, extra=("--workers", "2", "--watch", "--fixtures", str(folder))
    )
    master.start().wait_ready()
    try:
        (folder / "weather.yaml").write_text(FIXTURE.format(text="Rain."))

        def all_new() -> bool:
            # New connections: the kernel spreads them over both workers.
            answers = [rawhttp_chat(master.url) for _ in range(12)]
            return {a for a, _ in answers} == {"Rain."} and len({w for _, w in answers}) == 2

        assert eventually(all_new, within=2.0)
        workers = {e["worker"] for e in reloads(master.url)}
        assert len(workers) == 2  # each worker journaled its own reload
    finally:
        assert master.stop() == 0


def rawhttp_chat(base: str) -> tuple[str, str]:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "weather?"}]}
    answer = rawhttp.post(
        f"{base}/openai/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-w"}
    )
    return answer.json()["choices"][0]["message"]["content"], answer.headers["x-mocksrv-worker"]


def test_the_inspector_stream_shows_the_reload(folder):
    from mocksrv.config import ServerConfig
    from mocksrv.testing import MockServer

    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,), watch=True)) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/_mock/events")
        stream = connection.getresponse()
        time.sleep(0.3)  # the watcher is up once the app started; give the stream a moment
        (folder / "weather.yaml").write_text(FIXTURE.format(text="Fog."))
        events: dict[str, dict] = {}
        event = None
        while "reload" not in events:
            line = stream.fp.readline().decode().rstrip("\r\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event:
                events[event] = json.loads(line[6:])
        connection.close()
        assert events["entry"]["method"] == "RELOAD" and events["entry"]["status"] == 200
        assert events["reload"]["ok"] is True
        assert ask(server.url) == "Fog."


def test_an_embedding_size_edited_in_a_models_file_is_served(folder, tmp_path):
    models = "models:\n  - {{id: acme-embed, family: openai, kind: embedding, dimensions: {size}}}\n"
    (folder / "models.yaml").write_text(models.format(size=256))
    served = Served(tmp_path, "--fixtures", str(folder))

    def size() -> int:
        with openai.OpenAI(base_url=served.url + "/openai/v1", api_key="sk-watch", max_retries=0) as sdk:
            return len(sdk.embeddings.create(model="acme-embed", input="the same text").data[0].embedding)

    try:
        assert size() == size() == 256  # the second from the remembered answer
        (folder / "models.yaml").write_text(models.format(size=512))
        assert eventually(lambda: size() == 512)
    finally:
        served.stop()
