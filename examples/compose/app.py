"""A tiny app whose LLM backend is mocksrv (see docker-compose.yml): it asks, prints, repeats.

OPENAI_BASE_URL and OPENAI_API_KEY point the official SDK at mocksrv; DEMO_REQUESTS (0: forever)
and DEMO_INTERVAL_S set the pace.
"""

from __future__ import annotations

import os
import time

import openai

QUESTIONS = (
    "What is the weather in Paris?",
    "Give me a haiku about retries.",
    "Summarise why mocks make demos calm.",
)


def ask(client: openai.OpenAI, question: str) -> str:
    """One streamed answer, joined; provider errors are printed, as a real app would log them."""
    try:
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}], stream=True
        )
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    except openai.APIError as exc:
        return f"provider error: {type(exc).__name__}: {exc}"


def main() -> None:
    client = openai.OpenAI(max_retries=int(os.environ.get("DEMO_RETRIES", "2")))  # reads OPENAI_* vars
    count = int(os.environ.get("DEMO_REQUESTS", "0"))
    interval = float(os.environ.get("DEMO_INTERVAL_S", "3"))
    sent = 0
    while count == 0 or sent < count:
        question = QUESTIONS[sent % len(QUESTIONS)]
        sent += 1
        print(f"[{sent}] {question} -> {ask(client, question)}", flush=True)
        if count == 0 or sent < count:
            time.sleep(interval)


if __name__ == "__main__":
    main()
