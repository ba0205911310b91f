"""Apply and verify throughput for the issue's fixture (200 providers, 2,000 leases, 10,000 balances by
default), in-process on LiteSVM (the program's own cost plus ours), on a Surfpool localnet (adds the RPC
and Surfpool's per-transaction cost) or on a real Agave solana-test-validator (400 ms slots, real
confirmations), with an estimate for a mainnet-sized migration.

    python bench/bench_migration_apply.py [--backend in-process|surfpool|solana-test-validator]
        [--providers N --leases N --balances N --concurrency N --skip-preflight --mainnet-actions N
         --confirm-latency SECONDS]

Prints actions/s, transactions/s, totals and wall time; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "migration"))

from akash_bme._client import BmeClient
from akash_bme.bootstrap import bootstrap
from akash_bme.connection import RpcConnection
from akash_bme.localnet import Localnet, LocalnetConfig
from akash_bme.migration import Plan, apply_plan, build_plan, load_address_map, read_source, verify_plan
from akash_bme.testing import in_process_world
from gen_fixture import write_fixture
from solders.keypair import Keypair

CONVERSIONS = {"blocks_per_hour": 600, "height_time": (26_000_000, 1_793_491_200), "block_time_ms": 6000}


@asynccontextmanager
async def cluster(backend: str) -> AsyncIterator[tuple[BmeClient, Keypair]]:
    """A freshly bootstrapped program and its authority on `backend`."""
    if backend == "in-process":
        world = await in_process_world()
        yield world.client, world.authority
        return
    async with (
        Localnet(LocalnetConfig(backend=backend)) as net,
        RpcConnection(net.rpc_url, net.ws_url) as conn,
    ):
        booted = await bootstrap(conn, net.payer)
        yield booted.client, net.payer


def make_plan(args: argparse.Namespace, tmp: Path) -> Plan:
    started = time.perf_counter()
    paths = write_fixture(
        tmp, providers=args.providers, leases=args.leases, balances=args.balances, rest=False
    )
    plan = build_plan(read_source(paths.genesis), load_address_map(paths.address_map), **CONVERSIONS)
    totals = plan.totals
    print(
        f"plan                {time.perf_counter() - started:8.2f} s  {len(plan.actions)} actions "
        f"({totals.providers} providers, {totals.leases} leases, {totals.balances} balances, vault)"
    )
    return plan


async def run(args: argparse.Namespace, tmp: Path) -> None:
    plan = make_plan(args, tmp)
    async with cluster(args.backend) as (client, authority):
        summary = await apply_plan(
            plan,
            client,
            authority,
            tmp / "journal.sqlite",
            concurrency=args.concurrency,
            skip_preflight=args.skip_preflight,
        )
        t0 = time.perf_counter()
        report = await verify_plan(plan, client)
        verify_seconds = time.perf_counter() - t0
    sent = summary.executed + summary.token_accounts_created
    print(
        f"backend             {args.backend}, concurrency {args.concurrency}"
        f"{', preflight skipped' if args.skip_preflight else ''}"
    )
    print(
        f"apply               {summary.seconds:8.2f} s  {summary.executed} actions + "
        f"{summary.token_accounts_created} token accounts in {summary.transactions} transactions "
        f"({sent / max(summary.transactions, 1):.1f} instructions/tx), failed {summary.failed}"
    )
    print(f"  actions/s         {summary.actions_per_second:8.1f}")
    print(f"  instructions/s    {sent / summary.seconds:8.1f}")
    print(f"  transactions/s    {summary.transactions_per_second:8.1f}")
    print(
        f"verify              {verify_seconds:8.2f} s  ok={report.ok} ({len(report.mismatches)} mismatches)"
    )
    print(f"apply + verify      {summary.seconds + verify_seconds:8.2f} s")
    per_action = (summary.seconds + verify_seconds) / max(summary.executed, 1)
    txs = args.mainnet_actions * summary.transactions / max(summary.executed, 1)
    cluster_seconds = txs * args.confirm_latency / args.concurrency
    print(
        f"mainnet estimate    {args.mainnet_actions:,} actions, ~{txs:,.0f} transactions: "
        f"{args.mainnet_actions * per_action / 60:.0f} min at this run's rate (apply + verify); on a cluster "
        f"confirming in {args.confirm_latency:g} s with {args.concurrency} in flight, at least "
        f"{cluster_seconds / 60:.0f} min (raise --concurrency to shorten it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", choices=("in-process", "surfpool", "solana-test-validator"), default="in-process"
    )
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--leases", type=int, default=2000)
    parser.add_argument("--balances", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-preflight", action="store_true")
    parser.add_argument(
        "--mainnet-actions",
        type=int,
        default=500_000,
        help="actions of a mainnet-sized migration to estimate (default 500,000: mostly bank balances)",
    )
    parser.add_argument(
        "--confirm-latency",
        type=float,
        default=1.0,
        help="seconds a cluster takes to confirm a transaction, for the mainnet estimate (default 1.0)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
