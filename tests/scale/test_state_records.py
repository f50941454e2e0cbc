"""Records and tallies in the state store (stored responses, cache entries, usage totals):
bounded per kind, expiring on the mocksrv clock, cleared by reset; memory and Redis alike."""

from __future__ import annotations

import pytest
from redis_support import RedisServer, find_redis_server

from mocksrv import config
from mocksrv.state import MemoryStore
from mocksrv.state_redis import RedisStore


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (the Debian package redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    server = request.getfixturevalue("redis_server")
    live = RedisStore.from_url(server.url())
    yield live
    await live.reset()
    await live.close()


async def test_a_record_lives_until_it_expires_on_the_given_clock(store):
    await store.record_put("resp", "r1", {"text": "hi"}, expires_at=100.0)
    assert await store.record_get("resp", "r1", now=99.0) == {"text": "hi"}
    assert await store.record_get("resp", "r1", now=100.0) is None
    assert await store.record_get("resp", "r1", now=0.0) is None  # expired records are gone


async def test_records_without_expiry_can_be_deleted_once(store):
    await store.record_put("resp", "r1", {"n": 1}, expires_at=None)
    assert await store.record_get("resp", "r1", now=1e12) == {"n": 1}
    assert await store.record_delete("resp", "r1") is True
    assert await store.record_delete("resp", "r1") is False
    assert await store.record_get("resp", "r1", now=0) is None


async def test_records_are_bounded_per_kind(store, monkeypatch):
    monkeypatch.setattr(config, "MAX_RECORDS", 3)
    for i in range(5):
        await store.record_put("resp", f"r{i}", {"i": i}, expires_at=None)
    kept = [i for i in range(5) if await store.record_get("resp", f"r{i}", now=0) is not None]
    assert kept == [2, 3, 4]


async def test_tallies_add_up_and_reset_clears_them(store):
    await store.tally_add("usage", "k1", {"input": 10, "cost": 0.5})
    totals = await store.tally_add("usage", "k1", {"input": 5, "output": 2})
    assert totals == {"input": 15, "cost": 0.5, "output": 2}
    await store.tally_add("usage", "k2", {"input": 1})
    assert await store.tallies("usage") == {"k1": totals, "k2": {"input": 1}}
    await store.record_put("resp", "r1", {"n": 1}, expires_at=None)
    await store.reset()
    assert await store.tallies("usage") == {}
    assert await store.record_get("resp", "r1", now=0) is None


async def test_tallies_are_bounded_per_kind(store, monkeypatch):
    monkeypatch.setattr(config, "MAX_RECORDS", 2)
    for key in ("a", "b", "c"):
        await store.tally_add("usage", key, {"n": 1})
    await store.tally_add("usage", "b", {"n": 1})
    await store.tally_add("usage", "d", {"n": 1})
    assert sorted(await store.tallies("usage")) == ["b", "d"]
