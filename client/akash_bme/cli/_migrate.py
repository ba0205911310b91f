"""`akash-bme migrate ...`: the Cosmos migration stages. The CLI only parses arguments and calls them."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from ..migration import (
    HeightTime,
    MigrationInputError,
    build_plan,
    load_address_map,
    plan_digest,
    plan_to_json,
    read_source,
)
from ._common import Failure, Output, add_command, group, jsonable, kv_table


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "migrate", "migrate Akash's Cosmos state (plan, then apply and verify)")
    parser = add_command(commands, "plan", "build the deterministic migration plan (no network)", _plan)
    parser.add_argument("source", type=Path, help="a genesis export file or a directory of saved REST pages")
    parser.add_argument("--address-map", type=Path, required=True, help="CSV akash_address,solana_pubkey")
    parser.add_argument("--blocks-per-hour", type=Decimal, required=True, help="converts per-block rates")
    parser.add_argument("--anchor-height", type=int, required=True, help="a known block height…")
    parser.add_argument("--anchor-time", type=int, required=True, help="…and its unix time (seconds)")
    parser.add_argument("--block-time-ms", type=int, required=True, help="block time for other heights")
    parser.add_argument("--out", type=Path, help="write the plan JSON here")


async def _plan(args: argparse.Namespace) -> Output:
    try:
        plan = build_plan(
            read_source(args.source),
            load_address_map(args.address_map),
            blocks_per_hour=args.blocks_per_hour,
            height_time=HeightTime(args.anchor_height, args.anchor_time),
            block_time_ms=args.block_time_ms,
        )
    except MigrationInputError as exc:
        raise Failure(str(exc)) from None
    if args.out is not None:
        args.out.write_text(plan_to_json(plan))
    data = {"digest": plan_digest(plan), "out": args.out, "totals": jsonable(plan.totals)}
    return Output(
        data, kv_table(f"migration plan {data['digest']}", {**data["totals"], "written to": args.out})
    )
