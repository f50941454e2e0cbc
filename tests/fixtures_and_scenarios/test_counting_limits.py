"""Rate limits that count: buckets per key and window, told by headers, enforced with a 429."""

from __future__ import annotations

import time
from pathlib import Path

import anthropic
import httpx2 as httpx
import openai
import pytest

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

LIMITS = """
scenarios:
  - name: two-a-minute
    limits: {rpm: 2}
  - name: small-tokens
    limits: {tpm: 100000, itpm: 50, otpm: 100000}
  - name: azure
    limits: {tpm: 1000, rpm: derived}
"""
COUNTDOWN = """
fixtures:
  - id: countdown
    match: {last_user: {equals: "count down"}}
    replies:
      - {content: "four"}
      - {content: "three"}
      - {content: "two"}
      - {content: "one"}
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("limits")
    (folder / "limits.yaml").write_text(LIMITS)
    (folder / "countdown.yaml").write_text(COUNTDOWN)
    with MockServer(ServerConfig(port=0, fixture_dirs=(folder,))) as server:
        yield server


def openai_client(live: MockServer, key: str, scenario: str, retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=key,
        base_url=live.base_url("openai"),
        max_retries=retries,
        default_headers={"X-Mock-Scenario": scenario},
    )


def ask(client: openai.OpenAI):
    return client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )


def near_window_end(live: MockServer, before_s: float) -> None:
    """Move the mocksrv clock to `before_s` seconds before the next minute starts."""
    now = httpx.get(live.url + "/_mock/clock").json()["now"]
    step = (60 - now % 60 - before_s) % 60
    httpx.post(live.url + "/_mock/clock", json={"advance_s": step}).raise_for_status()


def test_remaining_counts_down_and_the_429_says_when(live: MockServer, key: str) -> None:
    near_window_end(live, 30)
    client = openai_client(live, key, "two-a-minute")
    first, second = ask(client), ask(client)
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert [
        first.headers["x-ratelimit-remaining-requests"],
        second.headers["x-ratelimit-remaining-requests"],
    ] == [
        "1",
        "0",
    ]
    reset = first.headers["x-ratelimit-reset-requests"]
    assert reset.endswith("s") and 25 < float(reset.removesuffix("s")) <= 30
    with pytest.raises(openai.RateLimitError) as caught:
        ask(client)
    headers = caught.value.response.headers
    assert 25 < float(headers["retry-after"]) <= 30
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert caught.value.code == "rate_limit_exceeded"
    # Another key has its own bucket; the next window (clock moved) refills this one.
    assert (
        ask(openai_client(live, key + "-other", "two-a-minute")).headers["x-ratelimit-remaining-requests"]
        == "1"
    )
    httpx.post(live.url + "/_mock/clock", json={"advance_s": 31}).raise_for_status()
    assert ask(client).headers["x-ratelimit-remaining-requests"] == "1"


def test_an_sdk_honouring_retry_after_succeeds_on_its_retry(live: MockServer, key: str) -> None:
    near_window_end(live, 40)
    patient = openai_client(live, key, "two-a-minute", retries=2)
    ask(patient), ask(patient)
    near_window_end(live, 0.8)  # the bucket refills in under a second of real time
    started = time.monotonic()
    answer = patient.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices[0].message.content
    assert 0.5 < time.monotonic() - started < 10  # it waited for retry-after, then got through
    journal = httpx.get(live.url + "/_mock/requests").json()["requests"]
    statuses = [e["status"] for e in journal if e["scenario"] == "two-a-minute"][-2:]
    assert statuses == [429, 200]


def test_a_refused_request_uses_no_reply_of_a_sequence(live: MockServer, key: str) -> None:
    """A fixture's `replies` go one per answered request: the retry after a 429 gets the reply
    the refused request would have had, not the one after it."""
    near_window_end(live, 30)
    client = openai_client(live, key, "two-a-minute")

    def count_down() -> str | None:
        messages = [{"role": "user", "content": "count down"}]
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return answer.choices[0].message.content

    assert [count_down(), count_down()] == ["four", "three"]
    with pytest.raises(openai.RateLimitError):
        count_down()
    httpx.post(live.url + "/_mock/clock", json={"advance_s": 31}).raise_for_status()
    assert [count_down(), count_down()] == ["two", "one"]


def test_anthropic_input_tokens_bucket(live: MockServer, key: str) -> None:
    near_window_end(live, 30)
    client = anthropic.Anthropic(
        api_key=key,
        base_url=live.base_url("anthropic"),
        max_retries=0,
        default_headers={"X-Mock-Scenario": "small-tokens"},
    )
    message = {"role": "user", "content": "one two three four five six seven eight nine ten"}
    raw = client.messages.with_raw_response.create(
        model="claude-sonnet-4-5", max_tokens=50, messages=[message]
    )
    used = raw.parse().usage.input_tokens
    assert raw.headers["anthropic-ratelimit-input-tokens-limit"] == "50"
    assert raw.headers["anthropic-ratelimit-input-tokens-remaining"] == str(50 - used)
    output_left = 100000 - raw.parse().usage.output_tokens
    assert raw.headers["anthropic-ratelimit-output-tokens-remaining"] == str(output_left)
    with pytest.raises(anthropic.RateLimitError) as caught:
        for _ in range(50 // used + 1):
            client.messages.create(model="claude-sonnet-4-5", max_tokens=50, messages=[message])
    headers = caught.value.response.headers
    assert headers["anthropic-ratelimit-input-tokens-remaining"] == "0"
    assert 25 < float(headers["retry-after"]) <= 30


def test_azure_rule_derives_requests_from_tokens(live: MockServer, key: str) -> None:
    near_window_end(live, 30)
    raw = ask(openai_client(live, key, "azure"))
    assert raw.headers["x-ratelimit-limit-requests"] == "6"  # 1000 tokens per minute -> 6 requests
    assert raw.headers["x-ratelimit-limit-tokens"] == "1000"
    usage = raw.parse().usage
    assert raw.headers["x-ratelimit-remaining-tokens"] == str(1000 - usage.total_tokens)


def test_files_limits_apply_to_repeated_bodies(tmp_path: Path, key: str) -> None:
    """A top-level `limits:` counts every request, even a body answered before (no memory)."""
    (tmp_path / "limits.yaml").write_text("limits: {rpm: 3}\n")
    with MockServer(ServerConfig(port=0, fixture_dirs=(tmp_path,))) as server:
        near_window_end(server, 30)
        client = openai.OpenAI(api_key=key, base_url=server.base_url("openai"), max_retries=0)
        remaining = [ask(client).headers["x-ratelimit-remaining-requests"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        with pytest.raises(openai.RateLimitError):
            ask(client)


def test_bad_limits_stop_start_up(tmp_path: Path) -> None:
    from mocksrv.errors import ConfigError

    (tmp_path / "limits.yaml").write_text("limits: {rpm: many}\n")
    with pytest.raises(ConfigError, match=r"limits\.yaml: /limits/rpm"):
        MockServer(ServerConfig(port=0, fixture_dirs=(tmp_path,))).start()


def test_anthropic_sdk_with_retries_survives_the_limit(live: MockServer, key: str) -> None:
    near_window_end(live, 40)
    client = anthropic.Anthropic(
        api_key=key,
        base_url=live.base_url("anthropic"),
        max_retries=2,
        default_headers={"X-Mock-Scenario": "two-a-minute"},
    )
    ask = {"model": "claude-sonnet-4-5", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
    client.messages.create(**ask), client.messages.create(**ask)
    near_window_end(live, 0.8)
    started = time.monotonic()
    assert client.messages.create(**ask).content
    assert 0.5 < time.monotonic() - started < 10
