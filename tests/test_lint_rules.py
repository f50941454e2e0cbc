"""aiohttp's private names stay in one module: ruff's SLF001 flags them anywhere else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
