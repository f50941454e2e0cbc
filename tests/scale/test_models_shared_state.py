"""Models, prompt caches and the ledger shared by two replicas on one Redis: a model added
through one is served by the other, a prefix cached by one is read by the other, moving the
clock through one expires it for both, and usage from both is totalled by either."""

from __future__ import annotations

import uuid

import openai
import pytest
from redis_support import Mocksrv, RedisServer, find_redis_server

LONG = " ".join(f"Clause {i}: the tenant keeps the garden tidy and pays rent monthly." for i in range(120))


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (the Debian package redis-server)")
    redis = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    logs = tmp_path_factory.mktemp("logs")
    url = redis.url()  # one key prefix for both (each url() call makes a new one)
    servers = [Mocksrv(url, logs).start() for _ in range(2)]
    try:
        yield [server.wait_ready() for server in servers]
    finally:
        for server in servers:
            server.stop()
        redis.stop()


def client(server: Mocksrv, session: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{server.url}/openai/v1",
        api_key="sk-shared",
        max_retries=0,
        default_headers={"X-Mock-Session": session},
    )


def test_a_model_added_through_one_replica_limits_the_other(pair):
    a, b = pair
    entry = {"id": f"shared-{uuid.uuid4().hex[:6]}", "family": "openai", "context_window": 50}
    assert a.control("POST", "/models", json={"models": [entry]}).status == 201
    assert entry["id"] in [m.id for m in client(b, "s").models.list()]
    with pytest.raises(openai.BadRequestError):
        client(b, "s").chat.completions.create(
            model=entry["id"], messages=[{"role": "user", "content": LONG}]
        )


def test_prompt_cache_and_ledger_are_shared(pair):
    a, b = pair
    session = f"s-{uuid.uuid4().hex[:8]}"
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "Summarise."}]
    first = client(a, session).chat.completions.create(model="gpt-4o", messages=messages)
    second = client(b, session).chat.completions.create(model="gpt-4o", messages=messages)
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    assert second.usage.prompt_tokens_details.cached_tokens >= 1024
    totals = a.control("GET", f"/usage?session={session}").json()["totals"]
    assert totals["requests"] == 2
    assert totals["cached_tokens"] == second.usage.prompt_tokens_details.cached_tokens
    assert b.control("POST", "/clock", json={"advance_s": 600}).status == 200
    third = client(a, session).chat.completions.create(model="gpt-4o", messages=messages)
    assert third.usage.prompt_tokens_details.cached_tokens == 0
