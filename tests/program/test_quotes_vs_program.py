"""`akash_bme.quotes` against the real program on thousands of random cases: burns (create_lease/deposit)
and redemptions (withdraw) under random prices, exponents, confidences, spreads and amounts, including the
overflow and dust cases where both must refuse.

One world serves every case; transactions go straight to LiteSVM (`send_direct`) because the pipeline's
simulate-then-send round would triple the run time of these ~3,500 executions without checking more.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from akash_bme import generated as g
from akash_bme import quotes
from akash_bme._client import DEFAULT_PARAMS
from akash_bme.generated import instructions as ix
from akash_bme.testing import World, in_process_world
from program_scene import Landed, send_direct
from solders.keypair import Keypair
from solders.pubkey import Pubkey

pytestmark = pytest.mark.program

ROUNDS = 500
DEPOSITS_PER_ROUND = 3
BALANCE = 10**18
MATH_OVERFLOW, ZERO_AMOUNT = g.MathOverflow.code, g.ZeroAmount.code


@dataclass
class Accrual:
    """What the program should have accrued for a lease that is only touched by withdraw."""

    address: Pubkey
    rate: int
    since: int
    pending: int = 0
    remainder: int = 0


def random_price(rng: random.Random) -> tuple[int, int, int]:
    """(price, expo, conf): $0.001..$10,000 per AKT at any Pyth exponent, conf inside 150 bps."""
    expo = rng.randint(-12, 0)
    micro_usd = int(10 ** rng.uniform(3, 10))
    price = max(1, micro_usd * 10 ** (-expo) // 10**6)
    return price, expo, rng.randint(0, price * DEFAULT_PARAMS.max_conf_bps // 10_000)


def random_deposit(rng: random.Random, spread: int, price: int, expo: int) -> int:
    """Up to 100,000 ACT; now and then an amount near u64::MAX that the program must refuse with
    MathOverflow (one it would accept is not used: it would swamp the vault's collateral ratio)."""
    if rng.random() < 0.03:
        huge = rng.randint(2**64 // 10_000 * 9_000, 2**64 - 1)
        try:
            quotes.quote_burn(huge, spread, price, expo)
        except quotes.QuoteOverflow:
            return huge
    return int(10 ** rng.uniform(0, 11))


def check_burn(landed: Landed, deposit: int, spread: int, price: int, expo: int) -> None:
    try:
        quote = quotes.quote_burn(deposit, spread, price, expo)
    except quotes.QuoteOverflow:
        assert landed.custom_error == MATH_OVERFLOW, (deposit, spread, price, expo)
        return
    assert landed.custom_error is None, (landed, deposit, spread, price, expo)
    (burned,) = [e for e in landed.events if isinstance(e, g.events.AktBurned)]
    assert (burned.burned_uakt, burned.spread_uact, burned.credited_uact) == (
        quote.burn_uakt,
        quote.spread_uact,
        deposit,
    ), (deposit, spread, price, expo)


def check_redeem(landed: Landed, lease: Accrual, now: int, spread: int, price: int, expo: int) -> None:
    due, remainder = quotes.accrue(lease.rate, now - lease.since, lease.remainder)
    uact = lease.pending + due
    quote = quotes.quote_redeem(uact, spread, price, expo)
    if quote.paid_uakt == 0:  # dust worth no uakt yet: refused, and the settle rolls back with it
        assert landed.custom_error == ZERO_AMOUNT, (uact, spread, price, expo)
        return
    assert landed.custom_error is None, (landed, uact, spread, price, expo)
    (minted,) = [e for e in landed.events if isinstance(e, g.events.RewardsMinted)]
    assert (minted.redeemed_uact, minted.minted_uakt) == (uact, quote.paid_uakt), (uact, spread, price, expo)
    lease.pending, lease.since, lease.remainder = 0, now, remainder


async def setup() -> tuple[World, Keypair, Keypair, list[Accrual]]:
    world = await in_process_world({"tenant": BALANCE, "owner": 0, "funder": BALANCE})
    tenant, owner, funder = (world.wallets[n] for n in ("tenant", "owner", "funder"))
    client = world.client
    await client.register_provider(owner, "https://quotes.example")
    await client.fund_vault(funder, BALANCE)  # a deep vault keeps the status Healthy at any random price
    leases = []
    for dseq, rate in ((1, 3_600_000_000), (2, 1_234)):
        await client.create_lease(
            tenant, provider_owner=owner.pubkey(), dseq=dseq, rate_uact_per_hour=rate, deposit_uact=10**12
        )
        address = client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), dseq)
        leases.append(Accrual(address, rate, world.now))
    return world, tenant, owner, leases


async def test_quotes_equal_program_results() -> None:
    world, tenant, owner, leases = await setup()
    client, rng = world.client, random.Random(0xB3E)
    program_id, authority, mint = client.program_id, world.authority, world.akt_mint
    tenant_akt, owner_akt = client.akt_account(tenant.pubkey()), client.akt_account(owner.pubkey())
    executions = burns = redeems = refusals = 0

    for _ in range(ROUNDS):
        world.connection.set_unix_time(world.now + rng.randint(1, 600))
        world.connection.expire_blockhash()
        price, expo, conf = random_price(rng)
        mint_spread, settle_spread = rng.randint(0, 1000), rng.randint(0, 1000)
        params = g.types.Params(
            **{
                **DEFAULT_PARAMS.__dict__,
                "mint_spread_bps": mint_spread,
                "settle_spread_bps": settle_spread,
                "min_mint_uact": 1,
            }
        )
        setup_ixs = [
            (
                ix.update_price(
                    ix.UpdatePriceArgs(price=price, expo=expo, conf=conf, publish_time=world.now),
                    ix.UpdatePriceAccounts(
                        oracle_authority=world.oracle.pubkey(), price_feed=client.price_feed_address()
                    ),
                    program_id=program_id,
                ),
                world.oracle,
            ),
            (
                ix.update_params(
                    ix.UpdateParamsArgs(params=params),
                    ix.UpdateParamsAccounts(
                        authority=authority.pubkey(), price_feed=client.price_feed_address()
                    ),
                    program_id=program_id,
                ),
                authority,
            ),
        ]
        for instruction, signer in setup_ixs:
            assert send_direct(world, [instruction], [signer]).custom_error is None
        executions += 2

        amounts = {
            random_deposit(rng, mint_spread, price, expo) for _ in range(DEPOSITS_PER_ROUND)
        }  # distinct: distinct transactions
        for amount in amounts:
            deposit = ix.deposit(
                ix.DepositArgs(deposit_uact=amount, max_burn_uakt=2**64 - 1),
                ix.DepositAccounts(
                    depositor=tenant.pubkey(),
                    lease=leases[0].address,
                    depositor_akt=tenant_akt,
                    akt_mint=mint,
                ),
                program_id=program_id,
            )
            landed = send_direct(world, [deposit], [tenant])
            check_burn(landed, amount, mint_spread, price, expo)
            burns += 1
            refusals += landed.custom_error is not None

        for lease in leases:
            withdraw = ix.withdraw(
                ix.WithdrawArgs(min_akt_out=0),
                ix.WithdrawAccounts(
                    owner=owner.pubkey(), lease=lease.address, provider_akt=owner_akt, akt_mint=mint
                ),
                program_id=program_id,
            )
            landed = send_direct(world, [withdraw], [owner])
            check_redeem(landed, lease, world.now, settle_spread, price, expo)
            redeems += 1
            refusals += landed.custom_error is not None
        executions += len(amounts) + len(leases)

    print(f"{executions} executions: {burns} burns, {redeems} redemptions, {refusals} refused as quoted")
    assert executions >= 3_000 and burns >= 1_400 and redeems == 2 * ROUNDS
    assert 0 < refusals < burns // 4  # both the overflow/dust refusals and the ordinary paths were exercised
