"""The pytest plugin in a stranger's project: any key is isolated, calls can be asserted, and
`--mocksrv-report` / `--mocksrv-fail-on-refusal` tell CI what the provider would have refused."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
mocksrv_fixtures = llm
filterwarnings =
    error
    ignore::DeprecationWarning
"""

FIXTURES = """
fixtures:
  - id: counting
    match: {last_user: {equals: "count"}}
    replies: [{content: "one"}, {content: "two"}]
scenarios:
  - {name: once-limited, steps: [{error: rate_limit, retry_after: 1}, ok]}
"""

# As most projects write their tests: the client keeps its own key, nothing mocksrv-specific.
HELPERS = """
import openai
import pytest


def client(mocksrv):
    return openai.OpenAI(base_url=mocksrv.base_url("openai"), api_key="test", max_retries=0)


def ask(mocksrv, text, **options):
    with client(mocksrv) as sdk:
        answer = sdk.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": text}], **options
        )
    return answer.choices[0].message.content
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    (pytester.mkdir("llm") / "fixtures.yaml").write_text(FIXTURES)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


ISOLATION_TESTS = """
def test_first(mocksrv):
    assert [ask(mocksrv, "count"), ask(mocksrv, "count")] == ["one", "two"]
    assert [e["reply"] for e in mocksrv.requests()] == [0, 1]


def test_second_starts_fresh(mocksrv):
    assert ask(mocksrv, "count") == "one"
    assert len(mocksrv.requests()) == 1


def test_scenario_steps_start_fresh_for_any_key(mocksrv):
    mocksrv.use_scenario("once-limited")
    with pytest.raises(openai.RateLimitError):
        ask(mocksrv, "count")
    assert ask(mocksrv, "count") == "one"


def test_scenario_again(mocksrv):
    mocksrv.use_scenario("once-limited")
    with pytest.raises(openai.RateLimitError):
        ask(mocksrv, "count")


def test_scenario_unbound_after_teardown(mocksrv):
    assert ask(mocksrv, "count") == "one"
"""


def test_a_test_is_isolated_whatever_key_its_client_uses(project):
    project.makepyfile(HELPERS + ISOLATION_TESTS)
    run(project).assert_outcomes(passed=5)


def test_session_isolation_keeps_the_key_rule(project):
    project.makepyfile(
        HELPERS
        + """
def test_stranger_key_is_not_this_tests(mocksrv):
    ask(mocksrv, "count")
    assert mocksrv.requests() == []
    with openai.OpenAI(base_url=mocksrv.base_url(), api_key=mocksrv.api_key) as own:
        own.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "count"}])
    assert [e["fixture"] for e in mocksrv.requests()] == ["counting"]


def test_the_stranger_sequence_went_on(mocksrv):
    assert ask(mocksrv, "count") == "two"
"""
    )
    run(project, "--mocksrv-isolation", "session").assert_outcomes(passed=2)


def test_calls_and_assertions_explain_what_was_seen(project):
    project.makepyfile(
        HELPERS
        + """
def test_calls_are_typed(mocksrv):
    ask(mocksrv, "count")
    ask(mocksrv, "hello there", temperature=0.5)
    first, second = mocksrv.calls
    assert (first.fixture, first.status, first.dialect, first.model) == ("counting", 200, "openai", "gpt-4o")
    assert first.body["messages"][0]["content"] == "count" and first.path.endswith("/chat/completions")
    assert second.fixture is None and second.body["temperature"] == 0.5
    with pytest.raises(AttributeError):
        first.status = 500  # frozen
    assert mocksrv.assert_called(fixture="counting", times=1) == [first]
    mocksrv.assert_called(contains="hello there", model="gpt-4o", dialect="openai")
    mocksrv.assert_not_called(status=400)


def test_a_failed_expectation_lists_the_closest(mocksrv):
    ask(mocksrv, "count")
    mocksrv.assert_called(fixture="counting", model="gpt-4o-mini")


def test_not_called_lists_the_offenders(mocksrv):
    ask(mocksrv, "count")
    mocksrv.assert_not_called(fixture="counting")
"""
    )
    result = run(project)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*mocksrv: expected a request with fixture='counting', model='gpt-4o-mini', saw 0 of 1. Closest:",
            "*POST /openai/v1/chat/completions -> 200 dialect=openai model=gpt-4o fixture=counting",
            "*model: wanted 'gpt-4o-mini', was 'gpt-4o'",
            "*mocksrv: expected no request with fixture='counting', saw:",
        ]
    )


REPORTED = """
def test_swallows_a_refusal(mocksrv):
    try:
        ask(mocksrv, "count", temperature=7)  # the provider would refuse: temperature <= 2
    except openai.BadRequestError:
        pass  # an app that hides the error


@pytest.mark.mocksrv(strict=True)
def test_strict_miss_and_fault(mocksrv):
    assert [ask(mocksrv, "count"), ask(mocksrv, "count")] == ["one", "two"]
    with pytest.raises(openai.NotFoundError, match="ran out for this session"):
        ask(mocksrv, "count")
    mocksrv.use_scenario("empty")  # a 200 with no body: the SDK cannot decode it
    with pytest.raises(ValueError):
        ask(mocksrv, "count")


def test_clean(mocksrv):
    assert ask(mocksrv, "count") == "one"
"""


def properties(case: ElementTree.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in case.iter("property")}


def test_junit_report_per_test(project):
    project.makepyfile(test_app=HELPERS + REPORTED)
    run(project, "--mocksrv-report", "out/report.xml").assert_outcomes(passed=3)
    suite = ElementTree.parse(project.path / "out" / "report.xml").getroot()
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"test_swallows_a_refusal", "test_strict_miss_and_fault", "test_clean"}
    assert cases["test_clean"].get("classname") == "test_app"
    assert properties(cases["test_swallows_a_refusal"])["mocksrv.refused"] == "1"
    assert "REFUSED temperature:" in cases["test_swallows_a_refusal"].find("system-out").text
    strict = properties(cases["test_strict_miss_and_fault"])
    assert (strict["mocksrv.requests"], strict["mocksrv.strict_misses"], strict["mocksrv.faults"]) == (
        "4",
        "1",
        "1",
    )
    assert properties(cases["test_clean"]) == {
        "mocksrv.requests": "1",
        "mocksrv.refused": "0",
        "mocksrv.strict_misses": "0",
        "mocksrv.faults": "0",
    }


def test_json_report_and_fail_on_refusal(project):
    project.makepyfile(test_app=HELPERS + REPORTED)
    result = run(project, "--mocksrv-report", "report.json", "--mocksrv-fail-on-refusal")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*the provider would have refused 1 request(s):*", "*temperature*"])
    tests = {
        t["test"].split("::")[-1]: t for t in json.loads((project.path / "report.json").read_text())["tests"]
    }
    refused = tests["test_swallows_a_refusal"]
    assert refused["outcome"] == "failed" and refused["refused"] == 1
    assert refused["requests_seen"][0]["status"] == 400 and refused["requests_seen"][0]["violations"]
    assert tests["test_clean"]["outcome"] == "passed"
