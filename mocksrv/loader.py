"""Read fixture and scenario files, validate them, and report `file: JSON-pointer: message`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .patterns import PatternError, compile_pattern
from .safeyaml import ExpansionError, load_yaml
from .schemas import SchemaRegistry

SUFFIXES = (".yaml", ".yml", ".json")
# The sections a fixture file may hold and the schema each is checked against.
SECTIONS = (
    ("fixtures", "fixture"),
    ("scenarios", "scenario"),
    ("keys", "scenario"),
    ("models", "models"),
    ("limits", "scenario"),
)
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass
class Documents:
    """Raw, schema-valid entries gathered from files, in load order."""

    fixtures: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)  # fixture id -> its raw body_file
    models: list[dict[str, Any]] = field(default_factory=list)  # catalog entries (catalog.py)
    limits: dict[str, Any] | None = None  # counting rate limits for every request (rate_limits.py)


def files_in(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    # `_files/` holds bodies referenced by fixtures, not fixture documents. Hidden entries are
    # skipped: a Kubernetes ConfigMap volume holds every file again under `..data/`.
    return sorted(
        p
        for p in path.rglob("*")
        if p.suffix in SUFFIXES
        and "_files" not in p.relative_to(path).parts
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def parse_file(path: Path) -> Any:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES} bytes")
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else load_yaml(text)


def check_document(schemas: SchemaRegistry, document: Any) -> list[str]:
    """Schema problems of one document as `pointer: message` strings (empty when valid)."""
    if not isinstance(document, dict):
        return ["/: a fixture file holds an object with `fixtures:`, `scenarios:` and/or `models:`"]
    problems = surrogate_problems(document)
    for part, schema in SECTIONS:
        if part in document:
            problems += [str(v) for v in schemas.violations(schema, {part: document[part]})]
    unknown = set(document) - {part for part, _ in SECTIONS}
    problems += [
        f"/{key}: unknown top-level key (expected fixtures, scenarios, keys, models or limits)"
        for key in sorted(unknown)
    ]
    problems += _semantic_problems(document)
    return problems


def _semantic_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    for i, fixture in enumerate(document.get("fixtures") or ()):
        match = fixture.get("match") if isinstance(fixture, dict) else None
        for key in ("last_user", "system"):
            pattern = (match or {}).get(key, {}).get("regex") if isinstance(match, dict) else None
            if isinstance(pattern, str):
                try:
                    compile_pattern(pattern)
                except PatternError as exc:
                    problems.append(f"/fixtures/{i}/match/{key}/regex: invalid regular expression: {exc}")
    return problems


def surrogate_problems(document: Any, limit: int = 10) -> list[str]:
    """Strings that hold a lone surrogate: Python accepts them from JSON's `\\ud800` or YAML's
    `"\\ud800"`, but they cannot be encoded as UTF-8, so every reply made from them would fail."""
    problems: list[str] = []
    pending: list[tuple[str, Any]] = [("", document)]
    while pending and len(problems) < limit:
        pointer, value = pending.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                problems.append(f"{pointer or '/'}: text holds a lone surrogate (not valid Unicode)")
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                step = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if isinstance(key, str) and _has_surrogate(key):
                    problems.append(f"{step}: key holds a lone surrogate (not valid Unicode)")
                pending.append((step, item))
        elif isinstance(value, list):
            pending += [(f"{pointer}/{i}", item) for i, item in reversed(list(enumerate(value)))]
    return problems


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def load(paths: list[Path], schemas: SchemaRegistry) -> Documents:
    """Load every file under the given paths; any problem anywhere aborts the whole load."""
    documents = Documents()
    problems: list[str] = []
    seen_ids: dict[str, Path] = {}
    for root in paths:
        if not root.exists():
            problems.append(f"{root}: no such file or directory")
            continue
        for path in files_in(root):
            try:
                document = parse_file(path)
            except ExpansionError as exc:
                problems.append(f"{path}: {exc.pointer}: {exc.message}")
                continue
            except RecursionError:
                problems.append(f"{path}: /: cannot parse: nested too deeply")
                continue
            except (ValueError, yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
                problems.append(f"{path}: /: cannot parse: {_one_line(exc)}")
                continue
            if document is None:
                continue
            found = check_document(schemas, document)
            problems += [f"{path}: {p}" for p in found]
            if found:
                continue
            for i, fixture in enumerate(document.get("fixtures") or ()):
                if fixture["id"] in seen_ids:
                    problems.append(
                        f"{path}: /fixtures/{i}/id: duplicate fixture id {fixture['id']!r} "
                        f"(first defined in {seen_ids[fixture['id']]})"
                    )
                seen_ids[fixture["id"]] = path
                documents.fixtures.append(fixture)
                body_file = (fixture.get("raw") or {}).get("body_file")
                if body_file:
                    try:
                        documents.bodies[fixture["id"]] = read_body_file(root, body_file)
                    except ValueError as exc:
                        problems.append(f"{path}: /fixtures/{i}/raw/body_file: {exc}")
            documents.scenarios += document.get("scenarios") or ()
            documents.keys.update(document.get("keys") or {})
            documents.models += document.get("models") or ()
            documents.limits = document.get("limits") or documents.limits
    if problems:
        raise ConfigError(problems)
    return documents


def read_body_file(root: Path, name: str) -> bytes:
    """A recorded body from `<root>/_files/`; nothing outside that folder is ever read."""
    folder = (root if root.is_dir() else root.parent).resolve() / "_files"
    target = (folder / name).resolve()
    if not target.is_relative_to(folder):
        raise ValueError(f"{name!r} points outside {folder}")
    if not target.is_file():
        raise ValueError(f"no such file {target}")
    if target.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES} bytes")
    return target.read_bytes()


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
