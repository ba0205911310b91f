"""Invariants under random use (issue 6): a hypothesis state machine drives every user and authority
instruction against the real program on LiteSVM, with time and the price moving, and a pure-Python
reference model (built on `akash_bme.quotes`) predicts each outcome — the refusal, or every field of
every account afterwards. After each step it checks:

- ACT outstanding == sum over live leases of escrow + unwithdrawn;
- AKT supply == initial supply + total_akt_minted − total_akt_burned + total_akt_migrated;
- remint credits follow DESIGN §4 (+= burn, += fund_vault, += migrate_vault, −= min(paid, credits));
- config, price feed, providers, leases and AKT balances equal the model;
- no lamports appear or vanish: the lamports of every known account plus the fees paid are constant.

Run long with `pytest tests/program/test_invariants.py --hypothesis-profile long`.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import Awaitable
from dataclasses import dataclass, field

import pytest
from akash_bme import generated as g
from akash_bme._client import BmeClient
from akash_bme.generated.types import LeaseState, MintStatus, Params
from akash_bme.idl import ProgramError
from akash_bme.quotes import (
    QuoteOverflow,
    StatusInputs,
    accrue,
    confidence_too_wide,
    mint_status,
    quote_burn,
    quote_redeem,
)
from akash_bme.testing import World, in_process_world
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from solders.pubkey import Pubkey

pytestmark = pytest.mark.program

AKT = 1_000_000
ACT = 1_000_000
HOST = "https://p.example"
TENANTS, OWNERS = 3, 4
MIGRATION_STEPS = 12  # transactions sent before finalize_migration may run
COSMOS_POOL = [bytes([i]) * 20 for i in range(1, 4)]
TOKEN_INSUFFICIENT_FUNDS = 1  # SPL Token's error code when a Burn exceeds the balance
Outcome = type[ProgramError] | int | None  # a typed error, an SPL Token error code, or success


@dataclass
class LeaseModel:
    tenant: Pubkey
    provider: Pubkey
    owner: Pubkey  # the provider's owner (not stored on chain; the model needs it for payouts)
    dseq: int
    rate: int
    escrow: int
    unwithdrawn: int = 0
    overdrawn: int = 0
    remainder: int = 0
    deposited: int = 0
    paid: int = 0
    created_at: int = 0
    settled_at: int = 0
    state: LeaseState = LeaseState.Active
    migrated: bool = False


@dataclass
class ProviderModel:
    owner: Pubkey
    host_uri: str
    active: bool = True
    active_leases: int = 0
    earned: int = 0
    minted: int = 0
    cosmos: bytes = bytes(20)


@dataclass
class Model:
    """The program's state as §4 defines it, advanced by the same integer math."""

    params: Params
    price: int
    expo: int
    conf: int
    publish_time: int
    status: MintStatus
    paused: bool = False
    migration_open: bool = True
    vault_migrated: bool = False
    credits: int = 0
    outstanding: int = 0
    burned: int = 0
    minted: int = 0
    credited: int = 0
    redeemed: int = 0
    act_migrated: int = 0
    akt_migrated: int = 0
    providers: dict[Pubkey, ProviderModel] = field(default_factory=dict)  # by provider address
    leases: dict[Pubkey, LeaseModel] = field(default_factory=dict)  # live leases by address
    balances: dict[Pubkey, int] = field(default_factory=dict)  # AKT by owner
    records: set[bytes] = field(default_factory=set)

    def evaluate(self, now: int) -> tuple[MintStatus, type[ProgramError]]:
        p = self.params
        inputs = StatusInputs(
            self.price, self.expo, self.conf, self.publish_time, self.credits, self.outstanding,
            p.circuit_breaker_warn_bps, p.circuit_breaker_halt_bps, p.max_price_age_secs, p.max_conf_bps,
        )  # fmt: skip
        status, _ = mint_status(inputs, now)
        wide = confidence_too_wide(self.conf, self.price, p.max_conf_bps)
        return status, g.OracleInvalid if wide else g.OracleStale

    def store(self, now: int) -> None:
        self.status = self.evaluate(now)[0]

    def burn(self, owner: Pubkey, deposit: int, max_burn: int, now: int) -> Outcome:
        if deposit == 0:
            return g.ZeroAmount
        if deposit < self.params.min_mint_uact:
            return g.BelowMinimumMint
        status, oracle_error = self.evaluate(now)
        if status == MintStatus.HaltCr:
            return g.CircuitBreakerActive
        if status == MintStatus.HaltOracle:
            return oracle_error
        try:
            burn = quote_burn(deposit, self.params.mint_spread_bps, self.price, self.expo).burn_uakt
        except QuoteOverflow:
            return g.MathOverflow
        if burn > max_burn:
            return g.SlippageExceeded
        if self.balances[owner] < burn:
            return TOKEN_INSUFFICIENT_FUNDS
        self.balances[owner] -= burn
        self.credits += burn
        self.outstanding += deposit
        self.burned += burn
        self.credited += deposit
        return None

    def redeem(self, uact: int, to: Pubkey) -> int:
        paid = quote_redeem(uact, self.params.settle_spread_bps, self.price, self.expo).paid_uakt
        self.credits -= min(paid, self.credits)
        self.outstanding -= uact
        self.minted += paid
        self.redeemed += uact
        self.balances[to] += paid
        return paid

    @staticmethod
    def settle(lease: LeaseModel, now: int) -> None:
        if now <= lease.settled_at:
            return
        due, lease.remainder = accrue(lease.rate, now - lease.settled_at, lease.remainder)
        paid = min(due, lease.escrow)
        lease.escrow -= paid
        lease.unwithdrawn += paid
        lease.paid += paid
        if due > paid:
            lease.overdrawn += due - paid
            lease.state = LeaseState.InsufficientFunds
        lease.settled_at = now


class BmeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.run(self.setup())

    def run(self, coro: Awaitable[object]) -> object:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    async def setup(self) -> None:
        balances = {f"tenant{i}": 2_000 * AKT for i in range(TENANTS)}
        self.world: World = await in_process_world(balances)
        self.client: BmeClient = self.world.client
        self.tenants = [self.world.wallets[f"tenant{i}"] for i in range(TENANTS)]
        self.owners = [await self.world.wallet(f"owner{i}") for i in range(OWNERS)]
        self.stranger = await self.world.wallet("stranger")
        for owner in self.owners[:2]:  # two providers from the start; the others come by rules
            await self.client.register_provider(owner, HOST)
        config, feed = await self.client.config(), await self.client.price_feed()
        self.model = Model(
            params=config.params, price=feed.price, expo=feed.expo, conf=feed.conf,
            publish_time=feed.publish_time, status=MintStatus(int(config.mint_status)),
        )  # fmt: skip
        for owner in self.owners[:2]:
            self.model.providers[self.client.provider_address(owner.pubkey())] = ProviderModel(
                owner.pubkey(), HOST
            )
        for wallet in [*self.tenants, *self.owners, self.stranger]:
            self.model.balances[wallet.pubkey()] = await self.world.akt_balance(wallet.pubkey())
        self.supply0 = await self.world.akt_supply()
        self.lease_keys: list[Pubkey] = []
        self.fees = 0
        self.sent = 0
        self.lamports0 = await self.lamports()

    def teardown(self) -> None:
        self.loop.close()

    # -- plumbing ------------------------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self.world.now

    def known_accounts(self) -> list[Pubkey]:
        c = self.client
        wallets = [*self.tenants, *self.owners, self.stranger, self.world.authority, self.world.oracle]
        keys = {
            c.config_address,
            c.price_feed_address(),
            c.akt_mint,
            c.mint_authority_address,
            *self.lease_keys,
        }
        keys |= {c.migration_record_address(a) for a in COSMOS_POOL}
        for w in wallets:
            keys |= {w.pubkey(), c.akt_account(w.pubkey()), c.provider_address(w.pubkey())}
        return sorted(keys, key=bytes)

    async def lamports(self) -> int:
        accounts = await self.world.connection.get_multiple_accounts(self.known_accounts())
        return sum(a.lamports for a in accounts if a is not None)

    def expect(self, outcome: Outcome, model: Model, coro: Awaitable[object]) -> None:
        """Runs the transaction; the model's prediction must match, and is kept only on success."""
        # A repeated identical instruction under the same blockhash would be refused as AlreadyProcessed.
        self.world.connection.expire_blockhash()
        self.sent += 1
        if outcome is None:
            result = self.run(coro)
            meta = self.run(self.world.connection.get_transaction_meta(result.signature))  # type: ignore[attr-defined]
            self.fees += meta.fee  # type: ignore[attr-defined]
            self.model = model
            return
        with pytest.raises(ProgramError) as raised:
            self.run(coro)
        expected = outcome if isinstance(outcome, int) else outcome.code
        assert raised.value.code == expected, f"expected {outcome}, got {raised.value!r}"

    def fork(self) -> Model:
        return copy.deepcopy(self.model)

    def live(self, index: int) -> Pubkey | None:
        live = [k for k in self.lease_keys if k in self.model.leases]
        return live[index % len(live)] if live else None

    # -- authority and oracle -----------------------------------------------------------------------------

    @rule(
        seconds=st.sampled_from([1, 20, 59, 61, 600, 3600, 86_400]),
        post=st.sampled_from([True, True, True, False]),
        factor=st.sampled_from([100, 98, 103, 90, 80, 50, 10, 150, 300]),
    )
    def advance_time(self, seconds: int, post: bool, factor: int) -> None:
        """Moves the clock and usually posts a fresh price (moved, or shocked); without one it goes stale."""
        if post:
            self.world.connection.set_unix_time(self.now + seconds - 1)
            self.update_price(factor, 0, 5)  # takes the last second and publishes then
        else:
            self.world.connection.set_unix_time(self.now + seconds)

    @rule(
        factor=st.sampled_from([100, 100, 98, 103, 90, 80, 50, 10, 150, 300]),
        lag=st.sampled_from([0, 0, 0, 0, -5, 61]),
        conf_bps=st.sampled_from([5, 5, 5, 100, 200]),
    )
    def update_price(self, factor: int, lag: int, conf_bps: int) -> None:
        """A second later, moves (or shocks) the price; some posts are older, from the future or too wide."""
        self.world.connection.set_unix_time(self.now + 1)
        m = self.fork()
        price = min(max(m.price * factor // 100, 10**6), 10**11)  # $0.01..$1000 at expo -8
        publish = self.now + lag
        conf = price * conf_bps // 10_000
        outcome: Outcome = None
        if publish > self.now + 60 or confidence_too_wide(conf, price, m.params.max_conf_bps):
            outcome = g.OracleInvalid
        elif publish <= m.publish_time:
            outcome = g.PriceNotNewer
        else:
            m.price, m.conf, m.publish_time = price, conf, publish
            m.store(self.now)
        coro = self.client.update_price(
            self.world.oracle, price=price, expo=m.expo, conf=conf, publish_time=publish
        )
        self.expect(outcome, m, coro)

    @rule(paused=st.sampled_from([False, False, True]))
    def set_paused(self, paused: bool) -> None:
        m = self.fork()
        m.paused = paused
        self.expect(None, m, self.client.set_paused(self.world.authority, paused))

    @rule(
        halt=st.integers(8_000, 9_600),
        gap=st.integers(-100, 900),
        mint_spread=st.integers(0, 1_000),
        settle_spread=st.integers(0, 1_000),
        min_mint=st.sampled_from([1, 500_000, 500_000, 2_000_000]),
        max_age=st.sampled_from([1, 60, 3_600, 86_400]),
        max_conf=st.sampled_from([150, 150, 10_000, 1]),
    )
    def update_params(
        self,
        halt: int,
        gap: int,
        mint_spread: int,
        settle_spread: int,
        min_mint: int,
        max_age: int,
        max_conf: int,
    ) -> None:
        m = self.fork()
        params = Params(halt + gap, halt, mint_spread, settle_spread, min_mint, max_age, max_conf)
        outcome: Outcome = g.InvalidParams if gap <= 0 else None
        if outcome is None:
            m.params = params
            m.store(self.now)
        self.expect(outcome, m, self.client.update_params(self.world.authority, params))

    @rule(
        funder=st.integers(0, TENANTS - 1), amount=st.sampled_from([0, 1, 50 * AKT, 500 * AKT, 5_000 * AKT])
    )
    def fund_vault(self, funder: int, amount: int) -> None:
        m, who = self.fork(), self.tenants[funder]
        outcome: Outcome = None
        if m.paused:
            outcome = g.Paused
        elif amount == 0:
            outcome = g.ZeroAmount
        elif m.balances[who.pubkey()] < amount:
            outcome = TOKEN_INSUFFICIENT_FUNDS
        else:
            m.balances[who.pubkey()] -= amount
            m.credits += amount
            m.burned += amount
            m.store(self.now)
        self.expect(outcome, m, self.client.fund_vault(who, amount))

    # -- providers ----------------------------------------------------------------------------------------

    @rule(owner=st.integers(0, OWNERS - 1))
    def register_provider(self, owner: int) -> None:
        m, who = self.fork(), self.owners[owner]
        address = self.client.provider_address(who.pubkey())
        outcome: Outcome = g.AlreadyInitialized if address in m.providers else None
        m.providers.setdefault(address, ProviderModel(who.pubkey(), HOST))
        self.expect(outcome, m, self.client.register_provider(who, HOST))

    @rule(owner=st.integers(0, OWNERS - 1), active=st.booleans())
    def update_provider(self, owner: int, active: bool) -> None:
        m, who = self.fork(), self.owners[owner]
        provider = m.providers.get(self.client.provider_address(who.pubkey()))
        outcome: Outcome = g.InvalidAccount if provider is None else None
        if provider is not None:
            provider.active, provider.host_uri = active, f"{HOST}/{int(active)}"
        self.expect(outcome, m, self.client.update_provider(who, f"{HOST}/{int(active)}", active=active))

    # -- leases -------------------------------------------------------------------------------------------

    @rule(
        tenant=st.integers(0, TENANTS - 1),
        owner=st.integers(0, OWNERS - 1),
        dseq=st.integers(1, 3),
        rate=st.sampled_from([0, 1, 3_600, 36 * ACT, 1_000 * ACT]),
        deposit=st.sampled_from([0, 499_999, 500_000, 10 * ACT, 300 * ACT, 3_000 * ACT]),
        tight=st.sampled_from([False, False, True]),
        unknown=st.sampled_from([False, False, False, True]),
    )
    def create_lease(
        self, tenant: int, owner: int, dseq: int, rate: int, deposit: int, tight: bool, unknown: bool
    ) -> None:
        """With a registered provider, or (`unknown`) with an owner who may have none."""
        m, who, now = self.fork(), self.tenants[tenant], self.now
        owner_key = self.owners[owner].pubkey() if unknown else self.registered(m, owner)
        provider_address = self.client.provider_address(owner_key)
        address = self.client.lease_address(who.pubkey(), provider_address, dseq)
        provider = m.providers.get(provider_address)
        max_burn = self.max_burn(m, deposit, tight)
        outcome: Outcome
        if m.paused:
            outcome = g.Paused
        elif provider is None:
            outcome = g.InvalidAccount
        elif not provider.active:
            outcome = g.ProviderInactive
        elif rate == 0:
            outcome = g.ZeroAmount
        elif address in m.leases:
            outcome = g.AlreadyInitialized
        else:
            outcome = m.burn(who.pubkey(), deposit, max_burn, now)
        if outcome is None:
            assert provider is not None
            provider.active_leases += 1
            m.leases[address] = LeaseModel(
                who.pubkey(), provider_address, owner_key, dseq, rate, escrow=deposit, deposited=deposit,
                created_at=now, settled_at=now,
            )  # fmt: skip
            m.store(now)
            if address not in self.lease_keys:
                self.lease_keys.append(address)
        coro = self.client.create_lease(
            who, provider_owner=owner_key, dseq=dseq, rate_uact_per_hour=rate, deposit_uact=deposit,
            max_burn_uakt=max_burn,
        )  # fmt: skip
        self.expect(outcome, m, coro)

    def registered(self, m: Model, index: int) -> Pubkey:
        owners = [p.owner for p in m.providers.values()]
        return sorted(owners, key=bytes)[index % len(owners)]

    @staticmethod
    def max_burn(m: Model, deposit: int, tight: bool) -> int:
        """One uakt under the quote when `tight` (the guard must trip), else no guard."""
        try:
            quote = quote_burn(deposit, m.params.mint_spread_bps, m.price, m.expo).burn_uakt
        except QuoteOverflow:
            quote = 0
        return max(quote - 1, 0) if tight else 2**64 - 1

    @rule(
        lease=st.integers(0, 20),
        depositor=st.integers(0, TENANTS - 1),
        deposit=st.sampled_from([0, 499_999, 600_000, 50 * ACT, 500 * ACT]),
        tight=st.sampled_from([False, False, True]),
        closed=st.sampled_from([False, False, False, True]),
    )
    def deposit(self, lease: int, depositor: int, deposit: int, tight: bool, closed: bool) -> None:
        """Into a live lease, or (when `closed` and one exists) into a closed one."""
        m, who, now = self.fork(), self.tenants[depositor], self.now
        gone = [k for k in self.lease_keys if k not in m.leases]
        address = gone[lease % len(gone)] if closed and gone else self.live(lease)
        if address is None:
            return
        max_burn = self.max_burn(m, deposit, tight)
        state = m.leases.get(address)
        outcome: Outcome
        if m.paused:
            outcome = g.Paused
        elif state is None:
            outcome = g.InvalidAccount
        else:
            outcome = m.burn(who.pubkey(), deposit, max_burn, now)
        if outcome is None:
            assert state is not None
            m.settle(state, now)
            to_provider = min(deposit, state.overdrawn)
            state.overdrawn -= to_provider
            state.unwithdrawn += to_provider
            state.paid += to_provider
            state.escrow += deposit - to_provider
            state.deposited += deposit
            if state.overdrawn == 0:
                state.state = LeaseState.Active
            m.store(now)
        self.expect(outcome, m, self.client.deposit(who, address, deposit, max_burn_uakt=max_burn))

    @rule(lease=st.integers(0, 20))
    def settle(self, lease: int) -> None:
        m, address = self.fork(), self.live(lease)
        if address is None:
            return
        m.settle(m.leases[address], self.now)
        self.expect(None, m, self.client.settle(address))

    @rule(lease=st.integers(0, 20))
    def withdraw(self, lease: int) -> None:
        m, address, now = self.fork(), self.live(lease), self.now
        if address is None:
            return
        state = m.leases[address]
        owner = next(w for w in self.owners if w.pubkey() == state.owner)
        status, oracle_error = m.evaluate(now)
        outcome: Outcome = None
        if m.paused:
            outcome = g.Paused
        elif status == MintStatus.HaltOracle:
            outcome = oracle_error
        else:
            m.settle(state, now)
            uact = state.unwithdrawn
            if uact == 0 or quote_redeem(uact, m.params.settle_spread_bps, m.price, m.expo).paid_uakt == 0:
                outcome = g.ZeroAmount
            else:
                paid = m.redeem(uact, state.owner)
                state.unwithdrawn = 0
                provider = m.providers[state.provider]
                provider.earned += uact
                provider.minted += paid
                m.store(now)
        self.expect(outcome, m, self.client.withdraw(owner, address))

    @rule(lease=st.integers(0, 20), closer=st.sampled_from(["tenant", "provider", "stranger"]))
    def close_lease(self, lease: int, closer: str) -> None:
        m, address, now = self.fork(), self.live(lease), self.now
        if address is None:
            return
        state = m.leases[address]
        by_key = {w.pubkey(): w for w in [*self.tenants, *self.owners]}
        signer = {"tenant": by_key[state.tenant], "provider": by_key[state.owner], "stranger": self.stranger}[
            closer
        ]
        status, oracle_error = m.evaluate(now)
        outcome: Outcome = None
        if m.paused:
            outcome = g.Paused
        elif closer == "stranger":
            outcome = g.Unauthorized
        elif status == MintStatus.HaltOracle:
            outcome = oracle_error
        else:
            m.settle(state, now)
            provider = m.providers[state.provider]
            if state.unwithdrawn:
                provider.minted += m.redeem(state.unwithdrawn, state.owner)
                provider.earned += state.unwithdrawn
            m.redeem(state.escrow, state.tenant)
            provider.active_leases -= 1
            del m.leases[address]
            m.store(now)
        self.expect(outcome, m, self.client.close_lease(signer, address))

    # -- migration ----------------------------------------------------------------------------------------

    def migration_gate(self, m: Model) -> Outcome:
        return None if m.migration_open else g.MigrationClosed

    @rule(owner=st.integers(0, OWNERS - 1), cosmos=st.sampled_from(COSMOS_POOL))
    def migrate_provider(self, owner: int, cosmos: bytes) -> None:
        m, key = self.fork(), self.owners[owner].pubkey()
        address = self.client.provider_address(key)
        outcome = self.migration_gate(m) or (g.AlreadyMigrated if address in m.providers else None)
        if outcome is None:
            m.providers[address] = ProviderModel(key, HOST, cosmos=cosmos)
        self.expect(outcome, m, self.client.migrate_provider(self.world.authority, key, cosmos, HOST))

    @rule(
        tenant=st.integers(0, TENANTS - 1),
        owner=st.integers(0, OWNERS - 1),
        dseq=st.integers(1, 3),
        escrow=st.sampled_from([0, 5 * ACT, 200 * ACT]),
        unwithdrawn=st.sampled_from([0, ACT]),
        overdrawn=st.sampled_from([0, 0, 3 * ACT]),
        back=st.sampled_from([0, 600, 7_200]),
    )
    def migrate_lease(
        self, tenant: int, owner: int, dseq: int, escrow: int, unwithdrawn: int, overdrawn: int, back: int
    ) -> None:
        m, tenant_key, owner_key, now = (
            self.fork(),
            self.tenants[tenant].pubkey(),
            self.owners[owner].pubkey(),
            self.now,
        )
        provider_address = self.client.provider_address(owner_key)
        address = self.client.lease_address(tenant_key, provider_address, dseq)
        provider = m.providers.get(provider_address)
        outcome = self.migration_gate(m)
        if outcome is None and provider is None:
            outcome = g.InvalidAccount
        elif outcome is None and address in m.leases:
            outcome = g.AlreadyMigrated
        if outcome is None:
            assert provider is not None
            act = escrow + unwithdrawn
            m.outstanding += act
            m.act_migrated += act
            provider.active_leases += 1
            m.leases[address] = LeaseModel(
                tenant_key, provider_address, owner_key, dseq, 36 * ACT, escrow=escrow,
                unwithdrawn=unwithdrawn, overdrawn=overdrawn, deposited=act, created_at=now,
                settled_at=now - back, migrated=True,
                state=LeaseState.InsufficientFunds if overdrawn else LeaseState.Active,
            )  # fmt: skip
            if address not in self.lease_keys:
                self.lease_keys.append(address)
        coro = self.client.migrate_lease(
            self.world.authority, tenant=tenant_key, provider_owner=owner_key, dseq=dseq, gseq=1, oseq=1,
            rate_uact_per_hour=36 * ACT, escrow_uact=escrow, unwithdrawn_uact=unwithdrawn,
            overdrawn_uact=overdrawn, settled_at=now - back,
        )  # fmt: skip
        self.expect(outcome, m, coro)

    @rule(
        cosmos=st.sampled_from(COSMOS_POOL),
        to=st.integers(0, TENANTS - 1),
        amount=st.sampled_from([0, 7 * AKT]),
    )
    def migrate_balance(self, cosmos: bytes, to: int, amount: int) -> None:
        m, who = self.fork(), self.tenants[to].pubkey()
        outcome = self.migration_gate(m)
        if outcome is None and amount == 0:
            outcome = g.ZeroAmount
        elif outcome is None and cosmos in m.records:
            outcome = g.AlreadyMigrated
        if outcome is None:
            m.records.add(cosmos)
            m.akt_migrated += amount
            m.balances[who] += amount
        recipient = self.client.akt_account(who)
        self.expect(
            outcome,
            m,
            self.client.migrate_balance(self.world.authority, cosmos, amount, recipient_akt=recipient),
        )

    @rule(amount=st.sampled_from([0, 100 * AKT, 10_000 * AKT]))
    def migrate_vault(self, amount: int) -> None:
        m = self.fork()
        outcome = self.migration_gate(m) or (g.AlreadyMigrated if m.vault_migrated else None)
        if outcome is None:
            m.vault_migrated = True
            m.credits += amount
        self.expect(outcome, m, self.client.migrate_vault(self.world.authority, amount))

    @precondition(lambda self: self.sent >= MIGRATION_STEPS)
    @rule()
    def finalize_migration(self) -> None:
        """Only after a few transactions: it ends every migrate_* for the rest of the run."""
        m = self.fork()
        outcome = self.migration_gate(m)
        m.migration_open = False
        self.expect(outcome, m, self.client.finalize_migration(self.world.authority))

    # -- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def chain_matches_model(self) -> None:
        self.run(self.check())

    async def check(self) -> None:
        m, client, connection = self.model, self.client, self.world.connection
        config, feed = await client.config(), await client.price_feed()
        live = {address: await client.lease(address) for address in self.lease_keys}
        chain_leases = {a: lease for a, lease in live.items() if lease is not None}

        # ACT outstanding is exactly what live leases hold.
        assert config.act_outstanding_uact == sum(
            x.escrow_uact + x.unwithdrawn_uact for x in chain_leases.values()
        )
        # AKT supply moves only by the program's mints, burns and migrated balances.
        supply = await self.world.akt_supply()
        assert (
            supply
            == self.supply0 + config.total_akt_minted - config.total_akt_burned + config.total_akt_migrated
        )
        # Lamports: nothing appears or vanishes; only fees leave.
        assert await self.lamports() + self.fees == self.lamports0

        expected_config = (
            m.params, m.status, m.paused, m.migration_open, m.vault_migrated, m.credits, m.outstanding,
            m.burned, m.minted, m.credited, m.redeemed, m.act_migrated, m.akt_migrated,
        )  # fmt: skip
        assert (
            config.params, MintStatus(int(config.mint_status)), config.paused, config.migration_open,
            config.vault_migrated, config.remint_credits_uakt, config.act_outstanding_uact,
            config.total_akt_burned, config.total_akt_minted, config.total_act_credited,
            config.total_act_redeemed, config.total_act_migrated, config.total_akt_migrated,
        ) == expected_config  # fmt: skip
        assert (feed.price, feed.expo, feed.conf, feed.publish_time) == (
            m.price,
            m.expo,
            m.conf,
            m.publish_time,
        )

        for owner in self.owners:
            address = client.provider_address(owner.pubkey())
            chain, model = await client.provider_by_address(address), m.providers.get(address)
            if model is None:
                assert chain is None
                continue
            assert chain is not None
            host = bytes(chain.host_uri).rstrip(b"\x00").decode()
            assert (chain.owner, host, chain.active, chain.active_leases, chain.total_earned_uact) == (
                model.owner, model.host_uri, model.active, model.active_leases, model.earned,
            )  # fmt: skip
            assert (chain.total_minted_uakt, bytes(chain.cosmos_address)) == (model.minted, model.cosmos)

        assert set(chain_leases) == set(m.leases)
        for address, lease in chain_leases.items():
            x = m.leases[address]
            assert dataclasses.astuple(dataclasses.replace(x, owner=Pubkey.default())) == (
                lease.tenant, lease.provider, Pubkey.default(), lease.dseq, lease.rate_uact_per_hour,
                lease.escrow_uact, lease.unwithdrawn_uact, lease.overdrawn_uact, lease.accrual_remainder,
                lease.total_deposited_uact, lease.total_paid_uact, lease.created_at, lease.settled_at,
                LeaseState(int(lease.state)), lease.migrated,
            ), f"lease {address}"  # fmt: skip
        for address in self.lease_keys:
            if address not in chain_leases:
                closed = await connection.get_account(address)
                assert closed is None or closed.lamports == 0

        for owner, balance in m.balances.items():
            assert await self.world.akt_balance(owner) == balance, f"AKT of {owner}"


TestInvariants = BmeMachine.TestCase
