"""The pytest plugin's handle on the server (`mocksrv` fixture's value): the test's traffic,
its calls and totals, and run-time fixtures and scenarios through the control API.

Its journal entries are `RequestEntry` dicts; a control call the server refuses raises
`MockSrvError`.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any, TypedDict

from .calls import Call, check_filters, closest, described, matching

if TYPE_CHECKING:
    pass

# The server and dialect modules load only when a test uses them: every pytest run in a
# project with mocksrv installed imports this module, most never start a server.

ISOLATE_TEST = "test"  # tests run one at a time: the window since the test began is its own
ISOLATE_SESSION = "session"  # tests run concurrently against one server: the handle's key/session
SESSION_HEADER = "X-Mock-Session"
# Never send control calls through an HTTP(S)_PROXY from the environment: the server is local.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _RedactedSession(TypedDict, total=False):
    session_key: str  # when the session is an API key: `session` shows it redacted


class RequestEntry(_RedactedSession):
    """One journal entry, as `MockSrv.requests()` returns it (GET /_mock/requests)."""

    id: int
    time: float  # wall clock (epoch seconds) when the request arrived
    session: str | None
    dialect: str | None
    method: str
    path: str
    status: int
    fixture: str | None
    scenario: str | None
    step: int | None  # the scenario step
    reply: int | None  # the fixture's reply index (`replies:` sequences)
    faults: list[str]
    misbehaviour: str | None  # the misbehaviour the model showed (docs/scenarios.md)
    ttfb_ms: float
    duration_ms: float
    events: int  # stream events sent
    ended_by: str | None
    violations: list[str]
    request: dict[str, Any]  # method, path, query, headers (credentials redacted), body
    response: dict[str, Any]
    model: str | None  # what a generated answer used and cost (ledger.py)
    usage: dict[str, int] | None
    cost: float | None
    stored: str | None  # the id a Responses answer was stored under (stateful/)
    continues: str | None  # the stored response it continued


class MockSrvError(Exception):
    """A control-API call failed; `problems` lists what the server rejected (e.g. schema errors)."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None):
        self.status = status
        self.message = message
        self.problems = problems or []
        detail = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(f"mocksrv answered {status}: {message}{detail}")


class MockSrv:
    """One test's view of a mocksrv server: its own session, its own API key, its own cleanup.

    Every method is synchronous and talks to the control API over HTTP, so the handle works in
    sync and async tests alike (the server runs on its own thread) and could drive a remote server.
    """

    def __init__(
        self,
        url: str,
        session: str | None = None,
        admin_token: str | None = None,
        isolate: str = ISOLATE_SESSION,
    ):
        self.url = url.rstrip("/")
        self.session = session or f"sk-mocksrv-{uuid.uuid4().hex[:16]}"
        self.api_key = self.session  # without X-Mock-Session the key is the session
        self.admin_token = admin_token
        self.isolate = isolate
        self._fixture_ids: list[str] = []
        self._scenario_names: list[str] = []
        self._bound = False
        self._mark = 0  # the journal's last id when the test began (isolate="test")

    def begin(self) -> MockSrv:
        """Start this test's window (isolate="test"): the journal from here on is its own, and
        every `replies` and scenario-step cursor starts again, whatever key a client uses."""
        if self.isolate == ISOLATE_TEST:
            last = self._call("GET", "/requests?limit=1")["requests"]
            self._mark = last[-1]["id"] if last else 0
            self._call("DELETE", "/cursors")
        return self

    @property
    def headers(self) -> dict[str, str]:
        """For clients that must keep their own API key: send these to stay in this test's session."""
        return {SESSION_HEADER: self.session}

    def base_url(self, dialect: str = "openai") -> str:
        from .dialects import all_dialects

        for candidate in all_dialects():
            if candidate.name == dialect:  # the first entry of a name is its primary base
                return self.url + candidate.base_path
        known = sorted({d.name for d in all_dialects()})
        raise KeyError(f"unknown dialect {dialect!r}; known: {', '.join(known)}")

    def _call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/_mock" + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.admin_token:
            request.add_header("X-Mock-Admin-Token", self.admin_token)
        try:
            with _OPENER.open(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return None
            try:
                error = json.loads(exc.read()).get("error", {})
            except (ValueError, AttributeError):
                error = {}
            raise MockSrvError(exc.code, error.get("message", exc.reason), error.get("problems")) from None

    def add_fixture(self, fixture: dict[str, Any] | None = None, /, **fields: Any) -> str:
        """Add a run-time fixture (a dict, or keyword fields: id, match, reply/replies, ...).

        Run-time fixtures outrank file fixtures; this one is deleted when the test ends.
        """
        document = {**(fixture or {}), **fields}
        document.setdefault("id", f"mocksrv-{uuid.uuid4().hex[:12]}")
        self._call("POST", "/fixtures", {"fixtures": [document]})
        self._fixture_ids.append(document["id"])
        return document["id"]

    def add_scenario(self, scenario: dict[str, Any] | None = None, /, **fields: Any) -> str:
        """Add a run-time scenario (a dict, or keyword fields: name, steps, latency, stream, ...).

        Like fixtures added by the test, it is deleted when the test ends.
        """
        document = {**(scenario or {}), **fields}
        self._call("POST", "/scenarios", {"scenarios": [document]})
        self._scenario_names.append(document["name"])
        return document["name"]

    def use_scenario(self, name: str | None) -> None:
        """Run this test's requests under a scenario (None: no scenario); undone at teardown.
        isolate="test": every request (any key) during the test; "session": this session's."""
        if self.isolate == ISOLATE_TEST:
            self._call("PUT", "/scenario", {"name": name})
        else:
            self._call(
                "PUT", f"/sessions/{urllib.parse.quote(self.session, safe='')}/scenario", {"name": name}
            )
        self._bound = name is not None

    def requests(self, **filters: Any) -> list[RequestEntry]:
        """This test's journal entries, oldest first (filters: dialect, fixture, status, limit).

        isolate="test": every request since the test began, whatever key or session it used;
        isolate="session": the requests of this handle's session (api_key / headers) only."""
        query = {k: str(v) for k, v in filters.items() if v is not None and k != "limit"}
        if self.isolate != ISOLATE_TEST:
            query["session"] = self.session  # only ever this test's own traffic
        found = self._call("GET", "/requests?" + urllib.parse.urlencode(query))["requests"]
        if self.isolate == ISOLATE_TEST:
            found = [e for e in found if e["id"] > self._mark and e.get("method") != "RELOAD"]
        limit = filters.get("limit")
        return found[-int(limit) :] if limit else ([] if limit == 0 else found)

    @property
    def calls(self) -> list[Call]:
        """This test's requests as typed, frozen entries (`.body`, `.fixture`, `.status`, ...)."""
        return [Call.of(entry) for entry in self.requests()]

    def assert_called(self, *, times: int | None = None, **filters: Any) -> list[Call]:
        """Fail unless a request (exactly `times`, if given) met every filter: dialect, model,
        fixture, path, status, contains, session, scenario. Returns the matching calls."""
        wanted = check_filters(filters)
        calls = self.calls
        found = matching(calls, wanted)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        count = "a request" if times is None else f"{times} request(s)"
        raise AssertionError(
            f"mocksrv: expected {count} with {described(wanted)}, saw {len(found)} "
            f"of {len(calls)}. Closest:\n{closest(calls, wanted)}"
        )

    def assert_not_called(self, **filters: Any) -> None:
        """Fail if any request of this test met every filter (listed in the message)."""
        wanted = check_filters(filters)
        found = matching(self.calls, wanted)
        if found:
            listed = "\n".join(f"  {call.describe()}" for call in found)
            raise AssertionError(f"mocksrv: expected no request with {described(wanted)}, saw:\n{listed}")

    def usage(self, model: str | None = None) -> dict[str, Any]:
        """This test's own traffic totalled (optionally for one model): requests, input_tokens,
        output_tokens, reasoning_tokens, cached_tokens, cache_write_tokens, cost_usd."""
        query = {"session": self.session, **({"model": model} if model else {})}
        return self._call("GET", "/usage?" + urllib.parse.urlencode(query))["totals"]

    def cost(self, model: str | None = None) -> float:
        """What this test's own answers cost in US dollars at the catalog's prices."""
        return self.usage(model)["cost_usd"]

    def fixtures(self) -> list[dict[str, Any]]:
        """Every fixture the server knows (run-time first), as written."""
        return self._call("GET", "/fixtures")["fixtures"]

    def reset(self) -> None:
        """Clear the whole server's journal, cursors and run-time additions (every session)."""
        self._call("POST", "/reset")
        self._fixture_ids.clear()
        self._scenario_names.clear()
        self._bound = False

    def close(self) -> None:
        """Undo what this handle added: its fixtures, its session's scenario binding, and the
        responses and conversations its session's traffic stored (found in the journal)."""
        self.forget_stored()
        for fixture_id in reversed(self._fixture_ids):
            self._call("DELETE", f"/fixtures/{urllib.parse.quote(fixture_id, safe='')}", missing_ok=True)
        self._fixture_ids.clear()
        if self._bound:
            self.use_scenario(None)
            self._bound = False
        for name in reversed(self._scenario_names):
            self._call("DELETE", f"/scenarios/{urllib.parse.quote(name, safe='')}", missing_ok=True)
        self._scenario_names.clear()

    def forget_stored(self) -> list[str]:
        """Delete every response and conversation this session stored that is still kept; their ids."""
        stored = [e["stored"] for e in self.requests() if e["stored"]]
        for stored_id in stored:
            kind = "conversations" if stored_id.startswith("conv_") else "responses"
            url = f"{self.url}/openai/v1/{kind}/{urllib.parse.quote(stored_id, safe='')}"
            request = urllib.request.Request(url, method="DELETE")
            request.add_header("Authorization", f"Bearer {self.api_key}")
            # An HTTPError: already gone (deleted by the test, expired, reset).
            with contextlib.suppress(urllib.error.HTTPError):
                _OPENER.open(request, timeout=30).close()
        return stored

    def __repr__(self) -> str:
        return f"<MockSrv {self.url} session={self.session}>"
