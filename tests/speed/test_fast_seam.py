"""The speed layer's seam and bounds: one module on aiohttp's private names, one eviction rule."""

from __future__ import annotations

import importlib
import subprocess
import sys

import aiohttp
import pytest

from mocksrv.fast import seam
from mocksrv.fast.bounded import BoundedTable


def test_seam_refuses_an_aiohttp_series_it_was_not_written_for(monkeypatch):
    monkeypatch.setattr(aiohttp, "__version__", "3.15.0")
    with pytest.raises(ImportError, match=r"written for aiohttp 3\.14\.x; aiohttp 3\.15\.0 is installed"):
        importlib.reload(seam)
    monkeypatch.undo()
    importlib.reload(seam)  # the installed series: imports again


def test_only_the_seam_touches_aiohttps_private_names():
    """ruff's SLF001 (private member access) finds nothing in mocksrv/ outside fast/seam.py."""
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",  # without the project's per-file exemption of the seam
            "--select",
            "SLF001",
            "--output-format",
            "concise",
            "mocksrv",
        ],
        capture_output=True,
        text=True,
    )
    lines = [line for line in found.stdout.splitlines() if "SLF001" in line]
    assert lines and all(line.startswith("mocksrv/fast/seam.py:") for line in lines), found.stdout


def test_a_bounded_table_drops_its_oldest_entry_beyond_its_bound():
    table: BoundedTable[str, int] = BoundedTable(2)
    table.put("a", 1)
    table.put("b", 2)
    table.put("a", 10)  # a new value for a key already there takes no room
    assert len(table) == 2 and table.get("a") == 10
    table.put("c", 3)
    assert len(table) == 2 and "a" not in table and table.get("b") == 2 and table.get("c") == 3
    with pytest.raises(ValueError):
        BoundedTable(0)
