"""The model catalog as a user extends it: a `models:` section in a fixture directory is
checked like every other file, and `validate` and `serve` build the same table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def mocksrv(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mocksrv", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def write(folder: Path, document: dict) -> Path:
    path = folder / "models.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_bundled_catalog_is_valid_and_counted():
    result = mocksrv("validate")
    assert result.returncode == 0, result.stderr
    bundled = yaml.safe_load((Path(__file__).parents[2] / "models" / "catalog.yaml").read_text())
    assert f", {len(bundled['models'])} models in" in result.stdout


def test_a_models_section_adds_a_model(tmp_path):
    write(tmp_path, {"models": [{"id": "acme-1", "family": "openai", "context_window": 4096}]})
    result = mocksrv("validate", str(tmp_path))
    assert result.returncode == 0, result.stderr
    bundled = yaml.safe_load((Path(__file__).parents[2] / "models" / "catalog.yaml").read_text())
    assert f", {len(bundled['models']) + 1} models in" in result.stdout


def test_a_bad_models_entry_stops_validate_and_serve_with_file_pointer_message(tmp_path):
    path = write(tmp_path, {"models": [{"id": "acme-1", "family": "openai", "context_window": "big"}]})
    for command in (("validate", str(tmp_path)), ("serve", "--port", "0", "--fixtures", str(tmp_path))):
        result = mocksrv(*command)
        assert result.returncode != 0
        assert f"{path}: /models/0/context_window: " in result.stderr, result.stderr
