"""The bad inputs of the corpus, as data: bodies, content types, wrong fields per family."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

HUGE = 2 * 1024 * 1024  # a few MB, under the default 8 MB limit
GOOD: dict[str, dict[str, Any]] = {
    "chat": {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]},
    "responses": {"model": "gpt-4o", "input": "Hello!"},
    "anthropic": {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hello!"}],
    },
    "gemini": {"contents": [{"role": "user", "parts": [{"text": "Hello!"}]}]},
    "converse": {"messages": [{"role": "user", "content": [{"text": "Hello!"}]}]},  # Bedrock
}

# Good bodies of the routes whose operation has its own request shape.
GOOD_BY_OPERATION: dict[str, dict[str, Any]] = {
    "embeddings": {"model": "text-embedding-3-small", "input": "Hello!"},
    "moderations": {"input": "Hello!"},
    "completions": {"model": "gpt-3.5-turbo-instruct", "prompt": "Hello!"},
    "embed": {"content": {"parts": [{"text": "Hello!"}]}},
    "batch_embed": {
        "requests": [{"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "Hi!"}]}}]
    },
}

MALFORMED: list[tuple[str, bytes | Callable[[], bytes]]] = [
    ("truncated", b'{"model": "gpt-4o", "messages": ['),
    ("open-brace", b"{"),
    ("close-brace", b"}"),
    ("trailing-comma", b'{"model": "gpt-4o",}'),
    ("single-quotes", b"{'model': 'gpt-4o'}"),
    ("unquoted-key", b'{model: "gpt-4o"}'),
    ("nan", b'{"temperature": NaN}'),
    ("infinity", b'{"temperature": Infinity}'),
    ("two-documents", b'{"a": 1}{"b": 2}'),
    ("comment", b'// note\n{"model": "gpt-4o"}'),
    ("bom", b'\xef\xbb\xbf{"model": "gpt-4o"}'),
    ("huge-number", b'{"max_tokens": 1' + b"0" * 400 + b"}"),
    ("empty", b""),
    ("whitespace", b"  \n\t "),
    ("nul-bytes", b"\x00\x00\x00"),
    ("unterminated-string", b'{"model": "gpt-4o'),
    ("bad-escape", b'{"model": "\\x41"}'),
    ("lone-surrogate", b'{"model": "\\ud800"}'),
    ("deep-array-10000", b"[" * 10_000 + b"]" * 10_000),
    ("deep-object-10000", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
]
NON_OBJECT: list[tuple[str, bytes | Callable[[], bytes]]] = [
    ("array", b"[]"),
    ("array-of-objects", b'[{"model": "gpt-4o"}]'),
    ("string", b'"hello"'),
    ("number", b"42"),
    ("float", b"3.5"),
    ("null", b"null"),
    ("true", b"true"),
    ("huge-string", lambda: b'"' + b"x" * HUGE + b'"'),
]
INVALID_UTF8: list[tuple[str, bytes]] = [
    ("utf8-ff-fe", b'{"model": "\xff\xfe"}'),
    ("utf8-overlong", b'{"model": "\xc0\xaf"}'),
    ("utf8-truncated", b'{"model": "\xe2\x82"}'),
    ("utf8-surrogate", b'{"model": "\xed\xa0\x80"}'),
    ("utf16-body", json.dumps({"model": "gpt-4o"}).encode("utf-16")),
]
CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
CONTENT_TYPES += ["application/xml", "text/html", "application/octet-stream"]

# Wrong types and values per request family: (case, top-level overrides).
WRONG_FIELDS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "converse": [
        ("messages-string", {"messages": "hi"}),
        ("messages-empty", {"messages": []}),
        ("role-system", {"messages": [{"role": "system", "content": [{"text": "hi"}]}]}),
        ("content-string", {"messages": [{"role": "user", "content": "hi"}]}),
        ("max-tokens-string", {"inferenceConfig": {"maxTokens": "10"}}),
        ("temperature-high", {"inferenceConfig": {"temperature": 3}}),
        ("unknown-field", {"model": "x"}),
    ],
    "chat": [
        ("model-int", {"model": 5}),
        ("model-null", {"model": None}),
        ("messages-string", {"messages": "hi"}),
        ("messages-object", {"messages": {}}),
        ("messages-empty", {"messages": []}),
        ("message-string", {"messages": ["hi"]}),
        ("role-int", {"messages": [{"role": 7, "content": "hi"}]}),
        ("content-int", {"messages": [{"role": "user", "content": 5}]}),
        ("stream-string", {"stream": "yes"}),
        ("temperature-string", {"temperature": "hot"}),
        ("max-tokens-string", {"max_tokens": "10"}),
        ("n-string", {"n": "2"}),
        ("n-huge", {"n": 10**12}),  # a million choices would be a denial of service
        ("n-zero", {"n": 0}),
        ("tools-string", {"tools": "x"}),
    ],
    "responses": [
        ("model-int", {"model": 5}),
        ("input-int", {"input": 5}),
        ("input-object", {"input": {}}),
        ("item-content-int", {"input": [{"role": "user", "content": 5}]}),
        ("stream-string", {"stream": "yes"}),
        ("temperature-string", {"temperature": "hot"}),
        ("max-output-tokens-string", {"max_output_tokens": "10"}),
        ("tools-string", {"tools": "x"}),
        ("instructions-int", {"instructions": 5}),
        ("reasoning-string", {"reasoning": "high"}),
        ("text-int", {"text": 5}),
        ("metadata-list", {"metadata": [1]}),
    ],
    "anthropic": [
        ("model-int", {"model": 5}),
        ("max-tokens-string", {"max_tokens": "64"}),
        ("max-tokens-negative", {"max_tokens": -1}),
        ("messages-string", {"messages": "hi"}),
        ("messages-empty", {"messages": []}),
        ("role-system", {"messages": [{"role": "system", "content": "hi"}]}),
        ("content-int", {"messages": [{"role": "user", "content": 5}]}),
        ("stream-string", {"stream": "yes"}),
        ("temperature-string", {"temperature": "hot"}),
        ("system-int", {"system": 5}),
        ("tools-string", {"tools": "x"}),
        ("thinking-string", {"thinking": "on"}),
        ("top-k-string", {"top_k": "5"}),
    ],
    "gemini": [
        ("contents-string", {"contents": "hi"}),
        ("contents-empty", {"contents": []}),
        ("contents-object", {"contents": {}}),
        ("parts-string", {"contents": [{"role": "user", "parts": "hi"}]}),
        ("role-int", {"contents": [{"role": 5, "parts": [{"text": "hi"}]}]}),
        ("generation-config-string", {"generationConfig": "x"}),
        ("temperature-string", {"generationConfig": {"temperature": "hot"}}),
        ("max-output-tokens-string", {"generationConfig": {"maxOutputTokens": "10"}}),
        ("tools-string", {"tools": "x"}),
        ("safety-settings-object", {"safetySettings": {}}),
        ("system-instruction-int", {"systemInstruction": 5}),
        ("unknown-field", {"notAField": 1}),
    ],
}
