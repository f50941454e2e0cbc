"""Fixture files and run-time fixtures written to hurt: catastrophic regexes, YAML alias bombs,
lone surrogates. Each is refused at load (`file: JSON-pointer: message`) or runs in linear time."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import rawhttp

CHAT = "/openai/v1/chat/completions"
AUTH = {"Authorization": "Bearer sk-hostile"}

# Reports the child's peak RSS (KiB) on its last stderr line, whatever the command's outcome.
# VmHWM, not getrusage: ru_maxrss survives fork+exec, so it would report pytest's own peak.
MEASURED = (
    "import sys\n"
    "from mocksrv.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    try:\n"
    "        peak = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "    except OSError:\n"
    "        peak = '0'\n"
    "    print(peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_cli(*args: str, timeout: float = 30) -> tuple[int, list[str], int]:
    """(exit code, stderr lines without the RSS line, peak RSS in MiB)."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], capture_output=True, text=True, timeout=timeout
    )
    *lines, peak_kib = result.stderr.strip().splitlines()
    return result.returncode, lines, int(peak_kib) // 1024


def alias_bomb(levels: int = 7) -> str:
    """A raw fixture whose body is 9**levels strings once aliases are expanded (under 1 KB here)."""
    rows = ['a0: &a0 ["lol lol lol lol"]']
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    body = "\n".join(" " * 8 + row for row in rows)
    return f"fixtures:\n  - id: laughs\n    raw:\n      dialect: openai\n      body:\n{body}\n"


def chat(server, text: str, model: str = "gpt-4o") -> rawhttp.RawResponse:
    ask = {"model": model, "messages": [{"role": "user", "content": text}]}
    return rawhttp.post(server.url + CHAT, json=ask, headers=AUTH)


# --- regexes ------------------------------------------------------------------------------------


def test_catastrophic_regex_does_not_stall_the_server(make_server, tmp_path: Path):
    (tmp_path / "evil.yaml").write_text(
        'fixtures:\n  - id: evil\n    match: {last_user: {regex: "(a+)+$"}}\n    reply: {content: matched}\n'
    )
    live = make_server(fixture_dirs=(tmp_path,), bundled_fixtures=False)
    health: list[float] = []

    def probe() -> None:
        time.sleep(0.05)
        started = time.monotonic()
        assert rawhttp.request("GET", live.url + "/_mock/health").status == 200
        health.append(time.monotonic() - started)

    prober = threading.Thread(target=probe)
    prober.start()
    started = time.monotonic()
    response = chat(live, "a" * 26 + "!")  # Python's backtracking `re` took seconds on this
    elapsed = time.monotonic() - started
    prober.join()
    assert response.status == 200
    assert elapsed < 1.0 and health[0] < 1.0
    assert chat(live, "aaaa").json()["choices"][0]["message"]["content"] == "matched"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(a)\\\\1", "invalid escape sequence"), ("foo(?=bar)", "invalid perl operator: (?=")],
    ids=["backreference", "lookahead"],
)
def test_patterns_re2_cannot_run_stop_validate_and_serve(tmp_path: Path, pattern: str, reason: str):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"fixtures:\n  - id: ok\n    reply: {{content: a}}\n  - id: needs-backtracking\n"
        f'    match: {{system: {{regex: "{pattern}"}}}}\n    reply: {{content: b}}\n'
    )
    expected = f"{bad}: /fixtures/1/match/system/regex: invalid regular expression: {reason}"
    for command in (["validate", str(tmp_path)], ["serve", "--port", "0", "--fixtures", str(tmp_path)]):
        code, lines, _ = run_cli(*command)
        assert code == 1
        assert len(lines) == 1 and lines[0].startswith(expected), lines
        assert "RE2 syntax" in lines[0]


def test_runtime_fixture_with_lookbehind_is_a_400(server):
    fixture = {"id": "lb", "match": {"last_user": {"regex": "(?<=a)b"}}, "reply": {"content": "x"}}
    document = {"fixtures": [fixture]}
    response = rawhttp.post(server.url + "/_mock/fixtures", json=document)
    assert response.status == 400
    body = response.json()
    assert body["error"]["message"] == "Invalid fixtures."
    (problem,) = body["error"]["problems"]
    assert problem.startswith("/fixtures/0/match/last_user/regex: invalid regular expression: invalid perl")
    listed = rawhttp.request("GET", server.url + "/_mock/fixtures").json()["fixtures"]
    assert "lb" not in {f["id"] for f in listed}


def test_strict_near_misses_skip_fixtures_of_other_dialects(make_server, tmp_path: Path):
    (tmp_path / "f.yaml").write_text(
        "fixtures:\n"
        "  - id: anthropic-only\n"
        "    match: {dialect: anthropic, last_user: {regex: '(x+)+y'}}\n"
        "    reply: {content: a}\n"
        "  - id: openai-newer\n"
        "    match: {dialect: openai, model: 'gpt-9*'}\n"
        "    reply: {content: b}\n"
    )
    live = make_server(fixture_dirs=(tmp_path,), bundled_fixtures=False, strict=True)
    response = chat(live, "hello")
    assert response.status == 404
    message = response.json()["error"]["message"]
    closest = "'openai-newer' (model: expected model like 'gpt-9*')"
    assert message == f"No fixture matches this request. Closest: {closest}."


# --- YAML expansion -----------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc")
def test_yaml_alias_bomb_stops_validate_and_serve_alike_fast_and_small(tmp_path: Path):
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text(alias_bomb())
    assert bomb.stat().st_size < 1024
    outcomes = []
    for command in (["validate", str(tmp_path)], ["serve", "--port", "0", "--fixtures", str(tmp_path)]):
        started = time.monotonic()
        code, lines, peak_mib = run_cli(*command)
        outcomes.append((code, lines))
        assert time.monotonic() - started < 10
        assert peak_mib < 200, peak_mib
    assert outcomes[0] == outcomes[1]
    code, (line,) = outcomes[0]
    assert code == 1
    assert line.startswith(f"{bomb}: /fixtures/0/raw/body/")
    assert line.endswith(": YAML aliases expand the file by more than 100000 nodes")


def test_recursive_yaml_alias_is_refused(tmp_path: Path):
    bad = tmp_path / "loop.yaml"
    bad.write_text("fixtures:\n  - id: loop\n    reply: &r {content: hi, tool_calls: [*r]}\n")
    code, lines, _ = run_cli("validate", str(tmp_path))
    assert code == 1
    assert lines == [f"{bad}: /fixtures/0/reply/tool_calls/0: a YAML alias refers to a node that contains it"]


def test_modest_aliases_still_load(tmp_path: Path):
    (tmp_path / "shared.yaml").write_text(
        "fixtures:\n"
        "  - id: one\n    match: {last_user: {contains: one}}\n    reply: &same {content: shared}\n"
        "  - id: two\n    match: {last_user: {contains: two}}\n    reply: *same\n"
    )
    code, lines, _ = run_cli("validate", str(tmp_path))
    assert (code, lines) == (0, [])


# --- lone surrogates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("s.json", '{"fixtures": [{"id": "s", "reply": {"content": "x \\ud800 y"}}]}'),
        ("s.yaml", 'fixtures:\n  - id: s\n    reply: {content: "x \\ud800 y"}\n'),
    ],
    ids=["json", "yaml"],
)
def test_lone_surrogate_stops_validate_and_serve(tmp_path: Path, name: str, text: str):
    bad = tmp_path / name
    bad.write_text(text)
    expected = [f"{bad}: /fixtures/0/reply/content: text holds a lone surrogate (not valid Unicode)"]
    for command in (["validate", str(tmp_path)], ["serve", "--port", "0", "--fixtures", str(tmp_path)]):
        code, lines, _ = run_cli(*command)
        assert (code, lines) == (1, expected)


def test_overlong_pattern_is_a_400(server):
    fixture = {"id": "long", "match": {"system": {"regex": "a" * 1001}}, "reply": {"content": "x"}}
    response = rawhttp.post(server.url + "/_mock/fixtures", json={"fixtures": [fixture]})
    assert response.status == 400
    assert response.json()["error"]["problems"] == [
        "/fixtures/0/match/system/regex: invalid regular expression: longer than 1000 characters"
    ]
