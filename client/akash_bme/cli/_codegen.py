"""`akash-bme codegen IDL OUTDIR`: typed Python modules from any Anchor 0.30+ IDL."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..codegen import generate
from ._common import Output, add_command, kv_table


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "codegen", "generate a typed client from an Anchor IDL", _codegen)
    parser.add_argument("idl", type=Path)
    parser.add_argument("outdir", type=Path)


async def _codegen(args: argparse.Namespace) -> Output:
    files = generate(args.idl, args.outdir)
    data = {"outdir": str(args.outdir), "files": [str(f) for f in files]}
    return Output(data, kv_table("codegen", {"outdir": args.outdir, "files written": len(files)}))
