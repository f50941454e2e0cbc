"""Stateful Responses on two mocksrv processes sharing one Redis: every step crosses processes."""

from __future__ import annotations

import uuid

import openai
import pytest
from redis_support import Mocksrv, RedisServer, find_redis_server
from stored_flows import background_runs, conversation_across_two, retrieve_list_delete, three_turn_chain


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> RedisServer:
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (the Debian package redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pair(redis_server, tmp_path_factory) -> list[Mocksrv]:
    url, logs = redis_server.url(), tmp_path_factory.mktemp("logs")
    servers = [Mocksrv(url, logs).start() for _ in range(2)]
    try:
        yield [server.wait_ready() for server in servers]
    finally:
        for server in servers:
            server.stop()


def clients(pair: list[Mocksrv]) -> list[openai.OpenAI]:
    key = f"sk-{uuid.uuid4().hex[:12]}"
    return [openai.OpenAI(base_url=f"{s.url}/openai/v1", api_key=key, max_retries=0) for s in pair]


def control(pair: list[Mocksrv]):
    def call(method: str, path: str, body=None):
        answer = (
            pair[0].control(method, path, json=body) if body is not None else pair[0].control(method, path)
        )
        assert answer.status < 300, answer.body
        return answer.json() if answer.body else None

    return call


def test_a_chain_alternating_between_processes(pair):
    ids = three_turn_chain(clients(pair), control(pair))
    entries = [e for e in pair[1].control("GET", "/requests").json()["requests"] if e["stored"] in ids]
    assert sorted((e["stored"], e["continues"]) for e in entries) == sorted(
        [(ids[0], None), (ids[1], ids[0]), (ids[2], ids[1])]
    )


def test_retrieve_and_delete_across_processes(pair):
    retrieve_list_delete(clients(pair))


def test_background_runs_across_processes(pair):
    background_runs(clients(pair), control(pair))


def test_a_conversation_across_processes(pair):
    conversation_across_two(clients(pair), control(pair))
