"""`mocksrv serve` settings from MOCKSRV_* environment variables (how a container is configured).

A flag given on the command line wins over its variable; an empty variable counts as unset
(so `MOCKSRV_SCENARIO=${SCENARIO:-}` in a compose file means "none").
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .config import ServerConfig
from .errors import ConfigError

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def _port(raw: str) -> int:
    port = int(raw)
    if not 0 <= port <= 65535:
        raise ValueError("must be a port number (0-65535)")
    return port


def _flag(raw: str) -> bool:
    if raw.lower() in TRUE | FALSE:
        return raw.lower() in TRUE
    raise ValueError(f"must be one of {', '.join(sorted(TRUE | FALSE))}")


def _paths(raw: str) -> list[Path]:
    """Several directories, separated like PATH (`:` on POSIX, `;` on Windows)."""
    return [Path(part) for part in raw.split(os.pathsep) if part]


def _names(raw: str) -> list[str]:
    """Several host names, separated by commas."""
    return [part.strip() for part in raw.split(",") if part.strip()]


# settings key -> (variable, parser); keys are the `serve` argument names.
VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "host": ("MOCKSRV_HOST", str),
    "port": ("MOCKSRV_PORT", _port),
    "fixtures": ("MOCKSRV_FIXTURES", _paths),
    "scenario": ("MOCKSRV_SCENARIO", str),
    "seed": ("MOCKSRV_SEED", int),
    "strict": ("MOCKSRV_STRICT", _flag),
    "lenient": ("MOCKSRV_LENIENT", _flag),
    "watch": ("MOCKSRV_WATCH", _flag),
    "known_models": ("MOCKSRV_KNOWN_MODELS", _flag),
    "admin_token": ("MOCKSRV_ADMIN_TOKEN", str),
    "allowed_host": ("MOCKSRV_ALLOWED_HOST", _names),
    "dialect": ("MOCKSRV_DIALECT", str),
    "log_level": ("MOCKSRV_LOG_LEVEL", str),
    "state": ("MOCKSRV_STATE", str),
    "workers": ("MOCKSRV_WORKERS", int),
    "fast_path": ("MOCKSRV_FAST_PATH", _flag),
}


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment gives; every bad value is reported at once."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    problems: list[str] = []
    for key, (name, parse) in VARIABLES.items():
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        try:
            settings[key] = parse(raw)
        except ValueError as exc:
            problems.append(f"{name}={raw!r}: {exc}")
    if problems:
        raise ConfigError(problems)
    return settings


def apply(args: argparse.Namespace, env: Mapping[str, Any]) -> None:
    """Fill each `serve` argument left unset on the command line from the environment, else the default."""
    for key, default in DEFAULTS.items():
        if getattr(args, key, None) is None:
            setattr(args, key, env.get(key, default))
    args.strict = args.strict or env.get("strict", False)  # a flag can only turn it on
    args.fast_path = not getattr(args, "no_fast_path", False) and env.get("fast_path", True)  # (one way)
    args.lenient = getattr(args, "lenient", False) or env.get("lenient", False)
    args.watch = getattr(args, "watch", False) or env.get("watch", False)
    args.known_models = getattr(args, "known_models", False) or env.get("known_models", False)


# Defaults of the arguments whose flag defaults to None (so that "not given" can be told apart).
DEFAULTS: dict[str, Any] = {
    "host": ServerConfig.host,
    "port": ServerConfig.port,
    "fixtures": [],
    "scenario": None,
    "seed": ServerConfig.seed,
    "admin_token": None,
    "allowed_host": [],
    "dialect": None,
    "log_level": "INFO",
    "state": ServerConfig.state_url,
    "workers": ServerConfig.workers,
}
