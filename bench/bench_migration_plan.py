"""Plan time for a large export: read a genesis with 100,000 balances, load the map, build and write the plan.

    python bench/bench_migration_plan.py [--balances N --leases N --providers N --rest]

Prints seconds per stage; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "migration"))

from akash_bme.migration import build_plan, load_address_map, plan_to_json, read_source
from gen_fixture import write_fixture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--balances", type=int, default=100_000)
    parser.add_argument("--leases", type=int, default=2000)
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--rest", action="store_true", help="also time the REST-pages form")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths = write_fixture(
            tmp, providers=args.providers, leases=args.leases, balances=args.balances, rest=args.rest
        )
        print(
            f"fixture written          {time.perf_counter() - started:8.2f} s "
            f"({args.providers} providers, {args.leases} leases, {args.balances} balances)"
        )
        sources = [("genesis", paths.genesis)] + ([("rest pages", paths.rest)] if args.rest else [])
        for name, source in sources:
            t0 = time.perf_counter()
            snapshot = read_source(source)
            t1 = time.perf_counter()
            addresses = load_address_map(paths.address_map)
            t2 = time.perf_counter()
            plan = build_plan(
                snapshot,
                addresses,
                blocks_per_hour=600,
                height_time=(26_000_000, 1_793_491_200),
                block_time_ms=6000,
            )
            t3 = time.perf_counter()
            text = plan_to_json(plan)
            t4 = time.perf_counter()
            print(f"[{name}] read             {t1 - t0:8.2f} s")
            print(f"[{name}] address map      {t2 - t1:8.2f} s ({len(addresses.entries)} entries)")
            counts = f"{len(plan.actions)} actions, {len(plan.skipped)} skipped"
            print(f"[{name}] build_plan       {t3 - t2:8.2f} s ({counts})")
            print(f"[{name}] plan_to_json     {t4 - t3:8.2f} s ({len(text) / 1e6:.1f} MB)")
            print(f"[{name}] total plan time  {t4 - t0:8.2f} s")


if __name__ == "__main__":
    main()
