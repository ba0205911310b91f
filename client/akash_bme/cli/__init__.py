"""The `akash-bme` command line: rich output, `--json` on every command, exit codes that mean something
(0 ok, 1 failure or mismatch, 2 usage, 3 program error, 4 connection error)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from rich.console import Console

from .._errors import BmeError, RpcError
from ..idl import ProgramError
from ..localnet import LocalnetError
from . import _admin, _codegen, _demo, _lease, _localnet, _migrate, _provider, _vault
from ._common import (
    EXIT_CONNECTION,
    EXIT_FAILURE,
    EXIT_PROGRAM_ERROR,
    Failure,
    Handler,
    emit,
)

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="akash-bme", description="Akash Burn-Mint-Equilibrium on Solana: localnet, program, demo."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (_localnet, _admin, _provider, _lease, _vault, _codegen, _migrate, _demo):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    handler: Handler = args.handler
    console = Console() if sys.stdout.isatty() else Console(width=120)  # pipes and CI: no 80-column wrap
    try:
        output = asyncio.run(handler(args))
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception as exc:  # every failure becomes a message and an exit code, never a traceback
        code, payload = _classify(exc)
        if args.json:
            print(json.dumps(payload, indent=2))
        else:
            Console(stderr=True).print(f"[bold red]error[/]: {payload['message']}", highlight=False)
        return code
    emit(output, as_json=args.json, console=console)
    return int(output.exit_code)


def _classify(exc: Exception) -> tuple[int, dict[str, object]]:
    if isinstance(exc, ProgramError):
        message = f"program error {exc.name} ({exc.code}): {exc.msg}"
        return EXIT_PROGRAM_ERROR, {"error": exc.name, "code": exc.code, "message": message}
    if isinstance(exc, RpcError | ConnectionError | TimeoutError) or (
        isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError)
    ):
        return EXIT_CONNECTION, {"error": "ConnectionError", "message": f"cannot reach the cluster: {exc}"}
    if isinstance(exc, Failure | BmeError | LocalnetError | ValueError | LookupError | FileNotFoundError):
        return EXIT_FAILURE, {"error": type(exc).__name__, "message": str(exc)}
    return EXIT_FAILURE, {"error": type(exc).__name__, "message": f"{type(exc).__name__}: {exc}"}
