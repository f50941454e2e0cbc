"""The ledger: usage and cost on each journal entry, totals per session, key and model at
GET /_mock/usage, Prometheus counters, and a budget assertion through the pytest plugin."""

from __future__ import annotations

import anthropic
import openai
import pytest
import rawhttp

pytest_plugins = ["pytester"]

LONG = " ".join(f"Clause {i}: the tenant keeps the garden tidy and pays rent monthly." for i in range(120))
GPT_4O = {"input": 2.5, "cached_input": 1.25, "output": 10.0}  # models/catalog.yaml, $ per million
SONNET = {"input": 3.0, "cached_input": 0.3, "cache_write": 3.75, "output": 15.0}


def usage_of(server, **query) -> dict:
    path = "/_mock/usage?" + "&".join(f"{k}={v}" for k, v in query.items())
    return rawhttp.request("GET", server.url + path).json()


def test_journal_entry_carries_usage_and_cost(make_server, key):
    server = make_server()
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi there"}]
    )
    [entry] = rawhttp.request("GET", server.url + "/_mock/requests").json()["requests"]
    u = answer.usage
    assert entry["model"] == "gpt-4o"
    assert entry["usage"]["input_tokens"] == u.prompt_tokens
    assert entry["usage"]["output_tokens"] == u.completion_tokens
    expected = (u.prompt_tokens * GPT_4O["input"] + u.completion_tokens * GPT_4O["output"]) / 1e6
    assert entry["cost"] == pytest.approx(expected)


def test_totals_per_session_key_and_model(make_server, key):
    server = make_server()
    client = openai.OpenAI(
        base_url=server.base_url("openai"),
        api_key=key,
        max_retries=0,
        default_headers={"X-Mock-Session": "run-1"},
    )
    a = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "one"}])
    b = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "two"}])
    other = openai.OpenAI(base_url=server.base_url("openai"), api_key=key + "x", max_retries=0)
    other.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "three"}])

    run = usage_of(server, session="run-1")
    assert run["totals"]["requests"] == 2
    assert run["totals"]["input_tokens"] == a.usage.prompt_tokens + b.usage.prompt_tokens
    assert {row["model"] for row in run["rows"]} == {"gpt-4o", "gpt-4o-mini"}
    assert all(key not in str(row) for row in run["rows"])  # credentials never shown
    only_4o = usage_of(server, session="run-1", model="gpt-4o")["totals"]
    assert only_4o["output_tokens"] == a.usage.completion_tokens
    by_key = usage_of(server, key=key)["totals"]  # the full key finds its (hashed) rows
    assert by_key["requests"] == 2
    assert usage_of(server, session=key + "x")["totals"]["requests"] == 1
    assert usage_of(server)["totals"]["requests"] == 3


def test_cache_reads_are_billed_at_the_cached_price(make_server, key):
    server = make_server()
    client = anthropic.Anthropic(base_url=server.base_url("anthropic"), api_key=key, max_retries=0)
    system = [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}]
    for _ in range(2):
        last = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=20,
            system=system,
            messages=[{"role": "user", "content": "Go"}],
        )
    entries = rawhttp.request("GET", server.url + "/_mock/requests").json()["requests"]
    u = last.usage
    expected = (
        u.input_tokens * SONNET["input"]
        + u.cache_read_input_tokens * SONNET["cached_input"]
        + u.output_tokens * SONNET["output"]
    ) / 1e6
    assert entries[-1]["cost"] == pytest.approx(expected)
    assert entries[0]["cost"] > entries[-1]["cost"]  # writing cost more than reading
    totals = usage_of(server, session=key)["totals"]
    assert totals["cached_tokens"] == u.cache_read_input_tokens
    assert totals["cache_write_tokens"] == entries[0]["usage"]["cache_write_tokens"] > 0


def test_prometheus_counts_tokens_and_cost(make_server, key):
    server = make_server()
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    answer = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    text = rawhttp.request("GET", server.url + "/_mock/metrics").text
    assert f'mocksrv_tokens_total{{model="gpt-4o",type="input"}} {float(answer.usage.prompt_tokens)}' in text
    assert (
        f'mocksrv_tokens_total{{model="gpt-4o",type="output"}} {float(answer.usage.completion_tokens)}'
        in text
    )
    assert 'mocksrv_cost_usd_total{model="gpt-4o"}' in text


def test_a_budget_assertion_in_a_users_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import openai


def test_the_flow_stays_within_budget(mocksrv):
    client = openai.OpenAI(base_url=mocksrv.base_url("openai"), api_key=mocksrv.api_key, max_retries=0)
    for question in ("Plan the trip.", "Book the train.", "Summarise."):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    assert mocksrv.usage()["requests"] == 3
    assert 0 < mocksrv.cost() < 0.05
    assert mocksrv.cost(model="gpt-4o-mini") == 0


def test_over_budget_fails(mocksrv):
    client = openai.OpenAI(base_url=mocksrv.base_url("openai"), api_key=mocksrv.api_key, max_retries=0)
    client.chat.completions.create(model="o3", messages=[{"role": "user", "content": "Think hard."}])
    assert mocksrv.cost() < 0.000001, "over budget"
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*over budget*"])
