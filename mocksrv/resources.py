"""Where the bundled schemas and fixtures live: inside the wheel, or in the source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


SCHEMAS_DIR = _locate("schemas")
FIXTURES_DIR = _locate("fixtures")
MODELS_DIR = _locate("models")
