"""The generated client of our own IDL: fast-path account decoding and instruction builders."""

from __future__ import annotations

import struct

import pytest
from akash_bme.generated import PROGRAM_ID
from akash_bme.generated.accounts import Lease
from akash_bme.generated.instructions import CreateLeaseAccounts, CreateLeaseArgs, create_lease
from akash_bme.generated.types import LeaseState
from akash_bme.idl import AccountDiscriminatorError, DecodeError, account_discriminator
from solders.pubkey import Pubkey


def _lease() -> Lease:
    return Lease(
        tenant=Pubkey.new_unique(),
        provider=Pubkey.new_unique(),
        dseq=2**64 - 1,
        gseq=7,
        oseq=1,
        state=LeaseState.InsufficientFunds,
        migrated=True,
        bump=254,
        rate_uact_per_hour=3600,
        escrow_uact=5,
        unwithdrawn_uact=6,
        overdrawn_uact=7,
        accrual_remainder=8,
        total_deposited_uact=9,
        total_paid_uact=10,
        created_at=-1,
        settled_at=12,
        reserved=bytes(32),
    )


def test_lease_fast_path_matches_the_construct_layout() -> None:
    lease = _lease()
    data = lease.encode()
    assert data[:8] == account_discriminator("Lease") == Lease.DISCRIMINATOR
    decoded = Lease.decode(data + b"\x00" * 5)  # trailing bytes are allowed
    assert decoded == lease and hash(decoded) == hash(lease)
    assert isinstance(decoded.state, LeaseState)
    with pytest.raises(AccountDiscriminatorError):
        Lease.decode(b"\x00" * len(data))
    with pytest.raises(DecodeError):
        Lease.decode(data[:40])
    bad_state = bytearray(data)
    bad_state[8 + 32 + 32 + 16] = 9
    with pytest.raises(DecodeError):
        Lease.decode(bytes(bad_state))


async def test_fetch_uses_the_reader_protocol() -> None:
    lease = _lease()

    class Reader:
        async def get_account_data(self, pubkey: Pubkey) -> bytes | None:
            return lease.encode() if pubkey == lease.tenant else None

    assert await Lease.fetch(Reader(), lease.tenant) == lease
    assert await Lease.fetch(Reader(), Pubkey.new_unique()) is None


def test_create_lease_derives_the_lease_pda() -> None:
    tenant, provider, ata, mint = (Pubkey.new_unique() for _ in range(4))
    args = CreateLeaseArgs(
        dseq=42, gseq=1, oseq=2, rate_uact_per_hour=100, deposit_uact=10**6, max_burn_uakt=10**7
    )
    ix = create_lease(
        args, CreateLeaseAccounts(tenant=tenant, provider=provider, tenant_akt=ata, akt_mint=mint)
    )
    seeds = [b"lease", bytes(tenant), bytes(provider), struct.pack("<QII", 42, 1, 2)]
    keys = [m.pubkey for m in ix.accounts]
    assert Pubkey.find_program_address(seeds, PROGRAM_ID)[0] in keys
    assert Pubkey.find_program_address([b"config"], PROGRAM_ID)[0] in keys
    assert ix.program_id == PROGRAM_ID
    assert ix.accounts[0].is_signer and ix.accounts[0].is_writable
