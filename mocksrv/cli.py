"""Command line: mocksrv serve | validate | dialects (argparse only; logic lives elsewhere)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
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
    serve.add_argument("--host", default=os.environ.get("MOCKSRV_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("MOCKSRV_PORT", "8080")))
    serve.add_argument(
        "--fixtures",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="fixture/scenario directory or file (repeatable; earlier wins)",
    )
    serve.add_argument("--no-bundled", action="store_true", help="do not load the bundled fixtures")
    serve.add_argument("--dialect", help="also serve this dialect's native paths at /")
    serve.add_argument("--scenario", help="server-wide scenario")
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--strict", action="store_true", help="unmatched requests get a 404")
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only these keys (repeatable); default: any non-empty key",
    )
    serve.add_argument("--admin-token", default=os.environ.get("MOCKSRV_ADMIN_TOKEN"))
    serve.add_argument("--max-body", type=int, default=ServerConfig.max_body_bytes, metavar="BYTES")
    serve.add_argument("--journal-limit", type=int, default=ServerConfig.journal_limit)
    serve.add_argument("--log-level", default="INFO")

    validate = commands.add_parser("validate", help="check fixture and scenario files")
    validate.add_argument("paths", nargs="*", type=Path)

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
        seed=args.seed,
        strict=args.strict,
        api_keys=frozenset(args.api_keys) if args.api_keys else None,
        admin_token=args.admin_token,
        max_body_bytes=args.max_body,
        journal_limit=args.journal_limit,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from .dialects import dialect_names
    from .server import serve

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    if args.dialect and args.dialect not in dialect_names():
        print(
            f"mocksrv: unknown dialect {args.dialect!r}; known: {', '.join(dialect_names())}", file=sys.stderr
        )
        return 2
    try:
        return asyncio.run(serve(_config(args)))
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1


def cmd_validate(args: argparse.Namespace) -> int:
    from .loader import load
    from .resources import FIXTURES_DIR
    from .schemas import SchemaRegistry

    paths = args.paths or [FIXTURES_DIR]
    try:
        documents = load(paths, SchemaRegistry())
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    counts = f"{len(documents.fixtures)} fixtures, {len(documents.scenarios)} scenarios"
    print(f"ok: {counts} in {len(paths)} path(s)")
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


COMMANDS = {"serve": cmd_serve, "validate": cmd_validate, "dialects": cmd_dialects, "record": cmd_record}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)
