"""`akash-bme vault status` and `akash-bme events tail`."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from ._common import Output, add_command, group, jsonable, kv_table, session


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "vault", "the BME vault")
    add_command(commands, "status", "collateral ratio, mint status and totals", _status, cluster=True)
    commands = group(subparsers, "events", "the program's events")
    parser = add_command(commands, "tail", "stream events over the websocket", _tail, cluster=True)
    parser.add_argument("--count", type=int, help="stop after N events")


async def _status(args: argparse.Namespace) -> Output:
    async with session(args, signs=False) as s:
        vault = await s.client.vault_status()
        data = jsonable(vault)
        data["collateral_ratio"] = (
            "∞ (no ACT outstanding)"
            if vault.act_outstanding_uact == 0
            else f"{vault.collateral_ratio_bps / 100:.2f}%"
        )
        return Output(data, kv_table("vault status", data))


async def _tail(args: argparse.Namespace) -> Output:
    """Prints events as they arrive (one JSON line each with --json); the result is the count."""
    console = Console()
    seen = 0
    async with session(args, load=False, signs=False) as s:
        if args.count is not None and args.count <= 0:
            return Output({"events": 0})
        async for signature, event in s.client.events():
            record = {"signature": str(signature), "event": type(event).__name__, **jsonable(event)}
            if args.json:
                print(json.dumps(record), flush=True)
            else:
                fields = ", ".join(f"{k}={v}" for k, v in record.items() if k not in ("signature", "event"))
                console.print(f"[bold]{record['event']}[/bold] {fields} [dim]{signature}[/dim]")
            seen += 1
            if args.count is not None and seen >= args.count:
                break
    return Output({"events": seen}, f"{seen} events")
