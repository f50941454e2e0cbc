"""Simulated prompt caching through the official SDKs: the first call writes, a repeat within
the TTL reads, a changed prefix misses, and moving the clock past the TTL expires the entry."""

from __future__ import annotations

import anthropic
import openai
import rawhttp
from google import genai
from google.genai import types

# ~1,500 estimated tokens: above the 1,024-token minimum of every default model.
LONG = " ".join(f"Clause {i}: the tenant keeps the garden tidy and pays rent monthly." for i in range(120))


def advance(server, seconds: float) -> None:
    response = rawhttp.request("POST", f"{server.url}/_mock/clock", json={"advance_s": seconds})
    assert response.status == 200, response.body


def claude(server, key):
    return anthropic.Anthropic(base_url=server.base_url("anthropic"), api_key=key, max_retries=0)


def ask_claude(client, system_text: str, ttl: str | None = None):
    control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        system=[{"type": "text", "text": system_text, "cache_control": control}],
        messages=[{"role": "user", "content": "Summarise the lease."}],
    )


def test_anthropic_breakpoint_writes_then_reads_then_expires(make_server, key):
    server = make_server()  # its own clock: moved below
    client = claude(server, key)
    first = ask_claude(client, LONG)
    assert first.usage.cache_read_input_tokens == 0
    written = first.usage.cache_creation_input_tokens
    assert written >= 1024
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == written
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == 0
    total = first.usage.input_tokens + written
    counted = client.messages.count_tokens(
        model="claude-sonnet-4-5",
        system=[{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "Summarise the lease."}],
    )
    assert counted.input_tokens == total  # count_tokens agrees with the answer's usage

    second = ask_claude(client, LONG)
    assert second.usage.cache_read_input_tokens == written
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.input_tokens + written == total

    changed = ask_claude(client, LONG + " One more clause.")
    assert changed.usage.cache_read_input_tokens == 0
    assert changed.usage.cache_creation_input_tokens > 0

    advance(server, 301)  # past the 5-minute TTL
    expired = ask_claude(client, LONG)
    assert expired.usage.cache_read_input_tokens == 0
    assert expired.usage.cache_creation_input_tokens == written


def test_anthropic_one_hour_ttl_is_split_and_outlives_five_minutes(make_server, key):
    server = make_server()
    client = claude(server, key)
    first = ask_claude(client, LONG, ttl="1h")
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == first.usage.cache_creation_input_tokens > 0
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == 0
    advance(server, 600)
    assert ask_claude(client, LONG, ttl="1h").usage.cache_read_input_tokens > 0


def test_anthropic_prefix_below_the_models_minimum_is_not_cached(server, key):
    client = claude(server, key)
    short = ask_claude(client, "Be brief.")
    assert short.usage.cache_creation_input_tokens == short.usage.cache_read_input_tokens == 0
    # Opus 4.5 caches from 4,096 tokens: the same ~1,500-token prefix is not cached there.
    opus = client.messages.create(
        model="claude-opus-4-5",
        max_tokens=64,
        system=[{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "Summarise."}],
    )
    assert opus.usage.cache_creation_input_tokens == 0


def test_openai_automatic_caching_in_128_token_steps(server, key):
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "Summarise the lease."}]
    first = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    second = client.chat.completions.create(model="gpt-4o", messages=messages)
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert 1024 <= cached <= second.usage.prompt_tokens
    assert (cached - 1024) % 128 == 0
    assert second.usage.prompt_tokens - cached < 128  # the whole prompt was seen before
    # A new last message still shares the system prefix.
    other = client.chat.completions.create(
        model="gpt-4o", messages=[messages[0], {"role": "user", "content": "List the parties."}]
    )
    assert 1024 <= other.usage.prompt_tokens_details.cached_tokens < other.usage.prompt_tokens


def test_openai_short_prompts_never_cache(server, key):
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    for _ in range(2):
        answer = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
        assert answer.usage.prompt_tokens_details.cached_tokens == 0


def test_responses_input_tokens_details_cached_tokens(server, key):
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    first = client.responses.create(model="gpt-4o", instructions=LONG, input="Summarise the lease.")
    second = client.responses.create(model="gpt-4o", instructions=LONG, input="Summarise the lease.")
    assert first.usage.input_tokens_details.cached_tokens == 0
    assert second.usage.input_tokens_details.cached_tokens >= 1024


def test_gemini_implicit_cache_count(server, key):
    client = genai.Client(
        api_key=key, http_options=types.HttpOptions(base_url=server.base_url("gemini"), api_version="v1beta")
    )
    config = types.GenerateContentConfig(system_instruction=LONG)
    first = client.models.generate_content(model="gemini-2.5-flash", contents="Summarise.", config=config)
    second = client.models.generate_content(model="gemini-2.5-flash", contents="Summarise.", config=config)
    assert first.usage_metadata.cached_content_token_count is None
    assert (
        1024 <= second.usage_metadata.cached_content_token_count <= second.usage_metadata.prompt_token_count
    )


def test_new_api_gateway_shows_deepseek_counters(server, key):
    client = openai.OpenAI(base_url=server.base_url("opeai"), api_key=key, max_retries=0)
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "Summarise."}]
    client.chat.completions.create(model="deepseek-chat", messages=messages)
    raw = client.chat.completions.with_raw_response.create(model="deepseek-chat", messages=messages)
    usage = raw.http_response.json()["usage"]
    assert usage["prompt_cache_hit_tokens"] == usage["prompt_tokens_details"]["cached_tokens"] >= 1024
    assert usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"]


def test_caches_are_per_session(server, key):
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "Summarise."}]
    first = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    other = openai.OpenAI(base_url=server.base_url("openai"), api_key=key + "-other", max_retries=0)
    first.chat.completions.create(model="gpt-4o", messages=messages)
    answer = other.chat.completions.create(model="gpt-4o", messages=messages)
    assert answer.usage.prompt_tokens_details.cached_tokens == 0


def test_streamed_answers_report_the_same_cache_counts(server, key):
    client = claude(server, key)
    system = [{"type": "text", "text": LONG + " Streamed.", "cache_control": {"type": "ephemeral"}}]
    ask = {"model": "claude-sonnet-4-5", "max_tokens": 64, "system": system}
    first = client.messages.create(**ask, messages=[{"role": "user", "content": "Go"}])
    with client.messages.stream(**ask, messages=[{"role": "user", "content": "Go"}]) as stream:
        final = stream.get_final_message()
    assert final.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens > 0
    assert final.usage.input_tokens == first.usage.input_tokens
    sdk = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    messages = [{"role": "system", "content": LONG + " Streamed."}, {"role": "user", "content": "Go"}]
    sdk.chat.completions.create(model="gpt-4o", messages=messages)
    chunks = list(
        sdk.chat.completions.create(
            model="gpt-4o", messages=messages, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].usage.prompt_tokens_details.cached_tokens >= 1024
