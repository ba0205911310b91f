"""`akash-bme init`, `akash-bme price set` and `akash-bme price keep`: administration on any RPC URL."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any

from rich.console import Console

from ..oracle import DEFAULT_CONF_BPS, DEFAULT_EXPO, OracleKeeper, PostedPrice, PriceSeries, post_price
from ._common import Failure, Output, add_command, group, jsonable, kv_table, pubkey_arg, session, tx_output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "init", "initialize the program's config (signer = authority)", _init, cluster=True
    )
    parser.add_argument(
        "--mint", type=pubkey_arg, required=True, help="AKT mint (its mint authority is the PDA)"
    )
    parser.add_argument("--oracle", type=pubkey_arg, help="oracle authority (default: the signer)")
    prices = group(subparsers, "price", "the AKT/USD oracle price")
    parser = add_command(prices, "set", "post a price (signer = oracle authority)", _price_set, cluster=True)
    parser.add_argument("usd", help="USD per AKT, e.g. 1.75")
    _price_options(parser)
    parser = add_command(
        prices, "keep", "keep posting prices until stopped (signer = oracle authority)", _price_keep,
        cluster=True,
    )  # fmt: skip
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--usd", help="a fixed USD price per AKT")
    source.add_argument("--csv", type=Path, help="a `seconds,usd` series; its last price holds")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between posts (default 5)")
    parser.add_argument("--count", type=int, help="stop after N rounds (default: run until SIGINT/SIGTERM)")
    parser.add_argument("--tag", help=argparse.SUPPRESS)  # marks the keeper `localnet up` starts
    _price_options(parser)


def _price_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--expo", type=int, default=DEFAULT_EXPO, help="price exponent (default -8)")
    parser.add_argument(
        "--conf-bps", type=int, default=DEFAULT_CONF_BPS, help="confidence as bps of the price (default 5)"
    )


async def _init(args: argparse.Namespace) -> Output:
    async with session(args, load=False) as s:
        oracle = args.oracle or s.signer.pubkey()
        result = await s.client.initialize(s.signer, akt_mint=args.mint, oracle_authority=oracle)
        return tx_output("initialize", result, config=s.client.config_address, mint=args.mint, oracle=oracle)


async def _price_set(args: argparse.Namespace) -> Output:
    price = PriceSeries.fixed(args.usd, args.expo).price_at(0)
    async with session(args) as s:
        posted = await post_price(s.client, s.signer, price, expo=args.expo, conf_bps=args.conf_bps)
        if posted is None:
            raise Failure("the feed is stamped more than 60 s ahead of the chain clock: wait, then retry")
        status = await s.client.vault_status()
        return tx_output(
            "price set", posted.result, price=price, expo=args.expo, publish_time=posted.publish_time,
            status=status.status,
        )  # fmt: skip


async def _price_keep(args: argparse.Namespace) -> Output:
    """Prints each post as it lands (one JSON line each with --json); the result is the tally."""
    if args.count is not None and args.count <= 0:
        raise Failure("--count must be positive")
    series = PriceSeries.fixed(args.usd, args.expo) if args.usd else PriceSeries.from_csv(args.csv, args.expo)
    console = Console()

    def on_post(posted: PostedPrice) -> None:
        record = {
            "price": posted.price, "expo": posted.expo, "publish_time": posted.publish_time,
            "signature": str(posted.result.signature),
        }  # fmt: skip
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            console.print(f"posted {posted.price}e{posted.expo} at {posted.publish_time}", style="green")

    def on_failure(exc: Exception) -> None:
        if args.json:
            print(json.dumps({"failure": type(exc).__name__, "message": str(exc)}), flush=True)
        else:
            console.print(f"[yellow]will retry[/]: {type(exc).__name__}: {exc}")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with session(args) as s:
        keeper = OracleKeeper(
            s.client, s.signer, series, interval=args.interval, conf_bps=args.conf_bps,
            on_post=on_post, on_failure=on_failure,
        )  # fmt: skip
        report = await keeper.run(count=args.count, stop=stop)
    data: dict[str, Any] = {"posted": report.posted, "skipped": report.skipped, "failed": report.failed}
    if report.last is not None:
        data["last"] = {k: v for k, v in jsonable(report.last).items() if k != "result"}
    return Output(data, kv_table("price keep", data))
