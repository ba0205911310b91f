"""Every instruction's happy path on the real program: account state, token balances, SPL supply and the
decoded events, with amounts checked against `akash_bme.quotes`."""

from __future__ import annotations

import pytest
from akash_bme import generated as g
from akash_bme import quotes
from akash_bme._client import DEFAULT_PARAMS, BmeClient
from akash_bme.bootstrap import create_akt_mint, load_program, load_program_keypair
from akash_bme.connection import LiteSvmConnection
from akash_bme.deploy import deploy_program
from akash_bme.generated.types import AuthorityKind, LeaseState, MigrationKind, MintStatus
from akash_bme.testing import DEFAULT_CONF, DEFAULT_EXPO, DEFAULT_PRICE, GENESIS_UNIX_TIME
from program_scene import AKT, HOST, Scene, one
from solders.keypair import Keypair

pytestmark = pytest.mark.program


async def test_initialize_then_first_price() -> None:
    conn = LiteSvmConnection()
    conn.set_unix_time(GENESIS_UNIX_TIME)
    authority, oracle = Keypair(), Keypair()
    conn.airdrop(authority.pubkey(), 100 * 10**9)
    program = load_program_keypair()
    await deploy_program(conn, authority, program, load_program())
    client = BmeClient(conn, authority, program_id=program.pubkey())
    mint = await create_akt_mint(client)

    result = await client.initialize(authority, akt_mint=mint, oracle_authority=oracle.pubkey())
    config = await client.config()
    assert (config.authority, config.oracle_authority, config.akt_mint) == (
        authority.pubkey(),
        oracle.pubkey(),
        mint,
    )
    assert config.params == DEFAULT_PARAMS
    assert config.migration_open and not config.paused and not config.vault_migrated
    assert config.mint_status == MintStatus.HaltOracle  # no price yet
    assert config.remint_credits_uakt == config.act_outstanding_uact == 0
    feed = await client.price_feed()
    assert feed.akt_mint == mint and feed.price == 0 and feed.publish_time == 0
    assert not [e for e in result.events if isinstance(e, g.events.MintStatusChanged)]

    priced = await client.update_price(
        oracle, price=DEFAULT_PRICE, expo=DEFAULT_EXPO, conf=DEFAULT_CONF, publish_time=GENESIS_UNIX_TIME
    )
    changed = one(priced, g.events.MintStatusChanged)
    assert (changed.previous, changed.current) == (MintStatus.HaltOracle, MintStatus.Healthy)
    assert changed.collateral_ratio_bps == quotes.U64_MAX  # nothing outstanding: infinite CR
    with pytest.raises(g.AlreadyInitialized):
        await client.initialize(authority, akt_mint=mint, oracle_authority=oracle.pubkey())


async def test_update_params(scene: Scene) -> None:
    params = g.types.Params(
        circuit_breaker_warn_bps=9700,
        circuit_breaker_halt_bps=9100,
        mint_spread_bps=40,
        settle_spread_bps=10,
        min_mint_uact=1_000,
        max_price_age_secs=120,
        max_conf_bps=200,
    )
    result = await scene.client.update_params(scene.world.authority, params)
    assert one(result, g.events.ParamsUpdated).params == params
    assert (await scene.config()).params == params
    with pytest.raises(g.InvalidParams):
        await scene.params(circuit_breaker_halt_bps=9700)  # halt must stay below warn
    with pytest.raises(g.Unauthorized):
        await scene.client.update_params(scene.tenant, params)


async def test_authority_handover(scene: Scene) -> None:
    client, old, new = scene.client, scene.world.authority, Keypair()
    scene.world.connection.airdrop(new.pubkey(), 10**9)
    proposed = await client.propose_authority(old, new.pubkey())
    event = one(proposed, g.events.AuthorityChanged)
    assert (event.kind, event.current) == (AuthorityKind.PendingAdmin, new.pubkey())
    assert (await scene.config()).pending_authority == new.pubkey()
    with pytest.raises(g.Unauthorized):
        await client.accept_authority(scene.tenant)

    accepted = await client.accept_authority(new)
    event = one(accepted, g.events.AuthorityChanged)
    assert (event.kind, event.previous, event.current) == (AuthorityKind.Admin, old.pubkey(), new.pubkey())
    assert (await scene.config()).authority == new.pubkey()
    with pytest.raises(g.Unauthorized):
        await client.set_paused(old, True)
    await client.set_paused(new, True)


async def test_set_oracle_authority(scene: Scene) -> None:
    world, oracle = scene.world, Keypair()
    world.connection.airdrop(oracle.pubkey(), 10**9)
    result = await scene.client.set_oracle_authority(world.authority, oracle.pubkey())
    event = one(result, g.events.AuthorityChanged)
    assert (event.kind, event.previous, event.current) == (
        AuthorityKind.Oracle,
        world.oracle.pubkey(),
        oracle.pubkey(),
    )
    assert (await scene.config()).oracle_authority == oracle.pubkey()
    world.connection.set_unix_time(world.now + 5)
    with pytest.raises(g.Unauthorized):
        await scene.client.update_price(world.oracle, price=1, expo=-8, conf=0, publish_time=world.now)
    await scene.client.update_price(oracle, price=3 * 10**8, expo=-8, conf=0, publish_time=world.now)
    assert (await scene.client.price_feed()).price == 3 * 10**8


async def test_pause_refuses_all_but_settle(scene: Scene) -> None:
    client, world = scene.client, scene.world
    lease, _ = await scene.open_lease(1)
    await world.advance(600)
    paused = await client.set_paused(world.authority, True)
    assert one(paused, g.events.PausedChanged).paused
    assert (await scene.config()).paused

    with pytest.raises(g.Paused):
        await scene.open_lease(2)
    with pytest.raises(g.Paused):
        await client.deposit(scene.tenant, lease, 1_000_000)
    with pytest.raises(g.Paused):
        await client.withdraw(scene.owner, lease)
    with pytest.raises(g.Paused):
        await client.close_lease(scene.tenant, lease)
    with pytest.raises(g.Paused):
        await client.fund_vault(scene.funder, AKT)
    settled = await client.settle(lease)
    assert one(settled, g.events.LeaseSettled).due_uact == 600  # 3600 uact/h for 600 s

    resumed = await client.set_paused(world.authority, False)
    assert not one(resumed, g.events.PausedChanged).paused
    await client.withdraw(scene.owner, lease)


async def test_update_price(scene: Scene) -> None:
    client, world = scene.client, scene.world
    world.connection.set_unix_time(world.now + 10)
    slot = world.connection.svm.get_clock().slot
    result = await client.update_price(
        world.oracle, price=123_456_789, expo=-7, conf=1_000, publish_time=world.now
    )
    event = one(result, g.events.PriceUpdated)
    assert (event.price, event.expo, event.conf, event.publish_time, event.slot) == (
        123_456_789,
        -7,
        1_000,
        world.now,
        slot,
    )
    feed = await client.price_feed()
    assert (feed.price, feed.expo, feed.conf, feed.publish_time) == (123_456_789, -7, 1_000, world.now)

    def post(**kw: int):
        args = {"price": 123_456_789, "expo": -7, "conf": 0, "publish_time": world.now + 1, **kw}
        return client.update_price(world.oracle, **args)

    with pytest.raises(g.PriceNotNewer):
        await post(publish_time=world.now)
    for bad in ({"price": 0}, {"price": -5}, {"expo": 1}, {"expo": -13}, {"publish_time": world.now + 61}):
        with pytest.raises(g.OracleInvalid):
            await post(**bad)
    with pytest.raises(g.OracleInvalid):  # conf wider than max_conf_bps (150) of the price
        await post(conf=123_456_789 * 151 // 10_000)
    await post(publish_time=world.now + 60)  # up to 60 s ahead is accepted


async def test_register_and_update_provider(bare_scene: Scene) -> None:
    scene = bare_scene
    result = await scene.register()
    event = one(result, g.events.ProviderRegistered)
    assert (event.provider, event.owner, event.host_uri) == (scene.provider, scene.owner.pubkey(), HOST)
    provider = await scene.client.provider(scene.owner.pubkey())
    assert provider is not None
    assert provider.owner == scene.owner.pubkey() and provider.active
    assert provider.host_uri == HOST.encode().ljust(128, b"\0")
    assert provider.cosmos_address == bytes(20) and provider.active_leases == 0
    assert provider.created_at == scene.world.now
    with pytest.raises(g.AlreadyInitialized):
        await scene.register()

    updated = await scene.client.update_provider(scene.owner, "https://new.example", active=False)
    event = one(updated, g.events.ProviderUpdated)
    assert (event.host_uri, event.active) == ("https://new.example", False)
    provider = await scene.client.provider(scene.owner.pubkey())
    assert provider is not None and not provider.active
    assert provider.host_uri == b"https://new.example".ljust(128, b"\0")
    with pytest.raises(g.ProviderInactive):
        await scene.open_lease(1)
    with pytest.raises(g.Unauthorized):
        await scene.client.send(
            [
                g.instructions.update_provider(
                    g.instructions.UpdateProviderArgs(host_uri="x", active=True),
                    g.instructions.UpdateProviderAccounts(
                        owner=scene.tenant.pubkey(), provider=scene.provider
                    ),
                    program_id=scene.client.program_id,
                )
            ],
            [scene.tenant],
        )


async def test_create_lease(scene: Scene) -> None:
    client, world = scene.client, scene.world
    deposit, rate = 7_000_000, 12_345
    balance, supply = await scene.balance(scene.tenant), await world.akt_supply()
    lamports = await world.connection.get_balance(scene.tenant.pubkey())
    quote = quotes.quote_burn(deposit, DEFAULT_PARAMS.mint_spread_bps, world.price, world.expo)

    with pytest.raises(g.SlippageExceeded):
        await client.create_lease(
            scene.tenant,
            provider_owner=scene.owner.pubkey(),
            dseq=1,
            rate_uact_per_hour=rate,
            deposit_uact=deposit,
            max_burn_uakt=quote.burn_uakt - 1,
        )
    with pytest.raises(g.BelowMinimumMint):
        await scene.open_lease(1, deposit=DEFAULT_PARAMS.min_mint_uact - 1)
    address, result = await scene.open_lease(1, rate=rate, deposit=deposit)

    burned = one(result, g.events.AktBurned)
    assert (burned.owner, burned.lease, burned.credited_uact) == (scene.tenant.pubkey(), address, deposit)
    assert (burned.burned_uakt, burned.spread_uact) == (quote.burn_uakt, quote.spread_uact)
    assert (burned.price, burned.expo) == (world.price, world.expo)
    created = one(result, g.events.LeaseCreated)
    assert (created.lease, created.provider, created.dseq, created.gseq, created.oseq) == (
        address,
        scene.provider,
        1,
        1,
        1,
    )
    assert (created.rate_uact_per_hour, created.deposit_uact) == (rate, deposit)

    assert await scene.balance(scene.tenant) == balance - quote.burn_uakt
    assert await world.akt_supply() == supply - quote.burn_uakt
    rent = await world.connection.get_minimum_balance_for_rent_exemption(g.accounts.lease.SIZE + 8)
    assert await world.connection.get_balance(scene.tenant.pubkey()) == lamports - rent  # tenant pays rent
    lease = await scene.lease(address)
    assert (lease.tenant, lease.provider, lease.state, lease.migrated) == (
        scene.tenant.pubkey(),
        scene.provider,
        LeaseState.Active,
        False,
    )
    assert (lease.escrow_uact, lease.total_deposited_uact, lease.unwithdrawn_uact) == (deposit, deposit, 0)
    assert lease.created_at == lease.settled_at == world.now
    config = await scene.config()
    assert (config.remint_credits_uakt, config.act_outstanding_uact) == (quote.burn_uakt, deposit)
    assert (config.total_akt_burned, config.total_act_credited) == (quote.burn_uakt, deposit)
    provider = await client.provider(scene.owner.pubkey())
    assert provider is not None and provider.active_leases == 1
    with pytest.raises(g.AlreadyInitialized):
        await scene.open_lease(1, deposit=deposit + 1)


async def test_deposit_and_settle(scene: Scene) -> None:
    client, world = scene.client, scene.world
    address, _ = await scene.open_lease(1, rate=7_200)
    await world.advance(1_800)
    settled = await client.settle(address)
    event = one(settled, g.events.LeaseSettled)
    assert (event.due_uact, event.escrow_uact, event.unwithdrawn_uact) == (3_600, 5_000_000 - 3_600, 3_600)
    assert (event.state, event.settled_at) == (LeaseState.Active, world.now)

    supply = await world.akt_supply()
    result = await client.deposit(scene.tenant, address, 2_000_000)
    quote = quotes.quote_burn(2_000_000, DEFAULT_PARAMS.mint_spread_bps, world.price, world.expo)
    assert one(result, g.events.AktBurned).burned_uakt == quote.burn_uakt
    deposited = one(result, g.events.LeaseDeposited)
    assert (deposited.depositor, deposited.deposit_uact, deposited.overdrawn_paid_uact) == (
        scene.tenant.pubkey(),
        2_000_000,
        0,
    )
    assert deposited.escrow_uact == 7_000_000 - 3_600
    assert await world.akt_supply() == supply - quote.burn_uakt
    lease = await scene.lease(address)
    assert (lease.escrow_uact, lease.total_deposited_uact) == (7_000_000 - 3_600, 7_000_000)

    # Anyone may deposit into a lease from their own AKT.
    funded = await client.deposit(scene.funder, address, 1_000_000)
    assert one(funded, g.events.LeaseDeposited).depositor == scene.funder.pubkey()


async def test_withdraw(scene: Scene) -> None:
    client, world = scene.client, scene.world
    address, created = await scene.open_lease(1, rate=360_000)
    burned = one(created, g.events.AktBurned).burned_uakt
    await world.advance(3_600, price=150_000_000)  # the price falls: more AKT per ACT
    supply = await world.akt_supply()
    with pytest.raises(g.SlippageExceeded):
        await client.withdraw(scene.owner, address, min_akt_out=10**12)
    result = await client.withdraw(scene.owner, address)
    minted = one(result, g.events.RewardsMinted)
    quote = quotes.quote_redeem(360_000, DEFAULT_PARAMS.settle_spread_bps, 150_000_000, world.expo)
    assert (minted.lease, minted.provider, minted.redeemed_uact) == (address, scene.provider, 360_000)
    assert (minted.minted_uakt, minted.price) == (quote.paid_uakt, 150_000_000)
    assert minted.from_remint_credits_uakt == min(quote.paid_uakt, burned)
    assert await scene.balance(scene.owner) == quote.paid_uakt
    assert await world.akt_supply() == supply + quote.paid_uakt
    provider = await client.provider(scene.owner.pubkey())
    assert provider is not None
    assert (provider.total_earned_uact, provider.total_minted_uakt) == (360_000, quote.paid_uakt)
    config = await scene.config()
    assert config.remint_credits_uakt == burned - minted.from_remint_credits_uakt
    assert config.act_outstanding_uact == 5_000_000 - 360_000
    assert (config.total_akt_minted, config.total_act_redeemed) == (quote.paid_uakt, 360_000)
    assert (await scene.lease(address)).unwithdrawn_uact == 0
    with pytest.raises(g.ZeroAmount):  # nothing accrued since
        await client.withdraw(scene.owner, address)
    stranger = g.instructions.withdraw(
        g.instructions.WithdrawArgs(min_akt_out=0),
        g.instructions.WithdrawAccounts(
            owner=scene.tenant.pubkey(),
            provider=scene.provider,
            price_feed=client.price_feed_address(),
            lease=address,
            provider_akt=client.akt_account(scene.owner.pubkey()),
            akt_mint=world.akt_mint,
        ),
        program_id=client.program_id,
    )
    with pytest.raises(g.Unauthorized):
        await client.send([stranger], [scene.tenant])


async def test_close_lease(scene: Scene) -> None:
    client, world = scene.client, scene.world
    lamports = await world.connection.get_balance(scene.tenant.pubkey())
    address, _ = await scene.open_lease(1, rate=36_000)
    await world.advance(100)
    tenant_before, supply = await scene.balance(scene.tenant), await world.akt_supply()
    result = await client.close_lease(scene.tenant, address, reason=10002)

    earned, refund = 1_000, 5_000_000 - 1_000
    paid = quotes.quote_redeem(earned, 0, world.price, world.expo).paid_uakt
    returned = quotes.quote_redeem(refund, 0, world.price, world.expo).paid_uakt
    assert one(result, g.events.RewardsMinted).minted_uakt == paid
    refunded = one(result, g.events.TenantRefunded)
    assert (refunded.tenant, refunded.refunded_uact, refunded.refunded_uakt) == (
        scene.tenant.pubkey(),
        refund,
        returned,
    )
    closed = one(result, g.events.LeaseClosed)
    assert (closed.closed_by, closed.reason, closed.forgiven_overdrawn_uact) == (
        scene.tenant.pubkey(),
        10002,
        0,
    )
    assert await scene.balance(scene.owner) == paid
    assert await scene.balance(scene.tenant) == tenant_before + returned
    assert await world.akt_supply() == supply + paid + returned
    assert await client.lease(address) is None
    assert await world.connection.get_balance(scene.tenant.pubkey()) == lamports  # the rent came back
    provider = await client.provider(scene.owner.pubkey())
    assert provider is not None and provider.active_leases == 0
    assert (await scene.config()).act_outstanding_uact == 0


async def test_provider_may_close(scene: Scene) -> None:
    address, _ = await scene.open_lease(1)
    result = await scene.client.close_lease(scene.owner, address, reason=10001)
    assert one(result, g.events.LeaseClosed).closed_by == scene.owner.pubkey()
    assert await scene.client.lease(address) is None


async def test_fund_vault(scene: Scene) -> None:
    client, world = scene.client, scene.world
    supply, balance = await world.akt_supply(), await scene.balance(scene.funder)
    result = await client.fund_vault(scene.funder, 3 * AKT)
    event = one(result, g.events.VaultFunded)
    assert (event.funder, event.amount_uakt, event.remint_credits_uakt) == (
        scene.funder.pubkey(),
        3 * AKT,
        3 * AKT,
    )
    assert await world.akt_supply() == supply - 3 * AKT
    assert await scene.balance(scene.funder) == balance - 3 * AKT
    config = await scene.config()
    assert (config.remint_credits_uakt, config.total_akt_burned) == (3 * AKT, 3 * AKT)
    with pytest.raises(g.ZeroAmount):
        await client.fund_vault(scene.funder, 0)


async def test_migration_instructions(bare_scene: Scene) -> None:
    scene = bare_scene
    client, world, authority = scene.client, scene.world, scene.world.authority
    cosmos = bytes(range(1, 21))
    provider = await client.migrate_provider(authority, scene.owner.pubkey(), cosmos, HOST)
    assert one(provider, g.events.Migrated).kind == MigrationKind.Provider
    lease = await client.migrate_lease(
        authority,
        tenant=scene.tenant.pubkey(),
        provider_owner=scene.owner.pubkey(),
        dseq=9,
        gseq=2,
        oseq=3,
        rate_uact_per_hour=3_600,
        escrow_uact=1_000_000,
        unwithdrawn_uact=500,
        overdrawn_uact=0,
        settled_at=world.now - 10,
    )
    assert one(lease, g.events.Migrated).kind == MigrationKind.Lease
    recipient = client.akt_account(scene.tenant.pubkey())
    balance = await client.migrate_balance(authority, bytes(20 * [7]), 42 * AKT, recipient_akt=recipient)
    assert one(balance, g.events.Migrated).kind == MigrationKind.Balance
    vault = await client.migrate_vault(authority, 10 * AKT)
    assert one(vault, g.events.Migrated).kind == MigrationKind.Vault
    finalized = await client.finalize_migration(authority)
    event = one(finalized, g.events.MigrationFinalized)
    assert (event.total_act_migrated, event.remint_credits_uakt) == (1_000_500, 10 * AKT)
    config = await scene.config()
    assert not config.migration_open and config.vault_migrated
    assert (config.total_akt_migrated, config.act_outstanding_uact) == (42 * AKT, 1_000_500)
