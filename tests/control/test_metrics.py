"""GET /_mock/metrics: Prometheus text, scraped and parsed after SDK traffic (faults included)."""

from __future__ import annotations

import anthropic
import openai
import pytest
import rawhttp
from prometheus_client.parser import text_string_to_metric_families

HELLO = [{"role": "user", "content": "Hello!"}]


def scrape(live, headers: dict | None = None) -> dict[str, list]:
    response = rawhttp.request("GET", f"{live.url}/_mock/metrics", headers=headers)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {f.name: f.samples for f in text_string_to_metric_families(response.text)}


def value(samples: list, name: str, **labels: str) -> float:
    """The sum of the samples of that name whose labels include the given ones."""
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    return sum(found)


def test_metrics_after_traffic(make_server):
    live = make_server()
    client = openai.OpenAI(base_url=live.base_url(), api_key="sk-metrics", max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=HELLO)
    list(client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))
    overloaded = client.with_options(default_headers={"X-Mock-Scenario": "err-overloaded"})
    with pytest.raises(openai.InternalServerError):
        overloaded.chat.completions.create(model="gpt-4o", messages=HELLO)
    cut = client.with_options(default_headers={"X-Mock-Scenario": "cut"})
    with pytest.raises(openai.APIConnectionError):
        list(cut.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))
    claude = anthropic.Anthropic(base_url=live.base_url("anthropic"), api_key="sk-metrics", max_retries=0)
    claude.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=HELLO)

    families = scrape(live)
    requests = families["mocksrv_requests"]
    assert value(requests, "mocksrv_requests_total", dialect="openai", status="200") == 3  # `cut` is a 200
    assert value(requests, "mocksrv_requests_total", dialect="openai", status="503") == 1
    assert value(requests, "mocksrv_requests_total", dialect="anthropic", status="200") == 1
    faults = families["mocksrv_faults"]
    assert value(faults, "mocksrv_faults_total", kind="overloaded") == 1
    assert value(faults, "mocksrv_faults_total", kind="disconnect") == 1
    events = families["mocksrv_stream_events"]
    assert (
        value(events, "mocksrv_stream_events_total", dialect="openai") >= 4
    )  # full stream + 3 before the cut
    ttfb = families["mocksrv_ttfb_seconds"]
    assert value(ttfb, "mocksrv_ttfb_seconds_count", dialect="openai") == 4
    assert value(ttfb, "mocksrv_ttfb_seconds_bucket", dialect="openai", le="+Inf") == 4
    duration = families["mocksrv_request_duration_seconds"]
    assert value(duration, "mocksrv_request_duration_seconds_count") == 5
    assert value(duration, "mocksrv_request_duration_seconds_sum") > 0
    journal = rawhttp.request("GET", f"{live.url}/_mock/requests").json()["requests"]
    assert value(families["mocksrv_journal_entries"], "mocksrv_journal_entries") == len(journal) == 5
    fixture = journal[0]["fixture"]  # the bundled greeting; "none" labels generated replies
    assert fixture and value(requests, "mocksrv_requests_total", fixture=fixture) >= 1


def test_each_server_has_its_own_registry(make_server):
    first, second = make_server(), make_server()
    rawhttp.post(
        f"{first.base_url()}/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO},
        headers={"Authorization": "Bearer sk-x"},
    )
    assert value(scrape(first)["mocksrv_requests"], "mocksrv_requests_total") == 1
    assert value(scrape(second)["mocksrv_requests"], "mocksrv_requests_total") == 0


def test_metrics_need_the_admin_token_when_set(make_server):
    live = make_server(admin_token="s3cret")
    assert rawhttp.request("GET", f"{live.url}/_mock/metrics").status == 401
    scrape(live, headers={"Authorization": "Bearer s3cret"})  # how Prometheus sends it


def test_timings_are_seconds_and_agree_with_the_journal(make_server):
    """A scripted 300 ms answer lands in the 0.25-0.5 s bucket, and the histograms' sums are
    the journal's own timings (a unit slip between the two would put it under +Inf alone)."""
    live = make_server()
    client = openai.OpenAI(base_url=live.base_url(), api_key="sk-timings", max_retries=0)
    client.with_options(default_headers={"X-Mock-Scenario": "slow"}).chat.completions.create(
        model="gpt-4o", messages=HELLO, max_tokens=1
    )
    (entry,) = rawhttp.request("GET", f"{live.url}/_mock/requests").json()["requests"]
    assert 300 <= entry["ttfb_ms"] < 500
    families = scrape(live)
    ttfb, duration = families["mocksrv_ttfb_seconds"], families["mocksrv_request_duration_seconds"]
    assert value(ttfb, "mocksrv_ttfb_seconds_bucket", le="0.25") == 0
    assert value(ttfb, "mocksrv_ttfb_seconds_bucket", le="0.5") == 1
    assert value(ttfb, "mocksrv_ttfb_seconds_sum") == pytest.approx(entry["ttfb_ms"] / 1000, abs=1e-5)
    total = value(duration, "mocksrv_request_duration_seconds_sum")
    assert total == pytest.approx(entry["duration_ms"] / 1000, abs=1e-5)
