"""Apply and verify throughput on a Surfpool localnet for the issue's fixture (200 providers, 2,000 leases,
10,000 balances by default), with an estimate for a mainnet-sized migration.

    python bench/bench_migration_apply.py [--providers N --leases N --balances N --concurrency N
                                           --mainnet-actions N]

Prints actions/s, transactions/s, totals and wall time; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "migration"))

from akash_bme.bootstrap import bootstrap
from akash_bme.connection import RpcConnection
from akash_bme.localnet import Localnet
from akash_bme.migration import apply_plan, build_plan, load_address_map, read_source, verify_plan
from gen_fixture import write_fixture

CONVERSIONS = {"blocks_per_hour": 600, "height_time": (26_000_000, 1_793_491_200), "block_time_ms": 6000}


async def run(args: argparse.Namespace, tmp: Path) -> None:
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
    async with Localnet() as net, RpcConnection(net.rpc_url, net.ws_url) as conn:
        booted = await bootstrap(conn, net.payer)
        summary = await apply_plan(
            plan, booted.client, net.payer, tmp / "journal.sqlite", concurrency=args.concurrency
        )
        t0 = time.perf_counter()
        report = await verify_plan(plan, booted.client)
        verify_seconds = time.perf_counter() - t0
    sent = summary.executed + summary.token_accounts_created
    print(
        f"apply               {summary.seconds:8.2f} s  {summary.executed} actions + "
        f"{summary.token_accounts_created} token accounts in {summary.transactions} transactions "
        f"({sent / summary.transactions:.1f} instructions/tx), failed {summary.failed}"
    )
    print(f"  actions/s         {summary.actions_per_second:8.1f}")
    print(f"  instructions/s    {sent / summary.seconds:8.1f}")
    print(f"  transactions/s    {summary.transactions_per_second:8.1f}")
    print(
        f"verify              {verify_seconds:8.2f} s  ok={report.ok} ({len(report.mismatches)} mismatches)"
    )
    print(f"apply + verify      {summary.seconds + verify_seconds:8.2f} s")
    per_action = summary.seconds / max(summary.executed, 1)
    estimate = args.mainnet_actions * per_action
    print(
        f"estimate: {args.mainnet_actions:,} actions at this rate: {estimate / 60:.0f} min here; a cluster "
        "adds confirmation latency per transaction, which the in-flight window hides"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--leases", type=int, default=2000)
    parser.add_argument("--balances", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--mainnet-actions",
        type=int,
        default=500_000,
        help="actions of a mainnet-sized migration to estimate (default 500,000: mostly bank balances)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
