"""OpenAI legacy `POST /v1/completions` (text completions, as vLLM-style clients still call them).

`prompt` is a string, an array of strings, token ids or arrays of token ids; each prompt gets
`n` choices (choice i answers prompt i // n). `max_tokens` defaults to 16, as the API's does;
`echo` puts the prompt before the text; `suffix` is accepted (the text is what would go between
prompt and suffix, so the suffix is not repeated); `stop` and usage as chat completions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Message, SSEEvent, Turn, count_tokens, stops_of
from ..base import Incoming, RouteSpec, dumps
from .chat import OpenAIChat

DEFAULT_MAX_TOKENS = 16
MAX_CHOICES = 2048  # prompts times n, in one request (docs/embeddings.md)


def prompts_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ("<|endoftext|>",)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return (" ".join(map(str, value)),)
    if isinstance(value, list) and value:
        return tuple(v if isinstance(v, str) else " ".join(map(str, v)) for v in value)
    return ("",)


class OpenAICompletions(OpenAIChat):
    endpoint = "completions"
    routes: ClassVar[tuple[RouteSpec, ...]] = (RouteSpec("POST", "/v1/completions", "completions"),)

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        prompts = prompts_of(body.get("prompt"))
        n = int(body.get("n") or 1)
        if n * len(prompts) > MAX_CHOICES:
            message = f"Too many choices: {len(prompts)} prompts times n={n} is over {MAX_CHOICES}."
            raise MockError(ErrorKind.BAD_REQUEST, message, param="n")
        options = body.get("stream_options") or {}
        max_tokens = body.get("max_tokens")
        return Turn(
            dialect=self.name,
            model=str(body.get("model", "")),
            messages=(Message("user", "\n".join(prompts)),),
            stream=bool(body.get("stream")),
            n=n * len(prompts),
            max_tokens=DEFAULT_MAX_TOKENS if max_tokens is None else max_tokens,
            stop=stops_of(body.get("stop")),
            include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
            endpoint=self.endpoint,
            inputs=prompts,
            extras={"per_prompt": n, "echo": bool(body.get("echo"))},
        )

    def _prompt_of(self, turn: Turn, choice: int) -> str:
        return turn.inputs[choice // turn.extras["per_prompt"]]

    def _usage(self, completion: Completion, turn: Turn) -> JSON:
        prompt = sum(count_tokens(p) for p in turn.inputs)
        output = completion.usage.completion_tokens
        return {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}

    def _head(self, completion: Completion) -> JSON:
        head = {
            "id": f"cmpl-{completion.id}",
            "object": "text_completion",
            "created": completion.created,
            "model": completion.model,
        }
        if self.system_fingerprint:
            head["system_fingerprint"] = self.system_fingerprint
        return head

    def render(self, completion: Completion, turn: Turn) -> JSON:
        choices = []
        for index, reply in enumerate(completion.choices):
            text = reply.content or ""
            if turn.extras["echo"]:
                text = self._prompt_of(turn, index) + text
            choices.append({"text": text, "index": index, "logprobs": None, "finish_reason": reply.finish})
        return {**self._head(completion), "choices": choices, "usage": self._usage(completion, turn)}

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        head = self._head(completion)
        for index, reply in enumerate(completion.choices):
            pieces = list(reply.content_pieces)
            if turn.extras["echo"]:
                pieces.insert(0, self._prompt_of(turn, index))
            for piece in pieces:
                choice = {"text": piece, "index": index, "logprobs": None, "finish_reason": None}
                yield SSEEvent(dumps({**head, "choices": [choice]}), content=True)
            last = {"text": "", "index": index, "logprobs": None, "finish_reason": reply.finish}
            yield SSEEvent(dumps({**head, "choices": [last]}))
        if turn.include_usage:
            yield SSEEvent(dumps({**head, "choices": [], "usage": self._usage(completion, turn)}))
        yield SSEEvent("[DONE]", terminal=True)
