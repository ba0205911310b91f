"""SDK benchmarks (issue 3), ratios measured in the same run.

1. Decoding 100,000 `Lease` accounts: the generated decoder against a hand-written `struct.unpack`
   baseline building the same frozen dataclass (goal: at least 0.5x the baseline's speed).
2. Building and signing 10,000 `create_lease` v0 transactions with every account resolved (PDAs derived,
   dseq varied so no PDA repeats), payer + tenant signatures (goal: at least 2,000 per second).

Usage: .venv/bin/python bench/bench_sdk.py [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import struct
import time
from collections.abc import Callable

from akash_bme import generated as g
from akash_bme.generated.accounts import Lease
from akash_bme.generated.instructions import CreateLeaseAccounts, CreateLeaseArgs, create_lease
from akash_bme.generated.types import LeaseState
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from spl.token.instructions import get_associated_token_address

DECODES = 100_000
TRANSACTIONS = 10_000
_BASELINE = struct.Struct("<8s32s32sQIIB?BQQQQQQQqq32s")
_STATES = tuple(LeaseState)


def baseline_decode(data: bytes) -> Lease:
    """What a careful hand-written decoder does: one unpack, checked discriminator, the same dataclass."""
    f = _BASELINE.unpack(data)
    if f[0] != Lease.DISCRIMINATOR:
        raise ValueError("not a Lease")
    return Lease(
        Pubkey.from_bytes(f[1]), Pubkey.from_bytes(f[2]), f[3], f[4], f[5], _STATES[f[6]], f[7], f[8],
        f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[16], f[17], f[18],
    )  # fmt: skip


def sample_leases(n: int) -> list[bytes]:
    tenant, provider = Keypair().pubkey(), Keypair().pubkey()
    return [
        Lease(
            tenant=tenant, provider=provider, dseq=i, gseq=1, oseq=1, state=LeaseState.Active,
            migrated=False, bump=254, rate_uact_per_hour=36_000_000, escrow_uact=10**8 + i,
            unwithdrawn_uact=i, overdrawn_uact=0, accrual_remainder=i % 3600, total_deposited_uact=10**8,
            total_paid_uact=i, created_at=1_767_225_600, settled_at=1_767_225_600 + i, reserved=bytes(32),
        ).encode()
        for i in range(n)
    ]  # fmt: skip


def rate(fn: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def bench_decode() -> tuple[float, float]:
    blobs = sample_leases(DECODES)
    assert baseline_decode(blobs[7]) == Lease.decode(blobs[7])
    generated = rate(lambda: [Lease.decode(b) for b in blobs], DECODES)
    baseline = rate(lambda: [baseline_decode(b) for b in blobs], DECODES)
    return generated, baseline


def build_and_sign(n: int) -> list[VersionedTransaction]:
    payer, tenant = Keypair(), Keypair()
    payer_key, tenant_key = payer.pubkey(), tenant.pubkey()  # Keypair.pubkey() re-derives the key each call
    program_id = g.PROGRAM_ID
    akt_mint = Keypair().pubkey()
    provider = Pubkey.find_program_address([b"provider", bytes(Keypair().pubkey())], program_id)[0]
    blockhash = Hash.new_unique()
    tenant_akt = get_associated_token_address(tenant_key, akt_mint)
    signed = []
    for dseq in range(1, n + 1):
        instruction = create_lease(
            CreateLeaseArgs(
                dseq=dseq, gseq=1, oseq=1, rate_uact_per_hour=36_000_000, deposit_uact=5_000_000,
                max_burn_uakt=3_000_000,
            ),
            CreateLeaseAccounts(
                tenant=tenant_key, provider=provider, akt_mint=akt_mint, tenant_akt=tenant_akt,
            ),
            program_id=program_id,
        )  # fmt: skip
        message = MessageV0.try_compile(
            payer_key, [set_compute_unit_limit(12_000), instruction], [], blockhash
        )
        signed.append(VersionedTransaction(message, [payer, tenant]))
    return signed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="print where build-and-sign spends its time")
    args = parser.parse_args()

    generated, baseline = bench_decode()
    txs = rate(lambda: build_and_sign(TRANSACTIONS), TRANSACTIONS)
    ratio = generated / baseline
    rows = [
        ("Lease.decode (generated)", f"{generated:,.0f} /s", ""),
        ("struct.unpack baseline", f"{baseline:,.0f} /s", ""),
        ("decode ratio generated/baseline", f"{ratio:.2f}x", "PASS" if ratio >= 0.5 else "MISS (goal 0.5x)"),
        (
            "create_lease build+sign (v0, 2 sigs)",
            f"{txs:,.0f} /s",
            "PASS" if txs >= 2000 else "MISS (goal 2,000/s)",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'result':>16}  goal")
    for name, value, verdict in rows:
        print(f"{name:<{width}}  {value:>16}  {verdict}")
    if args.profile or txs < 2000:
        profiler = cProfile.Profile()
        profiler.runcall(build_and_sign, 2_000)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
