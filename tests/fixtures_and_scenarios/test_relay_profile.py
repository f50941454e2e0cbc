"""The relay profile: errors as new-api / one-api relays send them, through the openai SDK."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import openai
import pytest

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

SCENARIOS = """
scenarios:
  - {name: relay-no-channel, profile: relay, steps: [{error: not_found}]}
  - {name: relay-down, profile: relay, steps: [{error: server_error}]}
  - {name: relay-busy, profile: relay, steps: [{error: overloaded}]}
  - {name: relay-quota, profile: relay, steps: [{error: quota}]}
  - {name: relay-timeout, profile: relay, steps: [{error: timeout}]}
  - {name: relay-limited, profile: relay, steps: [{error: rate_limit, retry_after: 2}]}
  - {name: plain-timeout, steps: [{error: timeout}]}
"""
ASK = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("relay")
    (folder / "relay.yaml").write_text(SCENARIOS)
    config = ServerConfig(port=0, fixture_dirs=(folder,), relay_dialects=frozenset({"wuinai"}))
    with MockServer(config) as server:
        yield server


def fail(live: MockServer, key: str, scenario: str | None, dialect: str = "openai") -> openai.APIStatusError:
    headers = {"X-Mock-Scenario": scenario} if scenario else {}
    client = openai.OpenAI(
        api_key=key, base_url=live.base_url(dialect), max_retries=0, default_headers=headers
    )
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=ASK)
    return caught.value


def test_no_channel_is_a_503_with_the_relay_wording(live: MockServer, key: str) -> None:
    error = fail(live, key, "relay-no-channel")
    assert error.status_code == 503
    body = error.body
    assert body["type"] == "new_api_error" and body["code"] == "model_not_found"
    request_id = error.response.headers["x-request-id"]
    wording = "No available channel for model gpt-4o-mini under group default (distributor)"
    assert body["message"] == f"{wording} (request id: {request_id})"


@pytest.mark.parametrize(
    ("scenario", "status", "type_", "code", "sdk_error"),
    [
        ("relay-down", 500, "upstream_error", "bad_response_status_code", openai.InternalServerError),
        ("relay-busy", 503, "new_api_error", "get_channel_failed", openai.InternalServerError),
        ("relay-quota", 403, "new_api_error", "insufficient_user_quota", openai.PermissionDeniedError),
        ("relay-limited", 429, "requests", "rate_limit_exceeded", openai.RateLimitError),
    ],
)
def test_relay_types_and_codes(live: MockServer, key: str, scenario, status, type_, code, sdk_error) -> None:
    error = fail(live, key, scenario)
    assert isinstance(error, sdk_error) and error.status_code == status
    assert (error.body["type"], error.body["code"]) == (type_, code)
    assert error.body["message"].endswith(f" (request id: {error.response.headers['x-request-id']})")


def test_upstream_timeout_is_the_nginx_page(live: MockServer, key: str) -> None:
    error = fail(live, key, "relay-timeout")
    assert isinstance(error, openai.InternalServerError) and error.status_code == 504
    assert error.response.headers["content-type"].startswith("text/html")
    assert "<center><h1>504 Gateway Time-out</h1></center>" in error.response.text
    assert "nginx" in error.response.text and error.message == "Error code: 504"
    plain = fail(live, key, "plain-timeout")  # without the profile: the dialect's JSON
    assert plain.status_code == 504 and isinstance(plain.body, dict)


def test_command_line_switches_a_dialect(live: MockServer, key: str) -> None:
    """wuinai is named in relay_dialects: its errors end with the request id without a scenario."""
    headers = {"Authorization": f"Bearer {key}"}
    answer = httpx.post(live.base_url("wuinai") + "/chat/completions", json={"model": "x"}, headers=headers)
    assert answer.status_code == 401  # wuinai wants its own key header: an auth error
    assert "(request id: " in answer.json()["error"]["message"]
    other = httpx.post(live.base_url("opeai") + "/chat/completions", json={"model": "x"}, headers=headers)
    assert "(request id: " not in other.json()["error"]["message"]


def test_billing_endpoints_on_opeai(live: MockServer, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    subscription = httpx.get(live.base_url("opeai") + "/dashboard/billing/subscription", headers=headers)
    assert subscription.status_code == 200
    body = subscription.json()
    assert body["object"] == "billing_subscription" and body["hard_limit_usd"] > 0
    usage = httpx.get(live.base_url("opeai") + "/dashboard/billing/usage", headers=headers).json()
    assert usage == {"object": "list", "total_usage": 0}  # a new key has spent nothing
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What does it cost?"}]}
    for _ in range(2):
        assert httpx.post(live.base_url("opeai") + "/chat/completions", json=body, headers=headers).is_success
    spent = httpx.get(live.url + "/_mock/usage", params={"key": key}).json()["totals"]["cost_usd"]
    usage = httpx.get(live.base_url("opeai") + "/dashboard/billing/usage", headers=headers).json()
    assert spent > 0 and usage["total_usage"] == round(spent * 100, 6)  # cents, as one-api counts


def test_unknown_relay_dialect_stops_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from mocksrv.cli import main

    assert main(["serve", "--port", "0", "--relay-profile", "opeai,nope"]) == 2
    assert "--relay-profile: unknown dialect 'nope'" in capsys.readouterr().err
