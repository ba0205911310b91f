"""Our `.so` through the real BPF Upgradeable Loader: deployed, initialized and used, upgraded in place
(to other code and back) with its state intact, ProgramData holding exactly the ELF each time."""

from __future__ import annotations

import pytest
from akash_bme import _loader_ix as loader
from akash_bme import generated as g
from akash_bme._errors import TransactionError
from akash_bme.bootstrap import DEFAULT_SO_PATH, bootstrap, load_program, load_program_keypair
from akash_bme.connection import LiteSvmConnection
from akash_bme.deploy import deploy_program, upgrade_program
from akash_bme.testing import GENESIS_UNIX_TIME
from program_scene import AKT, HOST, one
from solders.keypair import Keypair
from solders.pubkey import Pubkey

pytestmark = pytest.mark.program

MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")


async def programdata_elf(conn: LiteSvmConnection, program_id: Pubkey, length: int) -> bytes:
    data = await conn.get_account_data(loader.programdata_address(program_id))
    assert data is not None
    code = data[loader.PROGRAMDATA_METADATA_SIZE :]
    assert not any(code[length:]), "ProgramData holds more than the ELF"
    return code[:length]


async def test_deploy_use_upgrade_use() -> None:
    conn = LiteSvmConnection()
    conn.set_unix_time(GENESIS_UNIX_TIME)
    payer, tenant, owner = Keypair(), Keypair(), Keypair()
    for key in (payer, tenant, owner):
        conn.airdrop(key.pubkey(), 100 * 10**9)
    elf, program = load_program(DEFAULT_SO_PATH), load_program_keypair()

    deployed = await deploy_program(conn, payer, program, elf)
    account = await conn.get_account(program.pubkey())
    assert account is not None and account.executable and account.owner == loader.LOADER_ID
    assert await programdata_elf(conn, program.pubkey(), len(elf)) == elf
    assert deployed.write_transactions == -(-len(elf) // deployed.chunk_size)

    booted = await bootstrap(
        conn, payer, balances={tenant.pubkey(): 1_000 * AKT, owner.pubkey(): 0}, deploy=False
    )
    client = booted.client
    await client.register_provider(owner, HOST)
    await client.create_lease(
        tenant, provider_owner=owner.pubkey(), dseq=1, rate_uact_per_hour=3_600_000, deposit_uact=5_000_000
    )
    lease = client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 1)

    # Upgrade to other code (the Memo program's ELF): the same address now runs it, our state untouched.
    memo_account = conn.svm.get_account(MEMO)
    assert memo_account is not None
    memo_elf = bytes(memo_account.data)
    await upgrade_program(conn, payer, program.pubkey(), memo_elf, payer)
    assert await programdata_elf(conn, program.pubkey(), len(memo_elf)) == memo_elf
    with pytest.raises(TransactionError) as raised:
        await client.settle(lease)
    assert not isinstance(raised.value, g.AkashBmeError)  # not our program answering

    # And back to our build: the lease kept accruing through both upgrades.
    conn.set_unix_time(conn.svm.get_clock().unix_timestamp + 100)
    upgraded = await upgrade_program(conn, payer, program.pubkey(), elf, payer)
    assert upgraded.programdata_address == deployed.programdata_address
    assert await programdata_elf(conn, program.pubkey(), len(elf)) == elf
    await client.update_price(
        booted.oracle, price=200_000_000, expo=-8, conf=0, publish_time=conn.svm.get_clock().unix_timestamp
    )
    minted = one(await client.withdraw(owner, lease), g.events.RewardsMinted)
    assert minted.redeemed_uact == 100_000
    closed = await client.close_lease(tenant, lease)
    assert one(closed, g.events.TenantRefunded).refunded_uact == 4_900_000

    # An in-place upgrade with the very same ELF also works.
    await upgrade_program(conn, payer, program.pubkey(), elf, payer)
    assert await programdata_elf(conn, program.pubkey(), len(elf)) == elf
    await client.register_provider(tenant, HOST)
