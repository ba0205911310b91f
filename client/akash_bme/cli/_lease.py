"""`akash-bme lease create|deposit|settle|withdraw|close|show|list`."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from .. import generated as g
from .._client import CLOSE_REASONS
from ._common import Failure, Output, add_command, group, jsonable, kv_table, pubkey_arg, session, tx_output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "lease", "compute leases (tenant burns AKT, provider is paid in minted AKT)")
    parser = add_command(
        commands, "create", "open a lease, burning AKT (signer = tenant)", _create, cluster=True
    )
    parser.add_argument("--provider", type=pubkey_arg, required=True, help="the provider's owner")
    parser.add_argument("--dseq", type=int, required=True)
    parser.add_argument("--gseq", type=int, default=1)
    parser.add_argument("--oseq", type=int, default=1)
    parser.add_argument("--rate-uact-per-hour", type=int, required=True)
    parser.add_argument("--deposit-uact", type=int, required=True)
    parser.add_argument("--max-burn-uakt", type=int, help="slippage guard (default: quote + 1%%)")
    parser = add_command(
        commands, "deposit", "top up a lease, burning AKT (signer = depositor)", _deposit, cluster=True
    )
    parser.add_argument("lease", type=pubkey_arg)
    parser.add_argument("--deposit-uact", type=int, required=True)
    parser.add_argument("--max-burn-uakt", type=int)
    parser = add_command(commands, "settle", "accrue what the lease owes (anyone)", _settle, cluster=True)
    parser.add_argument("lease", type=pubkey_arg)
    parser = add_command(
        commands, "withdraw", "redeem earned ACT for minted AKT (signer = provider)", _withdraw, cluster=True
    )
    parser.add_argument("lease", type=pubkey_arg)
    parser.add_argument("--min-akt-out", type=int, default=0)
    parser = add_command(
        commands, "close", "close a lease with refunds (tenant or provider)", _close, cluster=True
    )
    parser.add_argument("lease", type=pubkey_arg)
    parser.add_argument(
        "--reason", type=int, default=1, choices=sorted(CLOSE_REASONS), help="Akash close reason"
    )
    parser = add_command(commands, "show", "show a lease", _show, cluster=True)
    parser.add_argument("lease", type=pubkey_arg)
    parser = add_command(commands, "list", "list leases of a tenant or a provider", _list, cluster=True)
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--tenant", type=pubkey_arg, help="(default: the signer)")
    who.add_argument("--provider", type=pubkey_arg, help="the provider's owner")


async def _create(args: argparse.Namespace) -> Output:
    async with session(args) as s:
        result = await s.client.create_lease(
            s.signer,
            provider_owner=args.provider,
            dseq=args.dseq,
            gseq=args.gseq,
            oseq=args.oseq,
            rate_uact_per_hour=args.rate_uact_per_hour,
            deposit_uact=args.deposit_uact,
            max_burn_uakt=args.max_burn_uakt,
        )
        lease = s.client.lease_address(
            s.signer.pubkey(), s.client.provider_address(args.provider), args.dseq, args.gseq, args.oseq
        )
        return tx_output("lease create", result, lease=lease)


async def _deposit(args: argparse.Namespace) -> Output:
    async with session(args) as s:
        result = await s.client.deposit(
            s.signer, args.lease, args.deposit_uact, max_burn_uakt=args.max_burn_uakt
        )
        return tx_output("lease deposit", result, lease=args.lease)


async def _settle(args: argparse.Namespace) -> Output:
    async with session(args, load=False) as s:
        return tx_output("lease settle", await s.client.settle(args.lease), lease=args.lease)


async def _withdraw(args: argparse.Namespace) -> Output:
    async with session(args) as s:
        result = await s.client.withdraw(s.signer, args.lease, min_akt_out=args.min_akt_out)
        return tx_output("lease withdraw", result, lease=args.lease)


async def _close(args: argparse.Namespace) -> Output:
    async with session(args) as s:
        result = await s.client.close_lease(s.signer, args.lease, reason=args.reason)
        return tx_output("lease close", result, lease=args.lease)


async def _show(args: argparse.Namespace) -> Output:
    async with session(args, load=False, signs=False) as s:
        lease = await s.client.lease(args.lease)
        if lease is None:
            raise Failure(f"no lease at {args.lease}")
        data = {"address": args.lease, **_lease_data(lease)}
        return Output(data, kv_table("lease", data))


def _lease_data(lease: g.accounts.Lease) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(lease)
    del data["reserved"], data["bump"]
    return data


async def _list(args: argparse.Namespace) -> Output:
    async with session(args, load=False, signs=False) as s:
        if args.provider is not None:
            found = await s.client.leases_by_provider(args.provider)
        else:
            found = await s.client.leases_by_tenant(args.tenant or s.signer.pubkey())
        rows = [{"address": address, **_lease_data(lease)} for address, lease in found]
        table = Table(title=f"{len(rows)} leases", title_justify="left")
        columns = (
            "address",
            "dseq",
            "state",
            "rate_uact_per_hour",
            "escrow_uact",
            "unwithdrawn_uact",
            "settled_at",
        )
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(jsonable(row[c])) for c in columns))
        return Output(rows, table)
