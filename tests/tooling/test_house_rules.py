"""House rules that CI keeps: private access stays in one module, CI runs the README's targets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).with_name("ruff")
PEEK = "def install(app):\n    return app._handle\n"


def lint(filename: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUFF), "check", "--no-cache", "--stdin-filename", filename, "-"],
        input=PEEK,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_private_access_fails_lint_outside_the_seam():
    flagged = lint("mocksrv/new_module.py")
    assert flagged.returncode == 1 and "SLF001" in flagged.stdout
    assert lint("mocksrv/fast/seam.py").returncode == 0
    assert lint("tests/test_new.py").returncode == 0


def test_ci_runs_lint_typecheck_and_tests_through_targets_the_readme_names():
    ci = (ROOT / ".ci" / "run").read_text()
    called = [t for line in re.findall(r"^make (.+)$", ci, re.M) for t in line.split()]
    assert {"lint", "typecheck", "test"} <= set(called)
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in [*called, "check"]:
        assert re.search(rf"^{target}:", makefile, re.M), target
        assert f"make {target}" in readme, target
