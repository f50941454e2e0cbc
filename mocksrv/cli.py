"""Command line: mocksrv serve | validate | dialects (argparse only; logic lives elsewhere)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from . import __version__
from .config import ServerConfig
from .errors import ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mocksrv", description="Simulator of LLM provider APIs.")
    parser.add_argument("--version", action="version", version=f"mocksrv {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the server")
    # Flags left out are filled from MOCKSRV_* variables (env.py), then from the defaults.
    serve.add_argument("--host", help="default 127.0.0.1 ($MOCKSRV_HOST)")
    serve.add_argument("--port", type=int, help="default 8080 ($MOCKSRV_PORT)")
    serve.add_argument(
        "--fixtures",
        action="append",
        type=Path,
        metavar="DIR",
        help="fixture/scenario dir or file (repeatable; earlier wins; $MOCKSRV_FIXTURES, os.pathsep)",
    )
    serve.add_argument("--no-bundled", action="store_true", help="do not load the bundled fixtures")
    serve.add_argument("--dialect", help="also serve this dialect's native paths at / ($MOCKSRV_DIALECT)")
    serve.add_argument("--scenario", help="server-wide scenario ($MOCKSRV_SCENARIO)")
    serve.add_argument("--seed", type=int, help="default 0 ($MOCKSRV_SEED)")
    serve.add_argument(
        "--relay-profile",
        default="",
        metavar="DIALECTS",
        help="comma-separated OpenAI-style dialects whose errors come as new-api/one-api relays send them",
    )
    serve.add_argument(
        "--strict", action="store_true", help="unmatched requests get a 404 ($MOCKSRV_STRICT=1)"
    )
    serve.add_argument(
        "--lenient",
        action="store_true",
        help="accept conversations providers refuse (cross-turn checks off; $MOCKSRV_LENIENT=1)",
    )
    serve.add_argument(
        "--watch",
        action="store_true",
        help="reload fixture, scenario and model files when they change ($MOCKSRV_WATCH=1)",
    )
    serve.add_argument(
        "--known-models",
        action="store_true",
        help="a model the catalog does not list gets the provider's not-found ($MOCKSRV_KNOWN_MODELS=1)",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only these keys (repeatable); default: any non-empty key",
    )
    serve.add_argument("--admin-token", help="token for /_mock/ ($MOCKSRV_ADMIN_TOKEN)")
    serve.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="another Host name for /_mock/ (repeatable; '*': any) ($MOCKSRV_ALLOWED_HOST, a,b)",
    )
    serve.add_argument("--max-body", type=int, default=ServerConfig.max_body_bytes, metavar="BYTES")
    serve.add_argument("--journal-limit", type=int, default=ServerConfig.journal_limit)
    serve.add_argument(
        "--shutdown-grace",
        type=float,
        default=ServerConfig.shutdown_grace_s,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, in-flight requests may finish within this (default %(default)s)",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=ServerConfig.body_timeout_s,
        metavar="SECONDS",
        help="a request body must arrive within this, else 400 (default %(default)s)",
    )
    serve.add_argument(
        "--state",
        metavar="URL",
        help="state shared by workers/replicas: redis://host:port/db[?prefix=P] ($MOCKSRV_STATE)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes on one port, default 1 ($MOCKSRV_WORKERS); with --state they share state",
    )
    serve.add_argument("--log-level", help="default INFO ($MOCKSRV_LOG_LEVEL)")
    serve.add_argument(
        "--no-fast-path",
        action="store_true",
        help="turn the speed layer off: same answers, no caches ($MOCKSRV_FAST_PATH=0)",
    )

    validate = commands.add_parser("validate", help="check fixture and scenario files")
    validate.add_argument("paths", nargs="*", type=Path)

    init = commands.add_parser("init", help="write a starter fixtures folder")
    init.add_argument("dir", nargs="?", type=Path, default=Path("mocks"), help="default ./mocks")

    commands.add_parser("dialects", help="list dialects, base URLs and auth schemes")

    record = commands.add_parser("record", help="proxy to a real provider and write raw fixtures")
    record.add_argument("--upstream", required=True, help="the provider's base, e.g. https://api.openai.com")
    record.add_argument("--dialect", required=True)
    record.add_argument("--out", required=True, type=Path, metavar="DIR")
    record.add_argument("--host", default="127.0.0.1")
    record.add_argument("--port", type=int, default=8081)
    return parser


def _config(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        host=args.host,
        port=args.port,
        fixture_dirs=tuple(args.fixtures),
        bundled_fixtures=not args.no_bundled,
        root_dialect=args.dialect,
        scenario=args.scenario,
        relay_dialects=frozenset(n.strip() for n in args.relay_profile.split(",") if n.strip()),
        seed=args.seed,
        strict=args.strict,
        lenient=args.lenient,
        known_models=args.known_models,
        api_keys=frozenset(args.api_keys) if args.api_keys else None,
        admin_token=args.admin_token,
        allowed_hosts=tuple(args.allowed_host),
        max_body_bytes=args.max_body,
        journal_limit=args.journal_limit,
        shutdown_grace_s=args.shutdown_grace,
        body_timeout_s=args.body_timeout,
        state_url=args.state,
        workers=args.workers,
        fast_path=args.fast_path,
        watch=args.watch,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from .dialects import dialect_names
    from .env import apply, from_environ
    from .server import exposure_problem, run, serve

    try:
        apply(args, from_environ())
    except ConfigError as exc:
        print("\n".join(f"mocksrv: {p}" for p in exc.problems), file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    if args.dialect and args.dialect not in dialect_names():
        print(
            f"mocksrv: unknown dialect {args.dialect!r}; known: {', '.join(dialect_names())}", file=sys.stderr
        )
        return 2
    unknown = sorted(_config(args).relay_dialects - set(dialect_names()))
    if unknown:
        print(f"mocksrv: --relay-profile: unknown dialect {unknown[0]!r}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("mocksrv: --workers must be at least 1", file=sys.stderr)
        return 2
    if problem := exposure_problem(_config(args)):
        print(problem, file=sys.stderr)
        return 2
    try:
        config = _config(args)
        if config.workers > 1:
            from .prefork import run_workers

            return run_workers(config)
        return run(serve(config))
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1


def cmd_validate(args: argparse.Namespace) -> int:
    from .app import build_services
    from .resources import FIXTURES_DIR

    paths = args.paths or [FIXTURES_DIR]
    # The very start-up `serve` does (load, check, compile), so the two agree on every file.
    config = ServerConfig(fixture_dirs=tuple(paths), bundled_fixtures=False)
    try:
        services = build_services(config)
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    fixtures, scenarios = services.fixtures.directory, services.scenarios.files
    counts = f"{len(fixtures)} fixtures, {len(scenarios)} scenarios, {len(services.catalog.models)} models"
    print(f"ok: {counts} in {len(paths)} path(s)")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .starter import next_steps, write_starter

    try:
        write_starter(args.dir)
    except FileExistsError as exc:
        print(f"mocksrv: will not overwrite {exc}", file=sys.stderr)
        return 1
    print(next_steps(args.dir))
    return 0


def cmd_dialects(args: argparse.Namespace) -> int:
    from .dialects import all_dialects

    print(f"{'dialect':<10} {'SDK base URL':<34} {'endpoints':<58} auth")
    for dialect in all_dialects():
        endpoints = ", ".join(f"{r.method} {r.path}" for r in dialect.routes)
        print(f"{dialect.name:<10} {dialect.base_path:<34} {endpoints:<58} {dialect.auth_hint}")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from .dialects import dialect_names
    from .record import run_recorder

    if args.dialect not in dialect_names():
        print(
            f"mocksrv: unknown dialect {args.dialect!r}; known: {', '.join(dialect_names())}", file=sys.stderr
        )
        return 2
    try:
        return asyncio.run(run_recorder(args.upstream, args.dialect, args.out, args.host, args.port))
    except KeyboardInterrupt:
        return 0


COMMANDS = {
    "init": cmd_init,
    "serve": cmd_serve,
    "validate": cmd_validate,
    "dialects": cmd_dialects,
    "record": cmd_record,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)
