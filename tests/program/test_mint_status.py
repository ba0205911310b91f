"""The mint status as the price, the vault and the params move: Healthy → Warning → HaltCr and back,
HaltOracle from a stale or too uncertain price, and exactly one MintStatusChanged per stored change."""

from __future__ import annotations

import pytest
from akash_bme import generated as g
from akash_bme import quotes
from akash_bme._client import DEFAULT_PARAMS, TxResult
from akash_bme.generated.types import MintStatus
from program_scene import AKT, Scene, events

pytestmark = pytest.mark.program

H, W, C, HO = MintStatus.Healthy, MintStatus.Warning, MintStatus.HaltCr, MintStatus.HaltOracle


def price_at_most(config: g.accounts.Config, expo: int, cr_bps: int) -> int:
    """The highest price whose collateral ratio is ≤ `cr_bps` (CR grows with the price)."""
    low, high = 1, 10**12
    while low < high:
        mid = (low + high + 1) // 2
        cr = quotes.collateral_ratio_bps(config.remint_credits_uakt, config.act_outstanding_uact, mid, expo)
        low, high = (mid, high) if cr <= cr_bps else (low, mid - 1)
    return low


class Recorder:
    """Every landed transaction of the test, to count MintStatusChanged across all of them."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.results: list[TxResult] = []

    async def __call__(self, result: TxResult) -> TxResult:
        self.results.append(result)
        return result

    async def advance(self, seconds: int, price: int | None = None) -> None:
        world = self.scene.world
        world.connection.set_unix_time(world.now + seconds)
        world.connection.expire_blockhash()
        if price is not None:
            world.price = price
        await self(
            await world.client.update_price(
                world.oracle, price=world.price, expo=world.expo, conf=world.conf, publish_time=world.now
            )
        )

    async def stored(self) -> MintStatus:
        return MintStatus((await self.scene.config()).mint_status)

    def transitions(self) -> list[tuple[MintStatus, MintStatus]]:
        return [(e.previous, e.current) for e in events(self.results, g.events.MintStatusChanged)]


async def test_collateral_breaker_and_recovery(scene: Scene) -> None:
    client, world = scene.client, scene.world
    rec = Recorder(scene)
    lease, created = await scene.open_lease(1, rate=3_600_000, deposit=5_000_000)
    await rec(created)
    assert await rec.stored() == H
    config = await scene.config()
    warn = price_at_most(config, world.expo, DEFAULT_PARAMS.circuit_breaker_warn_bps)
    halt = price_at_most(config, world.expo, DEFAULT_PARAMS.circuit_breaker_halt_bps)
    assert halt < warn < world.price

    await rec.advance(1, price=warn + 1)  # just above the warning line: still Healthy
    assert await rec.stored() == H
    await rec.advance(1, price=warn)
    changed = events(rec.results[-1:], g.events.MintStatusChanged)
    assert [(e.previous, e.current) for e in changed] == [(H, W)]
    assert changed[0].collateral_ratio_bps == quotes.collateral_ratio_bps(
        config.remint_credits_uakt, config.act_outstanding_uact, warn, world.expo
    )
    # Burns are still allowed under Warning; burning at the lower price raises the CR back above the line.
    deposited = await rec(await client.deposit(scene.tenant, lease, 1_000_000))
    assert [(e.previous, e.current) for e in events([deposited], g.events.MintStatusChanged)] == [(W, H)]
    config = await scene.config()
    warn = price_at_most(config, world.expo, DEFAULT_PARAMS.circuit_breaker_warn_bps)
    await rec.advance(1, price=warn)
    await rec.advance(1, price=warn - 1)  # still Warning: no event
    assert await rec.stored() == W

    config = await scene.config()
    halt = price_at_most(config, world.expo, DEFAULT_PARAMS.circuit_breaker_halt_bps)
    await rec.advance(1, price=halt)
    assert await rec.stored() == C
    with pytest.raises(g.CircuitBreakerActive):
        await client.deposit(scene.tenant, lease, 1_000_000)
    with pytest.raises(g.CircuitBreakerActive):
        await scene.open_lease(2)
    minted = await rec(await client.withdraw(scene.owner, lease))  # mints stay allowed under HaltCr
    assert events([minted], g.events.RewardsMinted)[0].redeemed_uact == 5_000  # 5 s at 1,000 uact/s
    assert await rec.stored() == C

    # Funding the vault lifts the halt.
    config = await scene.config()
    needed = quotes.uact_to_akt(config.act_outstanding_uact, halt, world.expo)
    funded = await rec(await client.fund_vault(scene.funder, needed))
    assert [(e.previous, e.current) for e in events([funded], g.events.MintStatusChanged)] == [(C, H)]
    await rec(await client.deposit(scene.tenant, lease, 1_000_000))

    # So does a price rise.
    config = await scene.config()
    await rec.advance(1, price=price_at_most(config, world.expo, DEFAULT_PARAMS.circuit_breaker_halt_bps))
    assert await rec.stored() == C
    await rec.advance(1, price=2 * world.price)
    assert await rec.stored() == H

    assert rec.transitions() == [(H, W), (W, H), (H, W), (W, C), (C, H), (H, C), (C, H)]


async def test_oracle_halts(scene: Scene) -> None:
    client, world = scene.client, scene.world
    rec = Recorder(scene)
    lease, created = await scene.open_lease(1, rate=3_600_000)
    await rec(created)
    await rec.advance(10)

    # A stale price: gated instructions refuse it (and, failing, store nothing).
    world.connection.set_unix_time(world.now + DEFAULT_PARAMS.max_price_age_secs + 1)
    world.connection.expire_blockhash()
    with pytest.raises(g.OracleStale):
        await scene.open_lease(2)
    with pytest.raises(g.OracleStale):
        await client.withdraw(scene.owner, lease)
    with pytest.raises(g.OracleStale):
        await client.close_lease(scene.tenant, lease)
    assert await rec.stored() == H
    status = await client.vault_status()
    assert (status.status, status.stored_status) == (HO, H)
    # fund_vault is allowed under every status and stores the live one.
    funded = await rec(await client.fund_vault(scene.funder, AKT))
    assert [(e.previous, e.current) for e in events([funded], g.events.MintStatusChanged)] == [(H, HO)]
    await rec.advance(1)  # a fresh price restores Healthy
    assert await rec.stored() == H
    await rec(await client.withdraw(scene.owner, lease))

    # A price more uncertain than the params allow: conf is 5 bps of the price, allow only 4.
    assert world.conf * 10_000 // world.price == 5
    tightened = await rec(await scene.params(max_conf_bps=4))
    assert [(e.previous, e.current) for e in events([tightened], g.events.MintStatusChanged)] == [(H, HO)]
    with pytest.raises(g.OracleInvalid):
        await client.deposit(scene.tenant, lease, 1_000_000)
    with pytest.raises(g.OracleInvalid):
        await client.withdraw(scene.owner, lease)
    with pytest.raises(g.OracleInvalid):  # update_price refuses such a price too
        await rec.advance(1)
    await rec(await scene.params(max_conf_bps=150))
    assert await rec.stored() == H
    await rec(await client.deposit(scene.tenant, lease, 1_000_000))

    assert rec.transitions() == [(H, HO), (HO, H), (H, HO), (HO, H)]
