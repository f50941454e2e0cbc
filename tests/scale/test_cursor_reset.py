"""DELETE /_mock/cursors: every session's reply and step cursors start again (both stores)."""

from __future__ import annotations

import asyncio
import uuid

import openai
import pytest
import rawhttp
from redis_support import RedisServer, find_redis_server

from mocksrv.config import ServerConfig
from mocksrv.state_redis import RedisStore
from mocksrv.testing import MockServer

FILE = (
    "fixtures:\n  - id: seq\n    match: {last_user: {contains: seq}}\n"
    "    replies: [{content: one}, {content: two}]\n"
)


def test_clearing_cursors_restarts_sequences_and_keeps_the_journal(tmp_path):
    (tmp_path / "f.yaml").write_text(FILE)
    with MockServer(ServerConfig(port=0, fixture_dirs=(tmp_path,))) as server:
        sdk = openai.OpenAI(base_url=server.base_url(), api_key="sk-cursor", max_retries=0)

        def ask() -> str:
            answer = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "seq"}])
            return answer.choices[0].message.content

        assert [ask(), ask()] == ["one", "two"]
        assert rawhttp.request("DELETE", f"{server.url}/_mock/cursors").json() == {"cleared": True}
        assert ask() == "one"
        journal = rawhttp.request("GET", f"{server.url}/_mock/requests").json()["requests"]
        assert len(journal) == 3


def test_redis_store_clears_cursors(tmp_path):
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    redis = RedisServer(binary, tmp_path)

    async def scenario() -> list[int]:
        store = RedisStore.from_url(redis.url(f"t-{uuid.uuid4().hex[:8]}:"), journal_limit=5)
        try:
            first = [await store.advance("c"), await store.advance("c")]
            await store.cursors_clear()
            return [*first, await store.advance("c")]
        finally:
            await store.close()

    try:
        assert asyncio.run(scenario()) == [0, 1, 0]
    finally:
        redis.stop()
