"""Shared state in Redis: several mocksrv processes (or workers) answer exactly as one would."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis_support import ROOT, Mocksrv, RedisServer, find_redis_server, free_port

from mocksrv import config, heartbeat
from mocksrv.errors import ConfigError
from mocksrv.state import MemoryStore, open_state
from mocksrv.state_redis import RedisStore

FLAKY = [429, 503, 200, 200, 200]  # tests/data/fixtures scenario "flaky": the last step repeats
STORY = [
    "Once upon a time, a mock server answered every call the same way.",
    "Then it learned to script its answers.",
    "The end.",
    "The end.",
]


class Noted:
    """A journal entry as a store sees it (journal.Journaled): an id to assign, a view to keep."""

    def __init__(self, **fields: object):
        self.id: int | None = None
        self.fields = fields

    def view(self) -> dict[str, object]:
        return {**self.fields, "id": self.id}


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> RedisServer:
    binary = find_redis_server()
    if not binary:
        pytest.skip(
            "redis-server is not installed and could not be installed (apt-get needs root); "
            "install the Debian package redis-server to run the shared-state tests"
        )
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def pair(redis_server, tmp_path) -> list[Mocksrv]:
    """Two mocksrv processes on one Redis key prefix, as two replicas would run."""
    url = redis_server.url()
    servers = [Mocksrv(url, tmp_path).start() for _ in range(2)]
    try:
        yield [server.wait_ready() for server in servers]
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
async def store(redis_server) -> RedisStore:
    live = RedisStore.from_url(redis_server.url(), journal_limit=5)
    yield live
    await live.close()


def new_session() -> str:
    return f"s-{uuid.uuid4().hex[:10]}"


def content(response) -> str:
    return response.json()["choices"][0]["message"]["content"]


# --- several processes, one state -------------------------------------------------------------


def test_scenario_steps_advance_across_processes_as_on_one(pair):
    alternating, alone = new_session(), new_session()
    across = [pair[i % 2].chat(alternating, scenario="flaky") for i in range(5)]
    single = [pair[0].chat(alone, scenario="flaky") for _ in range(5)]
    assert [r.status for r in across] == [r.status for r in single] == FLAKY
    assert [r.headers["x-mocksrv-step"] for r in across] == ["0", "1", "2", "2", "2"]
    assert len({r.headers["x-mocksrv-worker"] for r in across}) == 2


def test_reply_cursors_are_shared(pair):
    session = new_session()
    replies = [pair[i % 2].chat(session, "please tell me a story") for i in range(4)]
    assert [content(r) for r in replies] == STORY
    assert {r.headers["x-mocksrv-fixture"] for r in replies} == {"story-sequence"}


def test_journal_on_either_process_shows_requests_from_both(pair):
    a, b = pair
    session = new_session()
    a.chat(session, "from a")
    b.chat(session, "from b")
    a.chat(session, "a again")
    entries = a.journal(session)
    assert entries == b.journal(session)
    texts = [e["request"]["body"]["messages"][0]["content"] for e in entries]
    assert texts == ["from a", "from b", "a again"]
    assert [e["id"] for e in entries] == sorted({e["id"] for e in entries})  # unique, oldest first


def test_runtime_fixtures_and_scenarios_added_through_one_are_served_by_the_other(pair):
    a, b = pair
    token = uuid.uuid4().hex[:8]
    fixture = {"id": f"rt-{token}", "match": {"last_user": {"contains": token}}, "reply": {"content": "one"}}
    assert a.control("POST", "/fixtures", json={"fixtures": [fixture]}).status == 201
    answer = b.chat(new_session(), f"say {token}")
    assert (answer.headers["x-mocksrv-fixture"], content(answer)) == (f"rt-{token}", "one")
    fixture["reply"] = {"content": "two"}
    b.control("POST", "/fixtures", json={"fixtures": [fixture]})
    assert content(a.chat(new_session(), f"say {token}")) == "two"
    assert b.control("DELETE", f"/fixtures/rt-{token}").status == 200
    assert a.chat(new_session(), f"say {token}").headers.get("x-mocksrv-fixture") != f"rt-{token}"

    scenario = {"name": f"rt-{token}", "steps": [{"error": "server_error"}, "ok"]}
    assert a.control("POST", "/scenarios", json={"scenarios": [scenario]}).status == 201
    session = new_session()
    assert [p.chat(session, scenario=f"rt-{token}").status for p in (b, a, b)] == [500, 200, 200]


def test_a_repeated_request_follows_changes_made_through_the_other(pair):
    """A process keeps no decision for a repeated body when the state is shared (the Redis store
    has no epoch, mocksrv/fast/decided.py): a change made through the other process applies at once."""
    a, b = pair
    session, token = new_session(), uuid.uuid4().hex[:8]
    first, again = (content(a.chat(session, f"say {token}")) for _ in range(2))  # same body, same caller
    assert first == again
    fixture = {
        "id": f"late-{token}",
        "match": {"last_user": {"contains": token}},
        "reply": {"content": "new"},
    }
    assert b.control("POST", "/fixtures", json={"fixtures": [fixture]}).status == 201
    assert content(a.chat(session, f"say {token}")) == "new"
    assert b.control("PUT", f"/sessions/{session}/scenario", json={"name": "flaky"}).status == 200
    assert a.chat(session, f"say {token}").status == 429


def test_server_wide_switch_is_seen_by_both(pair):
    a, b = pair
    assert a.control("PUT", "/scenario", json={"name": "flaky"}).status == 200
    assert b.control("GET", "/scenarios").json()["active"] == "flaky"
    session = new_session()
    assert [b.chat(session).status, a.chat(session).status] == [429, 503]
    b.control("PUT", "/scenario", json={"name": None})
    assert a.chat(new_session()).status == 200


def test_reset_through_one_clears_both(pair):
    a, b = pair
    session = new_session()
    a.chat(session, scenario="flaky")
    assert b.control("POST", "/reset", json={}).status == 200
    assert a.journal(session) == [] == b.journal(session)
    assert a.chat(session, scenario="flaky").headers["x-mocksrv-step"] == "0"  # cursors restart


def test_a_restarted_process_loses_nothing(pair, tmp_path):
    a, b = pair
    session, token = new_session(), uuid.uuid4().hex[:8]
    fixture = {
        "id": f"kept-{token}",
        "match": {"last_user": {"contains": token}},
        "reply": {"content": "kept"},
    }
    b.control("POST", "/fixtures", json={"fixtures": [fixture]})
    assert [a.chat(session, scenario="flaky").status for _ in range(2)] == FLAKY[:2]
    assert a.stop() == 0  # SIGTERM: a clean exit
    again = Mocksrv(a.args[a.args.index("--state") + 1], tmp_path, port=a.port).start().wait_ready()
    try:
        assert again.chat(session, scenario="flaky").headers["x-mocksrv-step"] == "2"
        assert len(again.journal(session)) == 3
        assert content(again.chat(new_session(), f"keep {token}")) == "kept"
    finally:
        assert again.stop() == 0


# --- workers: one port, one master ------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def worker_pids(master: Mocksrv) -> list[int]:
    return [w["pid"] for w in master.control("GET", "/health").json()["workers"]]


def test_workers_share_one_port_and_stop_together(redis_server, tmp_path):
    master = Mocksrv(redis_server.url(), tmp_path, env={"MOCKSRV_WORKERS": "2"}).start().wait_ready()
    try:
        session = new_session()
        responses = [master.chat(session, scenario="flaky") for _ in range(30)]
        assert [r.status for r in responses] == FLAKY[:2] + [200] * 28
        assert [r.headers["x-mocksrv-step"] for r in responses] == ["0", "1"] + ["2"] * 28
        assert len({r.headers["x-mocksrv-worker"] for r in responses}) == 2  # both workers answered
        pids = worker_pids(master)
        assert len(pids) == 2 and master.proc.pid not in pids
    finally:
        assert master.stop() == 0
    assert not any(alive(pid) for pid in pids)


def pid_of_worker(answer) -> int:
    return int(answer.headers["x-mocksrv-worker"].rsplit(":", 1)[1])


def children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def all_listening(master: Mocksrv) -> Mocksrv:
    """Once the banner names every worker (health answers as soon as one of them listens)."""
    deadline = time.monotonic() + 30
    while "  workers    2 (pids" not in master.log.read_text():
        assert time.monotonic() < deadline and master.proc.poll() is None
        time.sleep(0.05)
    return master


def test_master_restarts_a_worker_that_dies(redis_server, tmp_path):
    master = all_listening(Mocksrv(redis_server.url(), tmp_path, extra=("--workers", "2")).start())
    try:
        pids = worker_pids(master)
        os.kill(pids[0], signal.SIGKILL)
        time.sleep(0.2)  # gone from the port's group: new connections go to the other
        answered: set[int] = set()
        deadline = time.monotonic() + 20
        while not answered - set(pids):  # until the replacement answers too
            assert time.monotonic() < deadline, f"no new worker; answered by {answered}"
            answer = master.chat(new_session())
            assert answer.status == 200
            answered.add(pid_of_worker(answer))
        assert pids[0] not in answered and master.proc.poll() is None and alive(pids[1])
        assert len(children(master.proc.pid)) == 2
        assert "was killed by SIGKILL" in master.log.read_text()
    finally:
        assert master.stop() == 0


def test_a_worker_that_keeps_dying_is_given_up_on_while_the_other_serves(redis_server, tmp_path):
    master = all_listening(Mocksrv(redis_server.url(), tmp_path, extra=("--workers", "2")).start())
    try:
        survivor = min(children(master.proc.pid))
        deadline = time.monotonic() + 40
        while "not restarting it again" not in master.log.read_text():
            assert time.monotonic() < deadline and master.proc.poll() is None
            for pid in children(master.proc.pid) - {survivor}:  # each replacement dies at once
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        log = master.log.read_text()
        assert "restarting it in 0.5 s" in log and "restarting it in 4.0 s" in log  # backed off
        time.sleep(1)
        assert children(master.proc.pid) == {survivor}
        answers = [master.chat(new_session()) for _ in range(5)]
        assert {(a.status, pid_of_worker(a)) for a in answers} == {(200, survivor)}
    finally:
        assert master.stop() == 0


def test_unreachable_state_stops_start_up_with_a_clear_message():
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = subprocess.run(
        [sys.executable, "-m", "mocksrv", "serve", "--port", "0", "--state", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "state store unreachable" in done.stderr


# --- the store itself -------------------------------------------------------------------------


async def test_advance_is_atomic_across_clients(store, redis_server):
    other = RedisStore.from_url(f"{redis_server.url(store.prefix)}", journal_limit=5)
    try:
        calls = [s.advance("steps\x1fsession") for s in (store, other) for _ in range(50)]
        assert sorted(await asyncio.gather(*calls)) == list(range(100))
    finally:
        await other.close()


async def test_cursors_are_bounded_least_recently_used_first(store, monkeypatch):
    """Like the memory store: a session per test must not grow the cursor hash forever."""
    monkeypatch.setattr(config, "MAX_CURSORS", 10)
    for i in range(50):
        await store.advance(f"s{i}")
        await store.advance("busy")  # used all along: never the least recent
    assert [await store.advance("busy"), await store.advance("s0")] == [50, 0]  # s0 was dropped
    assert await store.redis.hlen(store.key("cursors")) == 10


async def test_journal_ids_and_bound(store):
    ids = [await store.journal_add(Noted(n=n)) for n in range(7)]
    assert ids == list(range(ids[0], ids[0] + 7))
    entries = await store.journal_entries()
    assert [e["n"] for e in entries] == [2, 3, 4, 5, 6] and [e["id"] for e in entries] == ids[2:]
    assert await store.journal_size() == 5
    await store.journal_clear()
    assert await store.journal_entries() == [] and await store.journal_size() == 0
    assert await store.journal_add(Noted(n=7)) == ids[-1] + 1  # ids never repeat


async def test_documents_behave_like_the_memory_store(store, redis_server):
    reader = RedisStore.from_url(redis_server.url(store.prefix))  # another process's view
    memory = MemoryStore()
    try:
        for target in (store, memory):
            seen = [(await target.documents("fixtures"))[0]]
            for key, n in (("a", 1), ("b", 2), ("a", 3)):  # replacing "a" moves it to the end
                await target.put_document("fixtures", key, {"id": key, "n": n})
                seen.append((await target.documents("fixtures"))[0])
            assert await target.delete_document("fixtures", "b") is True
            assert await target.delete_document("fixtures", "nope") is False
            seen.append((await target.documents("fixtures"))[0])
            assert len(set(seen)) == len(seen)  # every write moved the version on
        assert await reader.documents("fixtures") == await store.documents("fixtures")
        assert (await store.documents("fixtures"))[1] == (await memory.documents("fixtures"))[1]
        assert (await store.documents("fixtures"))[1] == [{"id": "a", "n": 3}]
    finally:
        await reader.close()


async def test_reset_clears_state_but_counters_move_on(store):
    await store.set_setting("server_scenario", "flaky")
    await store.advance("c")
    first_id = await store.journal_add(Noted(n=1))
    await store.put_document("scenarios", "x", {"name": "x"})
    version, _ = await store.documents("scenarios")
    await store.reset()
    assert await store.get_setting("server_scenario") is None and await store.advance("c") == 0
    assert await store.journal_entries() == []
    new_version, documents = await store.documents("scenarios")
    assert documents == [] and new_version > version
    assert await store.journal_add(Noted(n=2)) > first_id


async def test_heartbeats_and_health(store):
    await store.heartbeat("h:1", {"id": "h:1", "pid": 1})
    assert [w["id"] for w in await store.workers(60)] == ["h:1"]
    status, body = await heartbeat.health(store)
    assert status == 200 and {"h:1", heartbeat.identity()["id"]} <= {w["id"] for w in body["workers"]}
    gone = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        status, body = await heartbeat.health(gone)
        assert status == 503 and body["status"] == "unavailable"
    finally:
        await gone.close()


def test_open_state_picks_the_store_from_the_url():
    assert isinstance(open_state(None, 10), MemoryStore)
    redis_store = open_state("redis://127.0.0.1:1/0?prefix=team-a:&socket_timeout=2", 10)
    assert isinstance(redis_store, RedisStore) and redis_store.prefix == "team-a:"
    with pytest.raises(ConfigError, match="unsupported state URL"):
        open_state("memcached://127.0.0.1:11211", 10)


def test_the_clock_moved_on_one_process_is_the_clock_of_both(pair):
    a, b = pair
    assert a.control("POST", "/clock", json={"advance_s": 120}).status == 200
    assert b.control("GET", "/clock").json()["offset_s"] == 120
    b.control("POST", "/reset", json={})
    assert a.control("GET", "/clock").json()["offset_s"] == 0
