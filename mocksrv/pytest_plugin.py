"""The pytest plugin: a `mocksrv` fixture, an overridable `mocksrv_config`, a marker, options.

Loaded through the `pytest11` entry point whenever mocksrv is installed. Configuration
precedence, most specific first: `@pytest.mark.mocksrv(...)` > `--mocksrv-*` options >
the `mocksrv_config` fixture (whose default reads the `mocksrv_fixtures` ini option).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import pytest

from .calls import Call, check_filters, closest, described, matching
from .config import ServerConfig

if TYPE_CHECKING:
    from .testing import MockServer

# The server and dialect modules load only when a test uses them: every pytest run in a
# project with mocksrv installed imports this module, most never start a server.

MARKER_KEYS = ("fixtures", "scenario", "strict", "seed")
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mocksrv", "mocksrv LLM API simulator")
    group.addoption(
        "--mocksrv-fixtures",
        action="append",
        default=[],
        metavar="DIR",
        help="extra fixture/scenario directory or file (repeatable; earlier wins)",
    )
    group.addoption(
        "--mocksrv-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed for generated replies and random faults",
    )
    group.addoption(
        "--mocksrv-strict",
        action="store_true",
        default=None,
        help="unmatched requests get a 404 instead of a generated reply",
    )
    group.addoption(
        "--mocksrv-isolation",
        choices=(ISOLATE_TEST, ISOLATE_SESSION),
        default=None,
        help="test: a test's requests are those made while it runs, whatever key (default); "
        "session: those of the handle's api_key/headers (tests running concurrently)",
    )
    group.addoption(
        "--mocksrv-report",
        default=None,
        metavar="FILE",
        help="write, per test, its requests, refusals, strict misses and faults (.xml: JUnit; else JSON)",
    )
    group.addoption(
        "--mocksrv-fail-on-refusal",
        action="store_true",
        default=False,
        help="fail a test whose client sent a request the provider would refuse, even if the app hid it",
    )
    parser.addini("mocksrv_fixtures", "fixture/scenario directories for the mocksrv server", type="paths")
    parser.addini(
        "mocksrv_isolation", "test (default) or session: see --mocksrv-isolation", default=ISOLATE_TEST
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mocksrv(fixtures=[dirs], scenario=None, strict=None, seed=None): run the test against "
        "its own mocksrv server started with these settings (dirs relative to the test file)",
    )


def with_options(base: ServerConfig, config: pytest.Config) -> ServerConfig:
    """Lay the --mocksrv-* options over a config; option directories outrank the config's."""
    invoked = config.invocation_params.dir
    dirs = tuple(invoked / d for d in config.getoption("mocksrv_fixtures"))
    changes: dict[str, Any] = {"fixture_dirs": dirs + tuple(base.fixture_dirs)}
    if config.getoption("mocksrv_seed") is not None:
        changes["seed"] = config.getoption("mocksrv_seed")
    if config.getoption("mocksrv_strict"):
        changes["strict"] = True
    return dataclasses.replace(base, **changes)


def marker_settings(item: pytest.Item) -> dict[str, Any] | None:
    """Merge every mocksrv marker (closest wins; fixture dirs accumulate, closest first)."""
    markers = list(item.iter_markers("mocksrv"))
    if not markers:
        return None
    settings: dict[str, Any] = {"fixtures": []}
    for marker in markers:
        unknown = set(marker.kwargs) - set(MARKER_KEYS)
        if marker.args or unknown:
            raise TypeError(
                f"@pytest.mark.mocksrv takes only keywords {MARKER_KEYS}; got "
                f"args={marker.args!r} unknown={sorted(unknown)}"
            )
        dirs = marker.kwargs.get("fixtures") or []
        settings["fixtures"] += [dirs] if isinstance(dirs, str | Path) else list(dirs)
        for key in ("scenario", "strict", "seed"):
            if marker.kwargs.get(key) is not None:  # None: keep the configured value
                settings.setdefault(key, marker.kwargs[key])
    return settings


@pytest.fixture(scope="session")
def mocksrv_config(pytestconfig: pytest.Config) -> ServerConfig:
    """Override in a conftest to configure the server; ask for `mocksrv_config` there to extend this one."""
    return ServerConfig(port=0, fixture_dirs=tuple(pytestconfig.getini("mocksrv_fixtures")))


@pytest.fixture(scope="session")
def mocksrv_server(mocksrv_config: ServerConfig, pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The server shared by the whole test session: started on first use, stopped at the end."""
    from .testing import MockServer

    with MockServer(with_options(mocksrv_config, pytestconfig)) as server:
        yield server


@pytest.fixture
def mocksrv(request: pytest.FixtureRequest, mocksrv_config: ServerConfig) -> Iterator[MockSrv]:
    """A handle bound to a fresh session; marked tests get their own server for the test."""
    from .testing import MockServer

    settings = marker_settings(request.node)
    own: MockServer | None = None
    if settings is None:
        server: MockServer = request.getfixturevalue("mocksrv_server")
    else:
        base = with_options(mocksrv_config, request.config)
        here = request.path.parent
        changes: dict[str, Any] = {
            "port": 0,  # the shared server may hold a fixed port
            "fixture_dirs": tuple(here / d for d in settings.pop("fixtures")) + base.fixture_dirs,
        }
        changes.update(settings)
        own = server = MockServer(dataclasses.replace(base, **changes)).start()
    handle = MockSrv(server.url, admin_token=server.config.admin_token, isolate=isolation(request.config))
    handle.begin()
    request.node.stash[HANDLE] = handle
    try:
        yield handle
        handle.close()
    finally:
        if own is not None:
            own.stop()


HANDLE = pytest.StashKey[MockSrv]()
RECORDS = pytest.StashKey[list]()


def isolation(config: pytest.Config) -> str:
    chosen = config.getoption("mocksrv_isolation") or config.getini("mocksrv_isolation") or ISOLATE_TEST
    if chosen not in (ISOLATE_TEST, ISOLATE_SESSION):
        raise pytest.UsageError(f"mocksrv_isolation must be {ISOLATE_TEST!r} or {ISOLATE_SESSION!r}")
    return chosen


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """After a test's body ran: read its calls for the report, fail it on a hidden refusal."""
    outcome = yield
    report = outcome.get_result()
    config = item.config
    wanted = config.getoption("mocksrv_report") or config.getoption("mocksrv_fail_on_refusal")
    handle = item.stash.get(HANDLE, None)
    if call.when != "call" or handle is None or not wanted:
        return
    from .pytest_report import TestRecord

    try:
        calls = handle.calls
    except (MockSrvError, OSError):  # the server is gone: nothing to report, the test says why
        return
    record = TestRecord(item.nodeid, report.outcome, report.duration, calls)
    if config.getoption("mocksrv_fail_on_refusal") and report.passed and record.refused:
        listed = "\n".join(f"  {c.describe()}" for c in record.refused)
        report.outcome = "failed"
        report.longrepr = (
            f"mocksrv: the provider would have refused {len(record.refused)} request(s):\n{listed}"
        )
    record.outcome = report.outcome
    record.message = str(report.longrepr) if report.failed else ""
    config.stash.setdefault(RECORDS, []).append(record)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("mocksrv_report", None)
    if not target:
        return
    from .pytest_report import write

    path = Path(target)
    if not path.is_absolute():
        path = session.config.invocation_params.dir / path
    write(path, session.config.stash.get(RECORDS, []))
