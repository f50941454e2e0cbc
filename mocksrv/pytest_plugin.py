"""The pytest plugin: a `mocksrv` fixture, an overridable `mocksrv_config`, a marker, options.

Loaded through the `pytest11` entry point whenever mocksrv is installed. Configuration
precedence, most specific first: `@pytest.mark.mocksrv(...)` > `--mocksrv-*` options >
the `mocksrv_config` fixture (whose default reads the `mocksrv_fixtures` ini option).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .config import ServerConfig
from .pytest_handle import ISOLATE_SESSION, ISOLATE_TEST, MockSrv, MockSrvError, RequestEntry

__all__ = ["MockSrv", "MockSrvError", "RequestEntry"]  # the handle, importable from here too

if TYPE_CHECKING:
    from .testing import MockServer

# The server and dialect modules load only when a test uses them: every pytest run in a
# project with mocksrv installed imports this module, most never start a server.

MARKER_KEYS = ("fixtures", "scenario", "strict", "seed")


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
