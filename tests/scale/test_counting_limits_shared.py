"""Counting limits shared through Redis: two mocksrv processes count into one bucket."""

from __future__ import annotations

import pytest
from redis_support import Mocksrv, RedisServer, find_redis_server

LIMITS = "scenarios:\n  - {name: three-a-minute, limits: {rpm: 3}}\n"
SEQUENCE = """
fixtures:
  - id: sequence
    match: {last_user: {equals: "next please"}}
    replies:
      - {content: "first"}
      - {content: "second"}
      - {content: "third"}
      - {content: "fourth"}
      - {content: "fifth"}
"""


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    binary = find_redis_server()
    if not binary:
        pytest.skip("redis-server is not installed (the Debian package redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def pair(redis_server, tmp_path):
    folder = tmp_path / "limits"
    folder.mkdir()
    (folder / "limits.yaml").write_text(LIMITS)
    (folder / "sequence.yaml").write_text(SEQUENCE)
    url = redis_server.url()  # one prefix: the same state for both
    servers = [Mocksrv(url, tmp_path, extra=("--fixtures", str(folder))).start() for _ in range(2)]
    try:
        yield [server.wait_ready() for server in servers]
    finally:
        for server in servers:
            assert server.stop() == 0


def test_two_processes_share_one_bucket_and_one_clock(pair) -> None:
    first, second = pair
    now = first.control("GET", "/clock").json()["now"]
    step = (60 - now % 60 - 30) % 60  # 30 s before the next window
    assert first.control("POST", "/clock", json={"advance_s": step}).status == 200
    answers = [server.chat("shared", scenario="three-a-minute") for server in (first, second, first)]
    assert [a.headers["x-ratelimit-remaining-requests"] for a in answers] == ["2", "1", "0"]
    refused = second.chat("shared", scenario="three-a-minute")
    assert refused.status == 429
    assert 25 < float(refused.headers["retry-after"]) <= 30
    assert first.control("POST", "/clock", json={"advance_s": 31}).status == 200  # moves both
    again = second.chat("shared", scenario="three-a-minute")
    assert again.status == 200 and again.headers["x-ratelimit-remaining-requests"] == "2"


def test_a_refused_request_gives_its_reply_back_in_the_shared_store(pair) -> None:
    """The session's `replies` cursor lives in Redis: a 429 from either process moves it back."""
    first, second = pair
    now = first.control("GET", "/clock").json()["now"]
    assert first.control("POST", "/clock", json={"advance_s": (60 - now % 60 - 30) % 60}).status == 200

    def reply(server) -> str:
        answer = server.chat("sequence", "next please", scenario="three-a-minute")
        if answer.status != 200:
            return str(answer.status)
        return answer.json()["choices"][0]["message"]["content"]

    assert [reply(first), reply(second), reply(first), reply(second)] == ["first", "second", "third", "429"]
    assert first.control("POST", "/clock", json={"advance_s": 31}).status == 200
    assert reply(second) == "fourth"
