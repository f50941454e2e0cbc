"""Prompt token counts a tokenizer-minded reader finds plausible: the estimate (mocksrv/tokens.py)
against real cl100k counts kept in tests/data/token_sample.yaml, seen in the answer's usage;
count_tokens / countTokens agree with the usage of the answer."""

from __future__ import annotations

from pathlib import Path

import anthropic
import openai
import yaml
from google import genai
from google.genai import types

SAMPLE = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "token_sample.yaml").read_text(encoding="utf-8")
)
FRAMING = 3  # tokens a chat message adds around its text (as OpenAI counts)
CODE = "def area(radius: float) -> float:\n    return 3.14159 * radius ** 2\n"


def prompt_tokens(client: openai.OpenAI, text: str) -> int:
    answer = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return answer.usage.prompt_tokens - FRAMING


def test_estimates_are_within_one_token_of_cl100k(server, key):
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    misses = [abs(prompt_tokens(client, s["text"]) - s["cl100k"]) for s in SAMPLE]
    assert max(misses) <= 1, misses
    assert sum(misses) <= 1  # today: only "tiktoken" (3 real tokens, 2 estimated) is off


def test_code_and_long_words_count_more_than_words(server, key):
    client = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    words = len(CODE.split())
    assert prompt_tokens(client, CODE) > words  # punctuation and operators are tokens of their own
    assert prompt_tokens(client, "internationalization") > prompt_tokens(client, "nation") == 1


def test_count_tokens_agrees_with_the_answer(server, key):
    claude = anthropic.Anthropic(base_url=server.base_url("anthropic"), api_key=key, max_retries=0)
    messages = [{"role": "user", "content": CODE}]
    counted = claude.messages.count_tokens(model="claude-sonnet-4-5", messages=messages, system="Be terse.")
    answered = claude.messages.create(
        model="claude-sonnet-4-5", max_tokens=50, messages=messages, system="Be terse."
    )
    assert counted.input_tokens == answered.usage.input_tokens
    client = genai.Client(
        api_key=key, http_options=types.HttpOptions(base_url=server.base_url("gemini"), api_version="v1beta")
    )
    total = client.models.count_tokens(model="gemini-2.5-flash", contents=CODE).total_tokens
    usage = client.models.generate_content(model="gemini-2.5-flash", contents=CODE).usage_metadata
    assert total == usage.prompt_token_count
