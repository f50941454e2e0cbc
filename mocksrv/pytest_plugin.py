"""The pytest plugin: a `mocksrv` fixture, an overridable `mocksrv_config`, a marker, options.

Loaded through the `pytest11` entry point whenever mocksrv is installed. Configuration
precedence, most specific first: `@pytest.mark.mocksrv(...)` > `--mocksrv-*` options >
the `mocksrv_config` fixture (whose default reads the `mocksrv_fixtures` ini option).
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import pytest

from .config import ServerConfig

if TYPE_CHECKING:
    from .testing import MockServer

# The server and dialect modules load only when a test uses them: every pytest run in a
# project with mocksrv installed imports this module, most never start a server.

MARKER_KEYS = ("fixtures", "scenario", "strict", "seed")
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

    def __init__(self, url: str, session: str | None = None, admin_token: str | None = None):
        self.url = url.rstrip("/")
        self.session = session or f"sk-mocksrv-{uuid.uuid4().hex[:16]}"
        self.api_key = self.session  # without X-Mock-Session the key is the session
        self.admin_token = admin_token
        self._fixture_ids: list[str] = []
        self._scenario_names: list[str] = []
        self._bound = False

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
        """Run this test's session under a scenario (None: no scenario); undone at teardown."""
        self._call("PUT", f"/sessions/{urllib.parse.quote(self.session, safe='')}/scenario", {"name": name})
        self._bound = name is not None

    def requests(self, **filters: Any) -> list[RequestEntry]:
        """Journal entries of this test's session, oldest first (filters: dialect, fixture, status, limit)."""
        query = {k: str(v) for k, v in filters.items() if v is not None}
        query["session"] = self.session  # only ever this test's own traffic
        return self._call("GET", "/requests?" + urllib.parse.urlencode(query))["requests"]

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
        """Undo what this handle added: its fixtures and its session's scenario binding."""
        for fixture_id in reversed(self._fixture_ids):
            self._call("DELETE", f"/fixtures/{urllib.parse.quote(fixture_id, safe='')}", missing_ok=True)
        self._fixture_ids.clear()
        if self._bound:
            self.use_scenario(None)
        for name in reversed(self._scenario_names):
            self._call("DELETE", f"/scenarios/{urllib.parse.quote(name, safe='')}", missing_ok=True)
        self._scenario_names.clear()

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
    parser.addini("mocksrv_fixtures", "fixture/scenario directories for the mocksrv server", type="paths")


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
    handle = MockSrv(server.url, admin_token=server.config.admin_token)
    try:
        yield handle
        handle.close()
    finally:
        if own is not None:
            own.stop()
