"""The migrate_* instructions: each item once, everything closed after finalize_migration, and migrated
leases that then live like native ones."""

from __future__ import annotations

import pytest
from akash_bme import generated as g
from akash_bme import quotes
from akash_bme.generated.types import LeaseState, MigrationKind
from program_scene import AKT, HOST, Scene, one

pytestmark = pytest.mark.program

COSMOS_PROVIDER = bytes(range(100, 120))
COSMOS_HOLDER = bytes(range(20))


async def migrate_lease(scene: Scene, dseq: int, **fields: int) -> g.events.Migrated:
    values = {
        "gseq": 1,
        "oseq": 1,
        "rate_uact_per_hour": 3_600_000,
        "escrow_uact": 2_000_000,
        "unwithdrawn_uact": 300_000,
        "overdrawn_uact": 0,
        "settled_at": scene.world.now - 100,
        **fields,
    }
    result = await scene.client.migrate_lease(
        scene.world.authority,
        tenant=scene.tenant.pubkey(),
        provider_owner=scene.owner.pubkey(),
        dseq=dseq,
        **values,
    )
    return one(result, g.events.Migrated)


async def test_migrate_provider_and_lease(bare_scene: Scene) -> None:
    scene = bare_scene
    client, authority = scene.client, scene.world.authority
    result = await client.migrate_provider(authority, scene.owner.pubkey(), COSMOS_PROVIDER, HOST)
    event = one(result, g.events.Migrated)
    assert (event.kind, event.cosmos_address, event.account) == (
        MigrationKind.Provider,
        COSMOS_PROVIDER,
        scene.provider,
    )
    provider = await client.provider(scene.owner.pubkey())
    assert provider is not None
    assert (provider.owner, provider.cosmos_address, provider.active) == (
        scene.owner.pubkey(),
        COSMOS_PROVIDER,
        True,
    )
    assert provider.host_uri.rstrip(b"\0") == HOST.encode()
    with pytest.raises(g.AlreadyMigrated):
        await client.migrate_provider(authority, scene.owner.pubkey(), COSMOS_PROVIDER, HOST)
    with pytest.raises(g.Unauthorized):
        await client.migrate_provider(scene.tenant, scene.tenant.pubkey(), COSMOS_PROVIDER, HOST)

    settled_at = scene.world.now - 100
    event = await migrate_lease(scene, 7, gseq=2, oseq=3, overdrawn_uact=0, settled_at=settled_at)
    address = scene.client.lease_address(scene.tenant.pubkey(), scene.provider, 7, 2, 3)
    assert (event.kind, event.cosmos_address, event.account) == (
        MigrationKind.Lease,
        COSMOS_PROVIDER,
        address,
    )
    lease = await scene.lease(address)
    assert (lease.migrated, lease.state, lease.dseq, lease.gseq, lease.oseq) == (
        True,
        LeaseState.Active,
        7,
        2,
        3,
    )
    assert (lease.escrow_uact, lease.unwithdrawn_uact, lease.overdrawn_uact) == (2_000_000, 300_000, 0)
    assert (lease.settled_at, lease.total_deposited_uact) == (settled_at, 2_300_000)
    config = await scene.config()
    assert (config.act_outstanding_uact, config.total_act_migrated) == (2_300_000, 2_300_000)
    provider = await client.provider(scene.owner.pubkey())
    assert provider is not None and provider.active_leases == 1
    with pytest.raises(g.AlreadyMigrated):
        await migrate_lease(scene, 7, gseq=2, oseq=3)

    owing = await migrate_lease(scene, 8, overdrawn_uact=5_000)
    lease = await scene.lease(owing.account)
    assert (lease.state, lease.overdrawn_uact) == (LeaseState.InsufficientFunds, 5_000)


async def test_migrate_balance_once_per_address(bare_scene: Scene) -> None:
    scene = bare_scene
    client, world, authority = scene.client, scene.world, scene.world.authority
    recipient = client.akt_account(scene.owner.pubkey())
    supply = await world.akt_supply()
    result = await client.migrate_balance(authority, COSMOS_HOLDER, 1_234 * AKT, recipient_akt=recipient)
    record_address = client.migration_record_address(COSMOS_HOLDER)
    event = one(result, g.events.Migrated)
    assert (event.kind, event.cosmos_address, event.account) == (
        MigrationKind.Balance,
        COSMOS_HOLDER,
        record_address,
    )
    assert await scene.balance(scene.owner) == 1_234 * AKT
    assert await world.akt_supply() == supply + 1_234 * AKT
    record = await g.accounts.MigrationRecord.fetch(world.connection, record_address)
    assert record is not None
    assert (record.cosmos_address, record.kind, record.recipient) == (
        COSMOS_HOLDER,
        MigrationKind.Balance,
        recipient,
    )
    assert (record.amount_uakt, record.migrated_at) == (1_234 * AKT, world.now)
    config = await scene.config()
    assert (config.total_akt_migrated, config.total_akt_minted) == (1_234 * AKT, 0)

    world.connection.expire_blockhash()
    with pytest.raises(g.AlreadyMigrated):  # again, even to another recipient or amount
        await client.migrate_balance(
            authority, COSMOS_HOLDER, 99 * AKT, recipient_akt=client.akt_account(scene.tenant.pubkey())
        )
    assert await world.akt_supply() == supply + 1_234 * AKT
    assert (await scene.config()).total_akt_migrated == 1_234 * AKT
    with pytest.raises(g.ZeroAmount):
        await client.migrate_balance(authority, bytes(20), 0, recipient_akt=recipient)


async def test_migrate_vault_once(bare_scene: Scene) -> None:
    scene = bare_scene
    client, authority = scene.client, scene.world.authority
    result = await client.migrate_vault(authority, 77 * AKT)
    event = one(result, g.events.Migrated)
    assert (event.kind, event.cosmos_address, event.account) == (
        MigrationKind.Vault,
        bytes(20),
        client.config_address,
    )
    config = await scene.config()
    assert (config.remint_credits_uakt, config.vault_migrated) == (77 * AKT, True)
    scene.world.connection.expire_blockhash()
    with pytest.raises(g.AlreadyMigrated):
        await client.migrate_vault(authority, 77 * AKT)
    with pytest.raises(g.AlreadyMigrated):
        await client.migrate_vault(authority, 1)
    assert (await scene.config()).remint_credits_uakt == 77 * AKT


async def test_everything_closed_after_finalize(bare_scene: Scene) -> None:
    scene = bare_scene
    client, authority = scene.client, scene.world.authority
    await client.migrate_provider(authority, scene.owner.pubkey(), COSMOS_PROVIDER, HOST)
    with pytest.raises(g.Unauthorized):
        await client.finalize_migration(scene.tenant)
    finalized = await client.finalize_migration(authority)
    assert one(finalized, g.events.MigrationFinalized).total_act_migrated == 0
    assert not (await scene.config()).migration_open

    with pytest.raises(g.MigrationClosed):
        await client.migrate_provider(authority, scene.tenant.pubkey(), COSMOS_HOLDER, HOST)
    with pytest.raises(g.MigrationClosed):
        await migrate_lease(scene, 1)
    with pytest.raises(g.MigrationClosed):
        await client.migrate_balance(
            authority, COSMOS_HOLDER, AKT, recipient_akt=client.akt_account(scene.tenant.pubkey())
        )
    with pytest.raises(g.MigrationClosed):
        await client.migrate_vault(authority, AKT)
    scene.world.connection.expire_blockhash()
    with pytest.raises(g.MigrationClosed):
        await client.finalize_migration(authority)


async def test_migrated_lease_accrues_withdraws_and_closes(bare_scene: Scene) -> None:
    scene = bare_scene
    client, world, authority = scene.client, scene.world, scene.world.authority
    await client.migrate_provider(authority, scene.owner.pubkey(), COSMOS_PROVIDER, HOST)
    event = await migrate_lease(scene, 1, settled_at=world.now - 100)  # 100 s owed since Cosmos settled it
    await client.migrate_vault(authority, 10 * AKT)
    await client.finalize_migration(authority)
    address = event.account

    await world.advance(50)
    supply = await world.akt_supply()
    minted = one(await client.withdraw(scene.owner, address), g.events.RewardsMinted)
    redeemed = 300_000 + 150 * 1_000
    paid = quotes.quote_redeem(redeemed, 0, world.price, world.expo).paid_uakt
    assert (minted.redeemed_uact, minted.minted_uakt, minted.from_remint_credits_uakt) == (
        redeemed,
        paid,
        paid,
    )
    assert await world.akt_supply() == supply + paid
    assert (await scene.config()).remint_credits_uakt == 10 * AKT - paid

    await world.advance(10)
    closed = await client.close_lease(scene.tenant, address)
    assert one(closed, g.events.RewardsMinted).redeemed_uact == 10_000
    refunded = one(closed, g.events.TenantRefunded)
    assert refunded.refunded_uact == 2_000_000 - 160_000
    assert (
        refunded.refunded_uakt
        == quotes.quote_redeem(2_000_000 - 160_000, 0, world.price, world.expo).paid_uakt
    )
    assert await client.lease(address) is None
    assert (await scene.config()).act_outstanding_uact == 0
