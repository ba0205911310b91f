"""Compute units of every instruction of the program on in-process LiteSVM, against the budgets.

    .venv/bin/python bench/bench_compute_units.py

Prints one row per instruction (CU consumed by our program, CPIs included, compute-budget instructions
excluded) and the `.so` size; exits 1 when an instruction is over its budget. A bench, not a test: the
figures depend on the build.
"""

from __future__ import annotations

import asyncio
import re
import sys

from akash_bme._client import BmeClient, TxResult
from akash_bme.bootstrap import DEFAULT_SO_PATH, create_akt_mint, load_program, load_program_keypair
from akash_bme.connection import LiteSvmConnection
from akash_bme.deploy import deploy_program
from akash_bme.testing import GENESIS_UNIX_TIME, in_process_world
from solders.keypair import Keypair

USER_BUDGET = 20_000
HOT_BUDGET = 5_000
HOT = {"settle", "update_price"}
AKT = 10**6


def program_units(result: TxResult, program_id: str) -> int:
    """CU our program consumed at the top level (its CPIs are counted inside it)."""
    pattern = re.compile(rf"^Program {program_id} consumed (\d+) of \d+ compute units$")
    found = [int(m.group(1)) for line in result.logs if (m := pattern.match(line))]
    assert len(found) == 1, result.logs
    return found[0]


async def measure_initialize() -> TxResult:
    conn = LiteSvmConnection()
    conn.set_unix_time(GENESIS_UNIX_TIME)
    payer = Keypair()
    conn.airdrop(payer.pubkey(), 100 * 10**9)
    program = load_program_keypair()
    await deploy_program(conn, payer, program, load_program())
    client = BmeClient(conn, payer, program_id=program.pubkey())
    mint = await create_akt_mint(client)
    return await client.initialize(payer, akt_mint=mint, oracle_authority=payer.pubkey())


async def measure() -> dict[str, TxResult]:
    runs = {"initialize": await measure_initialize()}
    world = await in_process_world({"tenant": 10_000 * AKT, "owner": 0, "funder": 10_000 * AKT})
    client, authority = world.client, world.authority
    tenant, owner, funder = (world.wallets[n] for n in ("tenant", "owner", "funder"))
    config = await client.config()

    runs["update_params"] = await client.update_params(authority, config.params)
    runs["register_provider"] = await client.register_provider(owner, "https://provider.example.com:8443")
    runs["update_provider"] = await client.update_provider(owner, "https://provider.example.com:8443")
    runs["create_lease"] = await client.create_lease(
        tenant, provider_owner=owner.pubkey(), dseq=1, rate_uact_per_hour=3_600_000, deposit_uact=5_000_000
    )
    lease = client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 1)
    world.connection.set_unix_time(world.now + 30)
    world.connection.expire_blockhash()
    runs["update_price"] = await client.update_price(
        world.oracle, price=world.price, expo=world.expo, conf=world.conf, publish_time=world.now
    )
    runs["settle"] = await client.settle(lease)
    runs["deposit"] = await client.deposit(tenant, lease, 1_000_000)
    await world.advance(30)
    runs["withdraw"] = await client.withdraw(owner, lease)
    runs["fund_vault"] = await client.fund_vault(funder, AKT)
    await world.advance(30)
    runs["close_lease"] = await client.close_lease(tenant, lease)
    runs["set_paused"] = await client.set_paused(authority, True)
    await client.set_paused(authority, False)
    runs["set_oracle_authority"] = await client.set_oracle_authority(authority, world.oracle.pubkey())
    successor = Keypair()
    world.connection.airdrop(successor.pubkey(), 10**9)
    runs["propose_authority"] = await client.propose_authority(authority, successor.pubkey())
    runs["accept_authority"] = await client.accept_authority(successor)
    migrated_owner = Keypair()
    runs["migrate_provider"] = await client.migrate_provider(
        successor, migrated_owner.pubkey(), bytes(range(20)), "https://migrated.example"
    )
    runs["migrate_lease"] = await client.migrate_lease(
        successor,
        tenant=tenant.pubkey(),
        provider_owner=migrated_owner.pubkey(),
        dseq=7,
        gseq=1,
        oseq=1,
        rate_uact_per_hour=3_600,
        escrow_uact=1_000_000,
        unwithdrawn_uact=0,
        overdrawn_uact=0,
        settled_at=world.now,
    )
    runs["migrate_balance"] = await client.migrate_balance(
        successor, bytes(range(1, 21)), AKT, recipient_akt=client.akt_account(tenant.pubkey())
    )
    runs["migrate_vault"] = await client.migrate_vault(successor, AKT)
    runs["finalize_migration"] = await client.finalize_migration(successor)
    return runs


def main() -> int:
    runs = asyncio.run(measure())
    program_id = str(load_program_keypair().pubkey())
    over = []
    print(f"{'instruction':<22}{'CU':>8}{'budget':>9}")
    for name, result in runs.items():
        units = program_units(result, program_id)
        budget = HOT_BUDGET if name in HOT else USER_BUDGET
        flag = "" if units < budget else "  OVER"
        if flag:
            over.append(name)
        print(f"{name:<22}{units:>8,}{budget:>9,}{flag}")
    size = DEFAULT_SO_PATH.stat().st_size
    print(f"\n{DEFAULT_SO_PATH.name}: {size:,} bytes ({DEFAULT_SO_PATH})")
    if over:
        print(f"over budget: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
