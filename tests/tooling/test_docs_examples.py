"""The code examples of README.md and docs/*.md run, so the docs stay true.

The fence's info string says what happens to a block (docs/architecture.md, "The docs"):
``python`` runs, ``python pytest`` runs as a test file under pytest with the plugin, ``yaml``
must pass ``mocksrv validate``, ``sh run`` runs in the shell; ``no-run`` and every other
language are shown only. The blocks of one page run in order, in one namespace, against one
fresh server with the bundled fixtures, whose address replaces ``http://127.0.0.1:8080``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_URL = "http://127.0.0.1:8080"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
RUNNABLE = {("python",), ("python", "pytest"), ("yaml",), ("sh", "run")}
PYTEST_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    kind: tuple[str, ...]
    code: str

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks_of(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for fence in FENCE.finditer(text):
        kind = tuple(fence.group(1).split())
        if kind in RUNNABLE:
            line = text.count("\n", 0, fence.start()) + 1
            found.append(Block(page, line, kind, fence.group(2)))
    return found


def pages_with_examples() -> list[Path]:
    return [page for page in PAGES if blocks_of(page)]


def test_the_docs_have_runnable_examples_of_every_kind() -> None:
    kinds = {block.kind for page in PAGES for block in blocks_of(page)}
    assert kinds == RUNNABLE
    assert blocks_of(ROOT / "README.md"), "the README's first calls must run"


def test_python_fences_say_how_they_run() -> None:
    """A python or yaml fence is either runnable or says no-run: no third, silent kind."""
    unclear = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for fence in FENCE.finditer(text):
            kind = tuple(fence.group(1).split())
            if kind[:1] in {("python",), ("yaml",)} and kind not in RUNNABLE and kind[1:] != ("no-run",):
                unclear.append(f"{page.name}: {fence.group(1)!r}")
    assert not unclear


@pytest.mark.parametrize("page", pages_with_examples(), ids=lambda page: page.name)
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    with MockServer(ServerConfig(port=0)) as server:
        namespace: dict[str, object] = {"__name__": "docs_example"}
        for number, block in enumerate(blocks_of(page)):
            code = block.code.replace(DOCUMENTED_URL, server.url)
            run_block(block, code, namespace, tmp_path / f"block{number}")


def run_block(block: Block, code: str, namespace: dict, scratch: Path) -> None:
    if block.kind == ("python",):
        exec(compile(code, block.where(), "exec"), namespace)
    elif block.kind == ("python", "pytest"):
        run_as_test_file(block, code, scratch)
    elif block.kind == ("yaml",):
        validate(block, code, scratch)
    else:
        run_checked(block, ["bash", "-euo", "pipefail", "-c", code])


def run_as_test_file(block: Block, code: str, scratch: Path) -> None:
    """The block alone (not earlier blocks) as a test file, in a pytest of its own: a child
    process, so nothing it imports or patches reaches this one (pytester's in-process
    sys.modules snapshot would re-import HTTP clients half-way and break their error mapping)."""
    scratch.mkdir(parents=True)
    (scratch / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    path = scratch / f"test_docs_line{block.line}.py"
    path.write_text(code, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", path.name]
    done = subprocess.run(command, cwd=scratch, capture_output=True, text=True, timeout=120)
    tests = len(re.findall(r"^(?:async )?def test_", code, re.MULTILINE))
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    outcomes = {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", summary)}
    assert tests and outcomes.get("passed") == tests and set(outcomes) <= {"passed", "warnings"}, (
        f"{block.where()}:\n" + "\n".join((done.stdout + done.stderr).splitlines()[-30:])
    )


def validate(block: Block, code: str, scratch: Path) -> None:
    scratch.mkdir(parents=True)
    document = scratch / "example.yaml"
    document.write_text(code, encoding="utf-8")
    run_checked(block, [sys.executable, "-m", "mocksrv", "validate", str(document)])


def run_checked(block: Block, command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{block.where()}: {done.stdout}{done.stderr}"


LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors_of(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", page.read_text(encoding="utf-8")), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_links_between_pages_resolve() -> None:
    broken = []
    for page in [*PAGES, ROOT / "CHANGELOG.md"]:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists() or (anchor and anchor not in anchors_of(linked)):
                broken.append(f"{page.name}: {target}")
    assert not broken
