"""Journal entries as typed calls, and assertions on them that explain a miss (pytest plugin)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FILTERS = ("dialect", "model", "fixture", "path", "status", "contains", "session", "scenario")
_MODEL_IN_PATH = re.compile(r"/models/([^/:]+)")
NO_FIXTURE = "No fixture matches this request"  # the strict-mode 404's message (handler.py)


@dataclass(frozen=True)
class Call:
    """One request the server saw, as the journal recorded it."""

    id: int
    dialect: str | None
    method: str
    path: str
    status: int
    model: str | None
    fixture: str | None
    scenario: str | None
    session: str | None
    body: Any  # the request body as sent (JSON), or a bounded text form
    response: Any = field(repr=False)  # the answer's body or stream events, as journaled
    violations: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    ended_by: str | None = None
    entry: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> Call:
        body = (entry.get("request") or {}).get("body")
        return cls(
            id=entry["id"],
            dialect=entry.get("dialect"),
            method=entry.get("method", ""),
            path=entry.get("path", ""),
            status=entry.get("status", 0),
            model=_model_of(body, entry.get("path", "")),
            fixture=entry.get("fixture"),
            scenario=entry.get("scenario"),
            session=entry.get("session"),
            body=body,
            response=entry.get("response"),
            violations=tuple(entry.get("violations") or ()),
            faults=tuple(entry.get("faults") or ()),
            ended_by=entry.get("ended_by"),
            entry=dict(entry),
        )

    @property
    def text(self) -> str:
        """The request body as text (what `contains=` searches)."""
        return self.body if isinstance(self.body, str) else json.dumps(self.body, ensure_ascii=False)

    @property
    def refused(self) -> bool:
        """The provider would have refused it: a 4xx the journal gives a rule or violations for."""
        return 400 <= self.status < 500 and bool(self.violations or self.entry.get("rule"))

    @property
    def strict_miss(self) -> bool:
        return self.status == 404 and self.fixture is None and NO_FIXTURE in json.dumps(self.response)

    @property
    def faulted(self) -> bool:
        return bool(self.faults) or self.ended_by in ("hang", "reset", "empty", "disconnect")

    def describe(self) -> str:
        parts = [f"#{self.id} {self.method} {self.path} -> {self.status}", f"dialect={self.dialect}"]
        parts += [f"model={self.model}", f"fixture={self.fixture}"]
        if self.violations:
            parts.append(f"violations={list(self.violations)}")
        return " ".join(parts)


def _model_of(body: Any, path: str) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        return body["model"]
    found = _MODEL_IN_PATH.search(path)
    return found.group(1) if found else None


def failed_filters(call: Call, filters: dict[str, Any]) -> list[str]:
    """The filters this call does not meet, worded as `name: wanted X, was Y`."""
    failed = []
    for name, wanted in filters.items():
        if name == "contains":
            if str(wanted).lower() not in call.text.lower():
                failed.append(f"contains: {wanted!r} not in the request body")
            continue
        actual = getattr(call, name)
        if name == "path" and isinstance(wanted, str) and isinstance(actual, str):
            ok = actual == wanted or actual.endswith(wanted)
        else:
            ok = actual == wanted
        if not ok:
            failed.append(f"{name}: wanted {wanted!r}, was {actual!r}")
    return failed


def check_filters(filters: dict[str, Any]) -> dict[str, Any]:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise TypeError(f"unknown filters {sorted(unknown)}; known: {', '.join(FILTERS)}")
    return {k: v for k, v in filters.items() if v is not None}


def matching(calls: list[Call], filters: dict[str, Any]) -> list[Call]:
    return [call for call in calls if not failed_filters(call, filters)]


def closest(calls: list[Call], filters: dict[str, Any], limit: int = 3) -> str:
    """The calls that came nearest (fewest failed filters, newest first), each with its misses."""
    if not calls:
        return "  (no requests were seen during this test)"
    scored = sorted(calls, key=lambda c: (len(failed_filters(c, filters)), -c.id))[:limit]
    lines = []
    for call in scored:
        reasons = "; ".join(failed_filters(call, filters))
        lines.append(f"  {call.describe()}\n      {reasons}")
    more = f"\n  ... and {len(calls) - limit} more" if len(calls) > limit else ""
    return "\n".join(lines) + more


def described(filters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "any request"
