"""The SDK surface end to end in-process: every `BmeClient` method on LiteSVM with the real program.

Program rules themselves are tested in tests/program/test_instructions.py; here the point is that each
client method builds the right transaction, returns the decoded events and reads back typed state, and
that bad input is refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from akash_bme import generated as g
from akash_bme._client import CLOSE_REASONS, U64_MAX, BmeClient
from akash_bme.generated.events import (
    AktBurned,
    AuthorityChanged,
    LeaseClosed,
    LeaseCreated,
    LeaseDeposited,
    LeaseSettled,
    Migrated,
    MigrationFinalized,
    ParamsUpdated,
    PausedChanged,
    PriceUpdated,
    ProviderRegistered,
    ProviderUpdated,
    RewardsMinted,
    TenantRefunded,
    VaultFunded,
)
from akash_bme.generated.types import LeaseState, MintStatus
from akash_bme.quotes import quote_burn, quote_redeem
from akash_bme.testing import World, in_process_world
from solders.keypair import Keypair
from solders.pubkey import Pubkey

pytestmark = pytest.mark.program

AKT = 1_000_000  # uakt per AKT
ACT = 1_000_000  # uact per ACT
TENANT_AKT = 1_000 * AKT
RATE = 36_000 * ACT // 1_000  # 36 ACT per hour: 10_000 uact per second
DEPOSIT = 100 * ACT
HOST = "https://provider.example.com:8443"
COSMOS = bytes(range(20))


@pytest.fixture
async def world() -> World:
    return await in_process_world({"tenant": TENANT_AKT, "funder": 100 * AKT})


async def provider_owner(world: World) -> Keypair:
    owner = await world.wallet("provider")
    await world.client.register_provider(owner, HOST)
    return owner


async def test_administration(world: World) -> None:
    client, authority = world.client, world.authority
    params = dataclasses.replace(client_params := (await client.config()).params, mint_spread_bps=50)
    assert client_params.mint_spread_bps == 25
    res = await client.update_params(authority, params)
    assert res.event(ParamsUpdated).params == params  # type: ignore[attr-defined]
    assert (await client.config()).params == params
    assert res.compute_units is not None and res.compute_units > 0 and res.logs

    successor = Keypair()
    world.connection.airdrop(successor.pubkey(), 10**9)
    proposed = await client.propose_authority(authority, successor.pubkey())
    assert (await client.config()).pending_authority == successor.pubkey()
    accepted = await client.accept_authority(successor)
    changed = accepted.event(AuthorityChanged)
    assert (changed.previous, changed.current) == (authority.pubkey(), successor.pubkey())  # type: ignore[attr-defined]
    assert (await client.config()).authority == successor.pubkey()
    assert all(not isinstance(e, AuthorityChanged) or e.current != e.previous for e in proposed.events)
    with pytest.raises(g.Unauthorized):
        await client.set_paused(authority, True)

    oracle = Keypair()
    world.connection.airdrop(oracle.pubkey(), 10**9)
    await client.set_oracle_authority(successor, oracle.pubkey())
    assert (await client.config()).oracle_authority == oracle.pubkey()
    world.connection.set_unix_time(world.now + 5)
    with pytest.raises(g.Unauthorized):
        await client.update_price(world.oracle, price=210_000_000, expo=-8, conf=1, publish_time=world.now)
    posted = await client.update_price(oracle, price=210_000_000, expo=-8, conf=1, publish_time=world.now)
    assert posted.event(PriceUpdated).price == 210_000_000  # type: ignore[attr-defined]
    feed = await client.price_feed()
    assert (feed.price, feed.expo, feed.conf, feed.publish_time) == (210_000_000, -8, 1, world.now)

    paused = await client.set_paused(successor, True)
    assert paused.event(PausedChanged).paused is True  # type: ignore[attr-defined]
    status = await client.vault_status()
    assert status.paused and (await client.config()).paused
    tenant = world.wallets["tenant"]
    with pytest.raises(g.Paused):
        await client.fund_vault(tenant, AKT)
    await client.set_paused(successor, False)
    assert not (await client.config()).paused


async def test_lease_lifecycle(world: World) -> None:
    client = world.client
    tenant = world.wallets["tenant"]
    supply0 = await world.akt_supply()
    owner = await world.wallet("provider")

    registered = await client.register_provider(owner, HOST)
    event = registered.event(ProviderRegistered)
    assert (event.owner, event.host_uri, event.provider) == (  # type: ignore[attr-defined]
        owner.pubkey(),
        HOST,
        client.provider_address(owner.pubkey()),
    )
    provider = await client.provider(str(owner.pubkey()))  # type: ignore[arg-type]
    assert provider is not None and provider.owner == owner.pubkey() and provider.active
    updated = await client.update_provider(owner, "https://moved.example.com", active=False)
    assert updated.event(ProviderUpdated).active is False  # type: ignore[attr-defined]
    with pytest.raises(g.ProviderInactive):
        await client.create_lease(
            tenant, provider_owner=owner.pubkey(), dseq=7, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
        )
    await client.update_provider(owner, HOST, active=True)
    assert await client.provider(Keypair().pubkey()) is None

    quote = await client.quote_burn(DEPOSIT)
    config = await client.config()
    assert quote == quote_burn(DEPOSIT, config.params.mint_spread_bps, world.price, world.expo)
    created = await client.create_lease(
        tenant, provider_owner=owner.pubkey(), dseq=7, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
    )
    lease_address = client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 7)
    made = created.event(LeaseCreated)
    assert (made.lease, made.dseq, made.deposit_uact) == (lease_address, 7, DEPOSIT)  # type: ignore[attr-defined]
    assert created.event(AktBurned).burned_uakt == quote.burn_uakt  # type: ignore[attr-defined]
    assert await world.akt_balance(tenant.pubkey()) == TENANT_AKT - quote.burn_uakt
    lease = await client.lease(lease_address)
    assert lease is not None and lease.escrow_uact == DEPOSIT and lease.state == LeaseState.Active
    assert [a for a, _ in await client.leases_by_tenant(tenant.pubkey())] == [lease_address]
    assert [a for a, _ in await client.leases_by_provider(str(owner.pubkey()))] == [lease_address]  # type: ignore[arg-type]
    assert await client.leases_by_tenant(owner.pubkey()) == []

    await world.advance(3600)
    settled = (await client.settle(lease_address)).event(LeaseSettled)
    assert (settled.due_uact, settled.unwithdrawn_uact) == (RATE, RATE)  # type: ignore[attr-defined]
    assert settled.escrow_uact == DEPOSIT - RATE  # type: ignore[attr-defined]

    await world.advance(1800)
    expected = quote_redeem(RATE * 3 // 2, config.params.settle_spread_bps, world.price, world.expo)
    withdrawn = await client.withdraw(owner, lease_address, min_akt_out=expected.paid_uakt)
    minted = withdrawn.event(RewardsMinted)
    assert (minted.redeemed_uact, minted.minted_uakt) == (RATE * 3 // 2, expected.paid_uakt)  # type: ignore[attr-defined]
    assert await world.akt_balance(owner.pubkey()) == expected.paid_uakt
    assert (await client.quote_redeem(RATE)).paid_uakt == quote_redeem(
        RATE, 0, world.price, world.expo
    ).paid_uakt

    top_up = await client.quote_burn(10 * ACT)
    deposited = await client.deposit(tenant, lease_address, 10 * ACT, max_burn_uakt=top_up.burn_uakt)
    assert deposited.event(LeaseDeposited).deposit_uact == 10 * ACT  # type: ignore[attr-defined]
    lease = await client.lease(lease_address)
    assert lease is not None and lease.escrow_uact == DEPOSIT + 10 * ACT - RATE * 3 // 2

    status = await client.vault_status()
    config = await client.config()
    assert status.act_outstanding_uact == config.act_outstanding_uact == lease.escrow_uact
    assert status.remint_credits_uakt == config.remint_credits_uakt
    assert status.status == MintStatus.Healthy and status.stored_status == MintStatus.Healthy
    assert (status.price, status.expo, status.paused) == (world.price, world.expo, False)

    rent = await world.connection.get_balance(lease_address)
    lamports_before = await world.connection.get_balance(tenant.pubkey())
    closed = await client.close_lease(tenant, lease_address, reason=1)
    assert closed.event(LeaseClosed).reason == 1  # type: ignore[attr-defined]
    refund = closed.event(TenantRefunded)
    assert refund.refunded_uact == lease.escrow_uact  # type: ignore[attr-defined]
    assert await client.lease(lease_address) is None
    assert await client.leases_by_provider(owner.pubkey()) == []
    assert await world.connection.get_balance(tenant.pubkey()) > lamports_before + rent // 2
    config = await client.config()
    assert config.act_outstanding_uact == 0
    assert await world.akt_supply() == supply0 - config.total_akt_burned + config.total_akt_minted


async def test_fund_vault_and_migration(world: World) -> None:
    client, authority = world.client, world.authority
    funder = world.wallets["funder"]
    funded = await client.fund_vault(funder, 5 * AKT)
    assert funded.event(VaultFunded).remint_credits_uakt == 5 * AKT  # type: ignore[attr-defined]
    assert await world.akt_balance(funder.pubkey()) == 95 * AKT

    owner, tenant, holder = Keypair(), Keypair(), await world.wallet("holder")
    instruction = client.migrate_provider_ix(authority.pubkey(), owner.pubkey(), COSMOS, HOST)
    assert instruction.program_id == client.program_id
    migrated = await client.send([instruction], [authority])
    assert migrated.event(Migrated).account == client.provider_address(owner.pubkey())  # type: ignore[attr-defined]
    provider = await client.provider(owner.pubkey())
    assert provider is not None and provider.cosmos_address == COSMOS
    assert provider.host_uri.rstrip(b"\0") == HOST.encode()  # stored zero-padded

    now = world.now
    await client.migrate_lease(
        authority,
        tenant=tenant.pubkey(),
        provider_owner=owner.pubkey(),
        dseq=11,
        gseq=2,
        oseq=3,
        rate_uact_per_hour=RATE,
        escrow_uact=20 * ACT,
        unwithdrawn_uact=ACT,
        overdrawn_uact=0,
        settled_at=now,
    )
    ((address, lease),) = await client.leases_by_tenant(tenant.pubkey())
    assert address == client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 11, 2, 3)
    assert (lease.migrated, lease.escrow_uact, lease.unwithdrawn_uact, lease.settled_at) == (
        True,
        20 * ACT,
        ACT,
        now,
    )

    balance = await client.migrate_balance(
        authority, bytes(20 * [7]), 3 * AKT, recipient_akt=client.akt_account(holder.pubkey())
    )
    assert balance.event(Migrated).cosmos_address == bytes(20 * [7])  # type: ignore[attr-defined]
    assert await world.akt_balance(holder.pubkey()) == 3 * AKT
    assert (await client.config()).total_akt_migrated == 3 * AKT
    with pytest.raises(g.AlreadyMigrated):
        await client.migrate_balance(
            authority, bytes(20 * [7]), 3 * AKT, recipient_akt=client.akt_account(holder.pubkey())
        )

    await client.migrate_vault(authority, 2 * AKT)
    assert (await client.config()).remint_credits_uakt == 7 * AKT
    finalized = (await client.finalize_migration(authority)).event(MigrationFinalized)
    assert finalized.remint_credits_uakt == 7 * AKT  # type: ignore[attr-defined]
    assert not (await client.config()).migration_open
    with pytest.raises(g.MigrationClosed):
        await client.migrate_vault(authority, AKT)


async def test_events_arrive_by_subscription(world: World) -> None:
    client, tenant = world.client, world.wallets["tenant"]
    owner = await world.wallet("provider")
    received: list[g.Event] = []
    ready = asyncio.Event()

    async def consume() -> None:
        async for _, event in client.events():
            received.append(event)
            ready.set()
            if isinstance(event, LeaseCreated):
                return

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)  # let the subscription start before the first send
    await client.register_provider(owner, HOST)
    await client.create_lease(
        tenant, provider_owner=owner.pubkey(), dseq=1, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
    )
    await asyncio.wait_for(task, 10)
    kinds = [type(e) for e in received]
    assert kinds[0] is ProviderRegistered and kinds[-1] is LeaseCreated and AktBurned in kinds


def bad_calls(
    world: World, owner: Keypair
) -> list[tuple[str, type[Exception], Callable[[], Awaitable[object]]]]:
    client, tenant = world.client, world.wallets["tenant"]
    lease = client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 1)

    def create(**changes: object) -> Callable[[], Awaitable[object]]:
        kwargs: dict[str, object] = dict(
            provider_owner=owner.pubkey(), dseq=1, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
        )
        kwargs.update(changes)
        return lambda: client.create_lease(tenant, **kwargs)  # type: ignore[arg-type]

    return [
        ("bad base58 provider", ValueError, create(provider_owner="not-a-key")),
        ("provider of wrong type", TypeError, create(provider_owner=12345)),
        ("negative deposit", ValueError, create(deposit_uact=-1)),
        ("oversized deposit", ValueError, create(deposit_uact=U64_MAX + 1)),
        ("float rate", TypeError, create(rate_uact_per_hour=1.5)),
        ("bool dseq", TypeError, create(dseq=True)),
        ("gseq over u32", ValueError, create(gseq=2**32)),
        ("slippage over 100%", ValueError, create(slippage_bps=10_001)),
        ("negative max burn", ValueError, create(max_burn_uakt=-5)),
        ("bad lease key", ValueError, lambda: client.deposit(tenant, "0OIl", ACT)),  # type: ignore[arg-type]
        ("deposit as str", TypeError, lambda: client.deposit(tenant, lease, "1000")),  # type: ignore[arg-type]
        ("settle non-key", TypeError, lambda: client.settle(b"\x00" * 32)),  # type: ignore[arg-type]
        ("negative min out", ValueError, lambda: client.withdraw(owner, lease, min_akt_out=-1)),
        ("unknown close reason", ValueError, lambda: client.close_lease(tenant, lease, reason=2)),
        ("empty host_uri", ValueError, lambda: client.register_provider(owner, "")),
        ("long host_uri", ValueError, lambda: client.register_provider(owner, "h" * 129)),
        ("NUL in host_uri", ValueError, lambda: client.update_provider(owner, "a\x00b")),
        ("host_uri bytes", TypeError, lambda: client.register_provider(owner, b"https://x")),  # type: ignore[arg-type]
        ("fund overflow", ValueError, lambda: client.fund_vault(tenant, 2**64)),
        ("paused as int", TypeError, lambda: client.set_paused(world.authority, 1)),  # type: ignore[arg-type]
        (
            "price over i64",
            ValueError,
            lambda: client.update_price(world.oracle, price=2**63, expo=-8, conf=0, publish_time=world.now),
        ),
        ("bad new authority", ValueError, lambda: client.propose_authority(world.authority, "xyz")),  # type: ignore[arg-type]
        ("oracle as bytes", TypeError, lambda: client.set_oracle_authority(world.authority, b"k")),  # type: ignore[arg-type]
        ("negative vault credits", ValueError, lambda: client.migrate_vault(world.authority, -1)),
        (
            "cosmos address 19 bytes",
            ValueError,
            lambda: client.migrate_balance(world.authority, b"x" * 19, 1, recipient_akt=lease),
        ),
        ("quote of negative", ValueError, lambda: client.quote_burn(-1)),
        ("redeem quote of str", TypeError, lambda: client.quote_redeem("5")),  # type: ignore[arg-type]
        ("tenant filter non-key", ValueError, lambda: client.leases_by_tenant("??")),  # type: ignore[arg-type]
    ]


async def test_bad_input_is_refused_before_sending(world: World) -> None:
    owner = await provider_owner(world)
    payer = world.client.payer.pubkey()
    seen: list[g.Event] = []

    async def watch() -> None:
        async for _, event in world.client.events():
            seen.append(event)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0)
    lamports = await world.connection.get_balance(payer)
    config = await world.connection.get_account_data(world.client.config_address)
    for name, kind, call in bad_calls(world, owner):
        with pytest.raises(kind):
            await call()
        assert await world.connection.get_balance(payer) == lamports, f"{name}: a transaction was executed"
    assert await world.connection.get_account_data(world.client.config_address) == config
    watcher.cancel()
    assert seen == []
    assert set(CLOSE_REASONS) >= {1, 20000}


async def test_typed_program_errors_carry_logs(world: World) -> None:
    owner = await provider_owner(world)
    tenant = world.wallets["tenant"]
    with pytest.raises(g.SlippageExceeded) as raised:
        await world.client.create_lease(
            tenant,
            provider_owner=owner.pubkey(),
            dseq=1,
            rate_uact_per_hour=RATE,
            deposit_uact=DEPOSIT,
            max_burn_uakt=1,
        )
    assert raised.value.name == "SlippageExceeded" and raised.value.code == 6009 and raised.value.logs
    with pytest.raises(ValueError, match="does not exist"):
        await world.client.close_lease(tenant, Keypair().pubkey())
    unloaded = BmeClient(world.connection, tenant, program_id=world.client.program_id)
    with pytest.raises(RuntimeError):
        unloaded.akt_account(tenant.pubkey())
    assert (await unloaded.load()).akt_mint == world.akt_mint and unloaded.akt_mint == world.akt_mint
    assert isinstance(unloaded.price_feed_address(), Pubkey)
