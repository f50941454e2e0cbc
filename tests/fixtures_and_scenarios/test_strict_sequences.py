"""`--strict` is exact: each of `replies` answers once per session, and the 404 says why."""

from __future__ import annotations

import openai
import pytest

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

FILE = """
fixtures:
  - id: twice
    match: {last_user: {contains: twice}}
    replies: [{content: first}, {content: second}]
  - id: sticky
    match: {last_user: {contains: sticky}}
    repeat_last: true
    replies: [{content: a}, {content: b}]
  - id: single-sequence
    match: {last_user: {contains: lone}}
    replies: [{content: only}]
  - id: fallback
    match: {last_user: {contains: lone}}
    reply: {content: fallback}
  - id: plain
    match: {last_user: {contains: plain}}
    reply: {content: always}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "f.yaml").write_text(FILE)
    return tmp_path


def asker(server: MockServer, key: str):
    sdk = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)

    def ask(text: str) -> str:
        answer = sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        return answer.choices[0].message.content

    return ask


def test_a_sequence_answers_each_reply_once_then_says_it_ran_out(folder):
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,), strict=True)) as server:
        ask = asker(server, "sk-strict-a")
        assert [ask("twice"), ask("twice")] == ["first", "second"]
        with pytest.raises(openai.NotFoundError) as missed:
            ask("twice please")
        message = str(missed.value)
        assert "'twice' (matched, but its 2 replies ran out for this session" in message
        assert "'sticky' (last_user: expected contains 'sticky')" in message  # no rule matched
        assert asker(server, "sk-strict-b")("twice") == "first"  # another session starts fresh
        assert [ask("plain") for _ in range(3)] == ["always"] * 3  # `reply:` is no sequence


def test_repeat_last_and_falling_through_to_the_next_match(folder):
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,), strict=True)) as server:
        ask = asker(server, "sk-strict-c")
        assert [ask("sticky") for _ in range(4)] == ["a", "b", "b", "b"]
        assert [ask("lone") for _ in range(3)] == ["only", "fallback", "fallback"]


def test_runtime_fixtures_are_exact_too(folder):
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,), strict=True)) as server:
        import rawhttp

        document = {
            "fixtures": [
                {"id": "rt", "match": {"last_user": {"contains": "rt"}}, "replies": [{"content": "x"}]}
            ]
        }
        rawhttp.post(f"{server.url}/_mock/fixtures", json=document)
        ask = asker(server, "sk-strict-d")
        assert ask("rt") == "x"
        with pytest.raises(openai.NotFoundError, match="'rt' \\(matched, but its 1 replies ran out"):
            ask("rt")


def test_without_strict_the_last_reply_repeats(folder):
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,))) as server:
        ask = asker(server, "sk-loose")
        assert [ask("twice") for _ in range(3)] == ["first", "second", "second"]
