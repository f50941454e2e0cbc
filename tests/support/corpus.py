"""A corpus of bad requests: every dialect route times every kind of bad input, generated.

Each BadRequest says where it goes, what it sends, which error schema its answer must
satisfy and which statuses are acceptable. The corpus is data; test_bad_input_corpus.py
sends it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from corpus_data import (
    CONTENT_TYPES,
    GOOD,
    GOOD_BY_OPERATION,
    HUGE,
    INVALID_UTF8,
    MALFORMED,
    NON_OBJECT,
    WRONG_FIELDS,
)

from mocksrv.dialects import all_dialects
from mocksrv.dialects.base import Dialect, RouteSpec
from mocksrv.errors import MockError
from mocksrv.model import ErrorKind
from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
KEY = "sk-corpus-0123456789"
SMALL_LIMIT = 64 * 1024  # --max-body of the "limited" server
FAMILY = {
    "responses": "responses",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "vertex_anthropic": "anthropic",
}
PLACEHOLDERS = {
    "model": "gemini-2.5-flash",
    "deployment": "d",
}  # any other path parameter (project, location): "p"
# Required in the body where the model is in the URL (Vertex, Bedrock InvokeModel).
BODY_EXTRAS = {
    ("vertex_anthropic", "anthropic"): {"anthropic_version": "vertex-2023-10-16"},
    ("bedrock", "anthropic"): {"anthropic_version": "bedrock-2023-05-31"},
}


@dataclass(frozen=True)
class Target:
    """One concrete dialect route."""

    label: str
    dialect: Dialect
    route: RouteSpec
    path: str

    @property
    def family(self) -> str:
        if self.dialect.schema_dir == "bedrock":  # Converse, or InvokeModel's Anthropic body
            return "anthropic" if self.route.operation == "invoke" else "converse"
        return FAMILY.get(self.dialect.schema_dir, "chat")

    @property
    def good(self) -> dict[str, Any]:
        if self.route.operation in GOOD_BY_OPERATION:
            return GOOD_BY_OPERATION[self.route.operation]
        extras = BODY_EXTRAS.get((self.dialect.schema_dir, self.family), {})
        if self.family == "anthropic" and self.route.operation == "count_tokens":
            return {k: v for k, v in GOOD["anthropic"].items() if k not in ("max_tokens", "stream")} | extras
        return GOOD[self.family] | extras

    def auth(self) -> dict[str, str]:
        scheme = self.dialect.auth
        headers = {"anthropic-version": "2023-06-01"} if self.family == "anthropic" else {}
        if scheme.required_headers:
            return {**headers, **{h: KEY for h in scheme.required_headers}}
        if scheme.headers:
            return {**headers, scheme.headers[0]: KEY}
        return {**headers, "Authorization": f"Bearer {KEY}"}


@dataclass(frozen=True)
class BadRequest:
    id: str
    method: str
    path: str
    schema_dir: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Callable[[], bytes] | None = None  # callables: built when sent (huge bodies)
    statuses: frozenset[int] = frozenset()  # empty: any 4xx
    limited: bool = False  # send to the server started with --max-body SMALL_LIMIT
    chunked: bool = False  # no Content-Length: the size check must happen while reading

    def payload(self) -> bytes | None:
        return self.body() if callable(self.body) else self.body


def targets() -> list[Target]:
    found = []
    for dialect in all_dialects():
        for route in (r for r in dialect.routes if not r.stored):  # test_stored_*
            path = dialect.prefix + re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m[1], "p"), route.path)
            if "{deployment}" in route.path:  # Azure: the api-version its deployment routes require
                path += "?api-version=2024-10-21"
            label = f"{dialect.name}:{route.method}:{route.path}".replace("{model}", "m")
            found.append(Target(label, dialect, route, path))
    return found


def status_of(dialect: Dialect, kind: ErrorKind, detail: str | None = None) -> int:
    return dialect.render_error(MockError(kind, detail=detail), "req_x").status


def dump(value: Any) -> bytes:
    return json.dumps(value).encode()


def with_raw_field(good: dict[str, Any], name: str, raw: bytes) -> bytes:
    """The good body plus one field given as raw JSON (too deep for json.dumps)."""
    return dump(good)[:-1] + b', "' + name.encode() + b'": ' + raw + b"}"


def deep(depth: int) -> bytes:
    return b"[" * depth + b'"x"' + b"]" * depth


def huge_fields(family: str, good: dict[str, Any]) -> list[tuple[str, Callable[[], bytes]]]:
    """A few MB in a field that is then wrong (type or enum), and nesting deeper than allowed."""
    huge = "@HUGE@"  # expanded only when sent, so the corpus stays small in memory
    role = {"gemini": {"contents": [{"role": huge, "parts": [{"text": "hi"}]}]}}.get(family)
    if family == "responses":
        role = {"input": [{"role": huge, "content": "hi"}]}
    role = role or {"messages": [{"role": huge, "content": "hi"}]}
    wrong = {"generationConfig": {"temperature": huge}} if family == "gemini" else {"stream": huge}

    def expand(body: dict[str, Any]) -> bytes:
        return dump(body).replace(b"@HUGE@", b"x" * HUGE)

    return [
        ("huge-enum-value", lambda: expand({**good, **role})),
        ("huge-wrong-type", lambda: expand({**good, **wrong})),
        ("deep-200", lambda: with_raw_field(good, "metadata", deep(200))),
        ("deep-1000", lambda: with_raw_field(good, "metadata", deep(1000))),
    ]


def body_cases(target: Target) -> Iterator[BadRequest]:
    """Everything that is wrong with the body or its framing, on one generate route."""
    d, path, auth = target.dialect, target.path, target.auth()
    json_headers = {**auth, "Content-Type": "application/json"}
    bad = frozenset({status_of(d, ErrorKind.BAD_REQUEST)})

    def case(
        kind: str, body: bytes | Callable[[], bytes], headers: dict[str, str] = json_headers, **extra: Any
    ) -> BadRequest:
        extra.setdefault("statuses", bad)
        return BadRequest(f"{target.label}:{kind}", "POST", path, d.schema_dir, headers, body, **extra)

    for name, raw in MALFORMED + NON_OBJECT + INVALID_UTF8:
        yield case(name, raw)
    for content_type in CONTENT_TYPES:
        yield case(
            f"content-type={content_type.split(';')[0]}",
            dump(target.good),
            {**auth, "Content-Type": content_type},
        )
    yield case("no-content-type-form-body", b"model=gpt-4o&messages=hi", auth)
    for name, overrides in WRONG_FIELDS[target.family]:
        body = {**target.good, **overrides}
        # Only fields this dialect defines: a gateway may ignore what it does not know.
        if SCHEMAS.violations(f"{d.schema_dir}/request", body):
            yield case(name, dump(body))
    for name, make in huge_fields(target.family, target.good):
        yield case(name, make)
    # Over --max-body: announced by Content-Length, discovered while reading, or not JSON at all.
    too_large = frozenset({status_of(d, ErrorKind.TOO_LARGE)})
    big = dump({**target.good, "padding": "x" * (2 * SMALL_LIMIT)})
    yield case("over-limit", big, statuses=too_large, limited=True)
    yield case("over-limit-chunked", big, statuses=too_large, limited=True, chunked=True)
    yield case(
        "over-limit-text",
        b"x" * 2 * SMALL_LIMIT,
        {**auth, "Content-Type": "text/plain"},
        statuses=too_large,
        limited=True,
    )


def credential_cases(target: Target) -> Iterator[BadRequest]:
    d, path = target.dialect, target.path
    if d.auth.anonymous:  # a provider that needs no key (Ollama): nothing here is refused
        return
    base = {"Content-Type": "application/json"}
    if target.family == "anthropic":
        base["anthropic-version"] = "2023-06-01"
    variants = {
        "no-credentials": {},
        "empty-bearer": {"Authorization": "Bearer "},
        "bearer-no-token": {"Authorization": "Bearer"},
        "basic-scheme": {"Authorization": "Basic c2stMTIz"},
        "blank-credential": {k: "   " for k in target.auth() if k != "anthropic-version"},
    }
    if d.auth.required_headers:  # only one half of a key pair
        for header in d.auth.required_headers:
            variants[f"only-{header}"] = {header: KEY}
    if d.auth.headers:  # a Bearer token where the provider wants its own header
        variants["bearer-instead-of-header"] = {"Authorization": f"Bearer {KEY}"}
    if d.auth.query:
        variants["empty-query-key"] = {}
    body = dump(target.good)
    for name, headers in variants.items():
        if d.auth.bearer and name == "bearer-instead-of-header":
            continue
        query = f"?{d.auth.query}=" if name == "empty-query-key" else ""
        yield BadRequest(
            f"{target.label}:{name}", "POST", path + query, d.schema_dir, {**base, **headers}, body
        )


def method_cases(target: Target) -> Iterator[BadRequest]:
    d = target.dialect
    wrong = frozenset({status_of(d, ErrorKind.METHOD_NOT_ALLOWED, "route")})
    others = ("GET", "PUT", "DELETE", "PATCH") if target.route.method == "POST" else ("POST", "DELETE", "PUT")
    for method in others:
        body = dump(target.good) if method != "GET" else None
        headers = {**target.auth(), "Content-Type": "application/json"}
        yield BadRequest(
            f"{target.label}:method={method}", method, target.path, d.schema_dir, headers, body, wrong
        )


def path_cases(dialect: Dialect) -> Iterator[BadRequest]:
    """Unknown paths under a mount prefix get that prefix's owner's 404."""
    missing = frozenset({status_of(dialect, ErrorKind.NOT_FOUND, "route")})
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    body = dump(GOOD["chat"])
    for suffix in (
        "/nope",
        "/v1/nope",
        "/v1/chat/completions/extra",
        "/v2/chat/completions",
        "//v1/x",
        "/%ff",
    ):
        for method in ("GET", "POST"):
            yield BadRequest(
                f"{dialect.prefix}{suffix}:{method}",
                method,
                dialect.prefix + suffix,
                dialect.schema_dir,
                headers,
                body if method == "POST" else None,
                missing,
            )


def corpus() -> list[BadRequest]:
    found: list[BadRequest] = []
    all_targets = targets()
    for target in all_targets:
        if target.route.operation == "generate":
            found += [*body_cases(target), *credential_cases(target)]
        found += method_cases(target)
    owners: dict[str, Dialect] = {}
    for target in all_targets:  # the first dialect listed for a prefix renders its 404s
        owners.setdefault(target.dialect.prefix, target.dialect)
    for dialect in owners.values():
        found += path_cases(dialect)
    return found
