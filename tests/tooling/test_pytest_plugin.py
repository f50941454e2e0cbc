"""The pytest plugin, exercised from throwaway projects that have never seen mocksrv's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocksrv.pytest_plugin import MockSrv, MockSrvError

pytest_plugins = ["pytester"]


# A minimal ini of the throwaway project: its own settings, not mocksrv's strict ones.
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings =
    error
    ignore::DeprecationWarning
"""

HELPERS = """
import openai
import pytest


def sdk(mocksrv, **options):
    options.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=mocksrv.base_url("openai"), api_key=mocksrv.api_key, **options)


def ask(mocksrv, text, **options):
    with sdk(mocksrv, **options) as client:
        answer = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return answer.choices[0].message.content
"""

SEQUENCE = """
fixtures:
  - id: counting-%(dir)s
    match: {last_user: {equals: "count"}}
    replies: [{content: "one"}, {content: "two"}]
  - id: from-dir-%(dir)s
    match: {last_user: {equals: "which dir?"}}
    reply: {content: "%(dir)s"}
scenarios:
  - {name: dir-limited, steps: [{error: rate_limit, retry_after: 1}, ok]}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def fixture_dir(pytester: pytest.Pytester, name: str) -> Path:
    folder = pytester.mkdir(name)
    (folder / "fixtures.yaml").write_text(SEQUENCE % {"dir": name})
    return folder


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess: the plugin must arrive through the installed pytest11 entry point alone.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_sync_and_async_clients_reach_bundled_fixtures(project: pytest.Pytester) -> None:
    project.makepyfile(
        HELPERS
        + """
def test_sync(mocksrv):
    assert ask(mocksrv, "Hello!") == "Hello! How can I help you today?"
    [entry] = mocksrv.requests()
    key = mocksrv.api_key
    assert entry["fixture"] == "seed-001-hello" and entry["session"] == key[:3] + "…" + key[-4:]


async def test_async(mocksrv):
    async with openai.AsyncOpenAI(base_url=mocksrv.base_url("openai"), api_key=mocksrv.api_key) as client:
        answer = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello!"}])
    assert answer.choices[0].message.content == "Hello! How can I help you today?"
    assert [e["fixture"] for e in mocksrv.requests()] == ["seed-001-hello"]


def test_handle_shape(mocksrv):
    assert mocksrv.api_key.startswith("sk-mocksrv-") and mocksrv.session == mocksrv.api_key
    assert mocksrv.headers == {"X-Mock-Session": mocksrv.session}
    assert mocksrv.base_url("anthropic") == mocksrv.url + "/anthropic"
"""
    )
    run(project).assert_outcomes(passed=3)


def test_added_fixtures_journal_and_teardown(project: pytest.Pytester) -> None:
    project.makepyfile(
        HELPERS
        + """
from mocksrv.pytest_plugin import MockSrvError


def test_1_add_fixture(mocksrv):
    assert mocksrv.add_fixture(id="temp", match={"last_user": {"equals": "ping"}},
                               reply={"content": "pong"}) == "temp"
    assert ask(mocksrv, "ping") == "pong"
    assert ask(mocksrv, "Hello!") == "Hello! How can I help you today?"
    seen = mocksrv.requests()
    assert [e["fixture"] for e in seen] == ["temp", "seed-001-hello"]
    assert seen[0]["request"]["body"]["messages"] == [{"role": "user", "content": "ping"}]
    assert [e["fixture"] for e in mocksrv.requests(fixture="temp")] == ["temp"]


def test_2_teardown_removed_it(mocksrv):
    assert "temp" not in [f["id"] for f in mocksrv.fixtures()]
    assert ask(mocksrv, "ping") != "pong"
    assert mocksrv.requests()[0]["fixture"] is None  # a generated reply


def test_3_rejected_fixture_names_problems(mocksrv):
    with pytest.raises(MockSrvError) as caught:
        mocksrv.add_fixture({"id": "bad", "reply": {"content": 1}})
    assert caught.value.status == 400 and caught.value.problems
    assert "bad" not in [f["id"] for f in mocksrv.fixtures()]
"""
    )
    run(project).assert_outcomes(passed=3)


def test_sessions_isolate_sequences_between_tests(project: pytest.Pytester) -> None:
    fixture_dir(project, "inidir")
    project.makeini(INI + "mocksrv_fixtures = inidir\n")
    project.makepyfile(
        HELPERS
        + """
@pytest.mark.parametrize("run", [1, 2, 3])
def test_sequence_from_the_start(mocksrv, run):
    assert [ask(mocksrv, "count") for _ in range(3)] == ["one", "two", "two"]


@pytest.mark.parametrize("run", [1, 2])
def test_added_sequence_from_the_start(mocksrv, run):
    mocksrv.add_fixture(id="mine", match={"last_user": {"equals": "mine"}},
                        replies=[{"content": "a"}, {"content": "b"}])
    assert [ask(mocksrv, "mine") for _ in range(2)] == ["a", "b"]
    assert len(mocksrv.requests()) == 2
"""
    )
    run(project).assert_outcomes(passed=5)


def test_scenarios_and_marker(project: pytest.Pytester) -> None:
    fixture_dir(project, "markdir")
    project.makepyfile(
        HELPERS
        + """
def test_use_added_scenario(mocksrv):
    mocksrv.add_scenario(name="limited", steps=[{"error": "rate_limit", "retry_after": 1}, "ok"])
    mocksrv.use_scenario("limited")
    with pytest.raises(openai.RateLimitError):
        ask(mocksrv, "Hello!")
    assert ask(mocksrv, "Hello!") == "Hello! How can I help you today?"
    assert [(e["status"], e["scenario"]) for e in mocksrv.requests()] == [(429, "limited"), (200, "limited")]


def test_unbound_after_teardown(mocksrv):
    assert ask(mocksrv, "Hello!") == "Hello! How can I help you today?"


@pytest.mark.mocksrv(fixtures=["markdir"], strict=True)
def test_marker_loads_directory(mocksrv):
    assert ask(mocksrv, "which dir?") == "markdir"
    mocksrv.use_scenario("dir-limited")
    with pytest.raises(openai.RateLimitError):
        ask(mocksrv, "which dir?")
    assert ask(mocksrv, "which dir?") == "markdir"
    with pytest.raises(openai.NotFoundError):  # strict: no generated reply
        ask(mocksrv, "unmatched question")


@pytest.mark.mocksrv(fixtures=["markdir"], scenario="dir-limited")
def test_marker_server_wide_scenario(mocksrv):
    with pytest.raises(openai.RateLimitError):
        ask(mocksrv, "which dir?")


def test_marker_server_was_separate(mocksrv):
    with pytest.raises(Exception, match="Unknown scenario"):
        mocksrv.use_scenario("dir-limited")
    assert ask(mocksrv, "which dir?") != "markdir"
"""
    )
    run(project).assert_outcomes(passed=5)


def test_config_override_and_options(project: pytest.Pytester) -> None:
    fixture_dir(project, "confdir")
    fixture_dir(project, "optdir")
    project.makeconftest(
        """
import dataclasses
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mocksrv_config(mocksrv_config):
    return dataclasses.replace(mocksrv_config, fixture_dirs=(Path(__file__).parent / "confdir",), seed=5)
"""
    )
    project.makepyfile(
        HELPERS
        + """
def test_option_outranks_config(mocksrv, request):
    expected = "optdir" if request.config.getoption("mocksrv_fixtures") else "confdir"
    assert ask(mocksrv, "which dir?") == expected
    assert [ask(mocksrv, "count") for _ in range(2)] == ["one", "two"]


def test_strict_option(mocksrv, request):
    if request.config.getoption("mocksrv_strict"):
        with pytest.raises(openai.NotFoundError):
            ask(mocksrv, "nothing matches this")
    else:
        assert ask(mocksrv, "nothing matches this")
"""
    )
    run(project).assert_outcomes(passed=2)
    run(project, "--mocksrv-fixtures", "optdir", "--mocksrv-strict", "--mocksrv-seed", "9").assert_outcomes(
        passed=2
    )


def test_plugin_serves_this_suite_too(mocksrv: MockSrv) -> None:
    """mocksrv's own suite gets the plugin from the entry point as well."""
    with pytest.raises(MockSrvError, match="Unknown scenario"):
        mocksrv.use_scenario("no-such-scenario")
    assert mocksrv.requests() == []
