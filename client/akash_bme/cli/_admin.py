"""`akash-bme init` and `akash-bme price set`: administration on any RPC URL."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from ._common import Failure, Output, add_command, group, pubkey_arg, session, tx_output

DEFAULT_EXPO = -8


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
    parser.add_argument("--expo", type=int, default=DEFAULT_EXPO, help="price exponent (default -8)")
    parser.add_argument("--conf-bps", type=int, default=5, help="confidence as bps of the price (default 5)")


async def _init(args: argparse.Namespace) -> Output:
    async with session(args, load=False) as s:
        oracle = args.oracle or s.signer.pubkey()
        result = await s.client.initialize(s.signer, akt_mint=args.mint, oracle_authority=oracle)
        return tx_output("initialize", result, config=s.client.config_address, mint=args.mint, oracle=oracle)


def price_units(usd: str, expo: int) -> int:
    """`usd` (a decimal string) as an integer price at `expo`, exactly."""
    try:
        value = Decimal(usd).scaleb(-expo)
    except InvalidOperation:
        raise Failure(f"{usd!r} is not a decimal price") from None
    if value != value.to_integral_value():
        raise Failure(f"{usd} has more decimals than expo {expo} allows")
    return int(value)


async def _price_set(args: argparse.Namespace) -> Output:
    price = price_units(args.usd, args.expo)
    async with session(args) as s:
        publish_time = await s.client.connection.get_unix_time()
        feed = await s.client.price_feed()
        publish_time = max(publish_time, feed.publish_time + 1)
        result = await s.client.update_price(
            s.signer,
            price=price,
            expo=args.expo,
            conf=price * args.conf_bps // 10_000,
            publish_time=publish_time,
        )
        status = await s.client.vault_status()
        return tx_output(
            "price set", result, price=price, expo=args.expo, publish_time=publish_time, status=status.status
        )
