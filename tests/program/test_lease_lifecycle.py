"""A lease through time (the test moves the clock): exact accrual with the remainder carried, running out
of escrow, paying the debt back, withdrawing and closing."""

from __future__ import annotations

import pytest
from akash_bme import generated as g
from akash_bme import quotes
from akash_bme.generated.types import LeaseState
from program_scene import Scene, one, send_direct

pytestmark = pytest.mark.program


async def test_remainder_is_carried_exactly(scene: Scene) -> None:
    """1 uact/hour settled every second for an hour accrues exactly 1 uact (never 0 by rounding down)."""
    address, _ = await scene.open_lease(1, rate=1)
    settle = g.instructions.settle(
        g.instructions.SettleArgs(),
        g.instructions.SettleAccounts(lease=address),
        program_id=scene.client.program_id,
    )
    dues, remainder = [], 0
    for second in range(1, 3_601):
        scene.world.connection.set_unix_time(scene.world.now + 1)
        scene.world.connection.expire_blockhash()  # the same settle again is a new transaction
        landed = send_direct(scene.world, [settle])
        (settled,) = landed.events
        assert isinstance(settled, g.events.LeaseSettled)
        assert settled.unwithdrawn_uact == (second == 3_600)
        due, remainder = quotes.accrue(1, 1, remainder)
        assert (settled.due_uact, settled.escrow_uact) == (due, 5_000_000 - sum(dues) - due)
        dues.append(due)
    assert sum(dues) == 1 and dues[-1] == 1 and remainder == 0  # the single uact lands on second 3,600
    lease = await scene.lease(address)
    assert (lease.unwithdrawn_uact, lease.accrual_remainder, lease.escrow_uact) == (1, 0, 5_000_000 - 1)


async def test_accrual_matches_quotes_over_irregular_steps(scene: Scene) -> None:
    rate = 1_234_567
    address, _ = await scene.open_lease(1, rate=rate, deposit=50_000_000)
    remainder = total = 0
    for step in (1, 7, 59, 3_599, 3_600, 3_601, 86_399 // 10):
        await scene.world.advance(step)
        result = await scene.client.settle(address)
        due, remainder = quotes.accrue(rate, step, remainder)
        total += due
        assert one(result, g.events.LeaseSettled).due_uact == due
        lease = await scene.lease(address)
        assert (lease.accrual_remainder, lease.unwithdrawn_uact) == (remainder, total)
        assert lease.escrow_uact == 50_000_000 - total


async def test_overdraw_then_deposit_then_withdraw_then_close(scene: Scene) -> None:
    client, world = scene.client, scene.world
    rate = 3_600_000  # 1,000 uact a second
    address, created = await scene.open_lease(1, rate=rate, deposit=1_000_000)
    credits = one(created, g.events.AktBurned).burned_uakt

    # The escrow runs out after 1,000 s; the next 500 s are owed.
    await world.advance(1_500)
    settled = one(await client.settle(address), g.events.LeaseSettled)
    assert (settled.due_uact, settled.escrow_uact, settled.unwithdrawn_uact) == (1_500_000, 0, 1_000_000)
    assert (settled.overdrawn_uact, settled.state) == (500_000, LeaseState.InsufficientFunds)
    await world.advance(100)
    await client.settle(address)
    lease = await scene.lease(address)
    assert lease.overdrawn_uact == 600_000 and lease.state == LeaseState.InsufficientFunds

    # A deposit pays the debt first (to the provider's balance), the rest funds the escrow.
    deposited = one(await client.deposit(scene.tenant, address, 2_000_000), g.events.LeaseDeposited)
    assert (deposited.overdrawn_paid_uact, deposited.escrow_uact) == (600_000, 1_400_000)
    lease = await scene.lease(address)
    assert (lease.state, lease.overdrawn_uact, lease.unwithdrawn_uact) == (LeaseState.Active, 0, 1_600_000)
    assert lease.total_paid_uact == 1_600_000
    credits += quotes.quote_burn(2_000_000, 25, world.price, world.expo).burn_uakt
    assert (await scene.config()).remint_credits_uakt == credits

    # Withdraw: 100 more seconds accrue; remint credits are used first, the supply grows by what is minted.
    await world.advance(100)
    supply = await world.akt_supply()
    minted = one(await client.withdraw(scene.owner, address), g.events.RewardsMinted)
    quote = quotes.quote_redeem(1_700_000, 0, world.price, world.expo)
    assert (minted.redeemed_uact, minted.minted_uakt) == (1_700_000, quote.paid_uakt)
    assert minted.from_remint_credits_uakt == min(quote.paid_uakt, credits)
    assert await world.akt_supply() == supply + quote.paid_uakt
    credits -= minted.from_remint_credits_uakt
    assert (await scene.config()).remint_credits_uakt == credits
    assert await scene.balance(scene.owner) == quote.paid_uakt

    # Close: the provider is paid what accrued since, the tenant gets the escrow back as AKT and the rent.
    lamports = await world.connection.get_balance(scene.tenant.pubkey())
    rent = (await world.connection.get_account(address)).lamports  # type: ignore[union-attr]
    tenant_akt = await scene.balance(scene.tenant)
    await world.advance(200)
    closed = await client.close_lease(scene.tenant, address)
    paid = quotes.quote_redeem(200_000, 0, world.price, world.expo).paid_uakt
    refund = quotes.quote_redeem(1_100_000, 0, world.price, world.expo).paid_uakt
    assert one(closed, g.events.RewardsMinted).minted_uakt == paid
    assert one(closed, g.events.TenantRefunded).refunded_uakt == refund
    assert await scene.balance(scene.owner) == quote.paid_uakt + paid
    assert await scene.balance(scene.tenant) == tenant_akt + refund
    assert await world.connection.get_balance(scene.tenant.pubkey()) == lamports + rent
    assert await world.connection.get_account(address) is None
    config = await scene.config()
    assert config.act_outstanding_uact == 0
    assert config.total_act_redeemed == 1_700_000 + 200_000 + 1_100_000


async def test_close_forgives_overdrawn_debt(scene: Scene) -> None:
    address, _ = await scene.open_lease(1, rate=3_600_000, deposit=1_000_000)
    await scene.world.advance(1_250)
    closed = await scene.client.close_lease(scene.owner, address, reason=20000)
    assert one(closed, g.events.LeaseClosed).forgiven_overdrawn_uact == 250_000
    assert one(closed, g.events.RewardsMinted).redeemed_uact == 1_000_000
    assert one(closed, g.events.TenantRefunded).refunded_uakt == 0
