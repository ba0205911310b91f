"""The attack catalog (issue 6): every way to take what is not yours, one table, one test.

Each case builds its malicious transaction against a prepared world, snapshots every account the
transaction names plus the config, price feed, AKT mint, all program accounts and every wallet with its
AKT account, then lands the transaction for real (preflight skipped, so the runtime executes and rolls
back) and checks the named refusal and that nothing changed but the fee the payer paid for the failure.
The program error is decoded with the same IDL mapper `BmeClient` uses (`g.from_tx_error`).

Worlds: cases that only read share one world per kind ("shared", "finalized", "migrated"); a case that
must change state first (halt, pause, a first withdraw) gets a fresh one.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pytest
from akash_bme import generated as g
from akash_bme._client import BmeClient
from akash_bme._errors import TransactionError
from akash_bme.connection import AccountInfo
from akash_bme.generated import instructions as ix
from akash_bme.generated.accounts import Config, Lease, PriceFeed
from akash_bme.idl import ProgramError
from akash_bme.testing import World, in_process_world
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)
from spl.memo.constants import MEMO_PROGRAM_ID
from spl.token.constants import TOKEN_PROGRAM_ID

pytestmark = pytest.mark.program

AKT = 1_000_000
ACT = 1_000_000
U64_MAX = 2**64 - 1
RATE = 36 * ACT  # per hour: 10_000 uact per second
DEPOSIT = 100 * ACT
HOST = "https://provider.example.com"
COSMOS = bytes(range(20))
TOKEN_STATE_OFFSET = 108  # SPL Token account: mint 0..32, owner 32..64, amount 64..72, ..., state at 108
FROZEN = 2


@dataclass
class Scene:
    """A world with a live lease (tenant → provider) that has accrued for 10 minutes, a second provider
    `other` with mallory's lease, an inactive provider `idle`, and mallory the attacker with AKT."""

    world: World
    tenant: Keypair
    provider: Keypair
    other: Keypair
    idle: Keypair
    mallory: Keypair
    lease: Pubkey
    mallory_lease: Pubkey

    @property
    def client(self) -> BmeClient:
        return self.world.client

    @property
    def mint(self) -> Pubkey:
        return self.world.akt_mint

    def akt(self, who: Keypair) -> Pubkey:
        return self.client.akt_account(who.pubkey())

    def provider_account(self, owner: Keypair) -> Pubkey:
        return self.client.provider_address(owner.pubkey())

    @property
    def feed(self) -> Pubkey:
        return self.client.price_feed_address()

    async def plant(self, address: Pubkey, data: bytes, owner: Pubkey) -> Pubkey:
        """Writes an account the attacker could not create on chain (test set-up only)."""
        lamports = await self.world.connection.get_minimum_balance_for_rent_exemption(len(data))
        self.world.connection.set_account(address, AccountInfo(lamports, owner, data, False))
        return address

    async def token_account_copy(
        self, of: Pubkey, *, mint: Pubkey | None = None, state: int | None = None
    ) -> Pubkey:
        """A copy of an SPL token account at a fresh address, with another mint or state."""
        data = bytearray(await self.world.connection.get_account_data(of) or b"")
        if mint is not None:
            data[0:32] = bytes(mint)
        if state is not None:
            data[TOKEN_STATE_OFFSET] = state
        return await self.plant(Keypair().pubkey(), bytes(data), TOKEN_PROGRAM_ID)


async def make_scene() -> Scene:
    world = await in_process_world({"tenant": 1_000 * AKT, "mallory": 1_000 * AKT})
    client = world.client
    provider, other, idle = [await world.wallet(name) for name in ("provider", "other", "idle")]
    for owner in (provider, other, idle):
        await client.register_provider(owner, HOST)
    await client.update_provider(idle, HOST, active=False)
    tenant, mallory = world.wallets["tenant"], world.wallets["mallory"]
    await client.create_lease(
        tenant, provider_owner=provider.pubkey(), dseq=1, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
    )
    await client.create_lease(
        mallory, provider_owner=other.pubkey(), dseq=2, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
    )
    await world.advance(600)
    return Scene(
        world=world,
        tenant=tenant,
        provider=provider,
        other=other,
        idle=idle,
        mallory=mallory,
        lease=client.lease_address(tenant.pubkey(), client.provider_address(provider.pubkey()), 1),
        mallory_lease=client.lease_address(mallory.pubkey(), client.provider_address(other.pubkey()), 2),
    )


# -- what a case sends and what it expects ---------------------------------------------------------------


@dataclass(frozen=True)
class Strike:
    """The malicious transaction: instructions, the signers besides the payer, and who pays the fee.
    `forge` names keys flagged as signers whose signature is faked (the runtime must refuse)."""

    instructions: Sequence[Instruction]
    signers: Sequence[Keypair] = ()
    payer: Keypair | None = None  # default: mallory
    forge: Sequence[Pubkey] = ()


@dataclass(frozen=True)
class Runtime:
    """Refused by the runtime or a program we call, before or outside our program's checks."""

    reason: str
    matches: Callable[[object], bool]


@dataclass(frozen=True)
class Succeeds:
    """The transaction must land; `check` looks at the before/after snapshots."""

    check: Callable[
        [Scene, dict[Pubkey, AccountInfo | None], dict[Pubkey, AccountInfo | None]], Awaitable[None]
    ]


Expected = type[ProgramError] | Runtime | Succeeds
Build = Callable[[Scene], Awaitable[Strike]]


@dataclass(frozen=True)
class Attack:
    name: str
    build: Build
    expected: Expected
    world: str = "shared"  # shared | finalized | migrated | fresh


# -- instruction helpers -----------------------------------------------------------------------------------


def with_data(instruction: Instruction, data: bytes) -> Instruction:
    return Instruction(instruction.program_id, data, instruction.accounts)


def with_meta(
    instruction: Instruction,
    index: int,
    *,
    pubkey: Pubkey | None = None,
    signer: bool | None = None,
    writable: bool | None = None,
) -> Instruction:
    metas = list(instruction.accounts)
    old = metas[index]
    metas[index] = AccountMeta(
        pubkey if pubkey is not None else old.pubkey,
        old.is_signer if signer is None else signer,
        old.is_writable if writable is None else writable,
    )
    return Instruction(instruction.program_id, bytes(instruction.data), metas)


def set_paused(s: Scene, who: Keypair, paused: bool = True) -> Instruction:
    return ix.set_paused(ix.SetPausedArgs(paused=paused), ix.SetPausedAccounts(authority=who.pubkey()))


def update_price(
    s: Scene,
    who: Keypair,
    *,
    price: int | None = None,
    expo: int = -8,
    conf: int = 100_000,
    publish_time: int | None = None,
    price_feed: Pubkey | None = None,
    config: Pubkey | None = None,
) -> Instruction:
    args = ix.UpdatePriceArgs(
        price=s.world.price if price is None else price,
        expo=expo,
        conf=conf,
        publish_time=s.world.now + 1 if publish_time is None else publish_time,
    )
    accounts = ix.UpdatePriceAccounts(
        oracle_authority=who.pubkey(), config=config, price_feed=price_feed or s.feed
    )
    return ix.update_price(args, accounts)


def create_lease(
    s: Scene,
    tenant: Keypair,
    *,
    provider: Pubkey | None = None,
    dseq: int = 9,
    deposit: int = DEPOSIT,
    max_burn: int = 1_000 * AKT,
    rate: int = RATE,
    **overrides: Pubkey,
) -> Instruction:
    accounts = ix.CreateLeaseAccounts(
        tenant=tenant.pubkey(),
        provider=provider or s.provider_account(s.provider),
        tenant_akt=s.akt(tenant),
        akt_mint=s.mint,
    )
    args = ix.CreateLeaseArgs(
        dseq=dseq, gseq=1, oseq=1, rate_uact_per_hour=rate, deposit_uact=deposit, max_burn_uakt=max_burn
    )
    return ix.create_lease(args, dataclasses.replace(accounts, **overrides))


def deposit(
    s: Scene,
    who: Keypair,
    *,
    lease: Pubkey | None = None,
    amount: int = DEPOSIT,
    max_burn: int = 1_000 * AKT,
    **overrides: Pubkey,
) -> Instruction:
    accounts = ix.DepositAccounts(
        depositor=who.pubkey(), lease=lease or s.lease, depositor_akt=s.akt(who), akt_mint=s.mint
    )
    return ix.deposit(
        ix.DepositArgs(deposit_uact=amount, max_burn_uakt=max_burn),
        dataclasses.replace(accounts, **overrides),
    )


def withdraw(s: Scene, who: Keypair, *, lease: Pubkey | None = None, **overrides: Pubkey) -> Instruction:
    accounts = ix.WithdrawAccounts(
        owner=who.pubkey(),
        provider=s.provider_account(who),
        lease=lease or s.lease,
        provider_akt=s.akt(who),
        akt_mint=s.mint,
    )
    return ix.withdraw(ix.WithdrawArgs(min_akt_out=0), dataclasses.replace(accounts, **overrides))


def close_lease(s: Scene, closer: Keypair, *, reason: int = 1, **overrides: Pubkey) -> Instruction:
    accounts = ix.CloseLeaseAccounts(
        closer=closer.pubkey(),
        provider=s.provider_account(s.provider),
        lease=s.lease,
        tenant=s.tenant.pubkey(),
        tenant_akt=s.akt(s.tenant),
        provider_akt=s.akt(s.provider),
        akt_mint=s.mint,
    )
    return ix.close_lease(ix.CloseLeaseArgs(reason=reason), dataclasses.replace(accounts, **overrides))


def fund_vault(s: Scene, who: Keypair, *, amount: int = AKT, **overrides: Pubkey) -> Instruction:
    accounts = ix.FundVaultAccounts(funder=who.pubkey(), funder_akt=s.akt(who), akt_mint=s.mint)
    return ix.fund_vault(ix.FundVaultArgs(amount_uakt=amount), dataclasses.replace(accounts, **overrides))


def migrate_provider(s: Scene, who: Keypair) -> Instruction:
    return s.client.migrate_provider_ix(who.pubkey(), MIGRATED_OWNER, COSMOS, HOST)


def migrate_lease(s: Scene, who: Keypair) -> Instruction:
    return s.client.migrate_lease_ix(
        who.pubkey(),
        tenant=MIGRATED_OWNER,
        provider_owner=s.provider.pubkey(),
        dseq=77,
        gseq=1,
        oseq=1,
        rate_uact_per_hour=RATE,
        escrow_uact=DEPOSIT,
        unwithdrawn_uact=ACT,
        overdrawn_uact=0,
        settled_at=s.world.now,
    )


def migrate_balance(s: Scene, who: Keypair) -> Instruction:
    return s.client.migrate_balance_ix(who.pubkey(), COSMOS, 5 * AKT, recipient_akt=s.akt(s.mallory))


def migrate_vault(s: Scene, who: Keypair) -> Instruction:
    return s.client.migrate_vault_ix(who.pubkey(), 1_000 * AKT)


def finalize(s: Scene, who: Keypair) -> Instruction:
    return ix.finalize_migration(
        ix.FinalizeMigrationArgs(), ix.FinalizeMigrationAccounts(authority=who.pubkey())
    )


MIGRATED_OWNER = Pubkey.from_string("Mig1111111111111111111111111111111111111111")
MIGRATIONS: dict[str, Callable[[Scene, Keypair], Instruction]] = {
    "migrate_provider": migrate_provider,
    "migrate_lease": migrate_lease,
    "migrate_balance": migrate_balance,
    "migrate_vault": migrate_vault,
}


def by(who: str, *instructions: Callable[[Scene, Keypair], Instruction]) -> Build:
    """A strike of one instruction signed (and paid) by the named party."""

    async def build(s: Scene) -> Strike:
        signer = {
            "mallory": s.mallory,
            "authority": s.world.authority,
            "oracle": s.world.oracle,
            "tenant": s.tenant,
            "provider": s.provider,
            "other": s.other,
        }[who]
        return Strike([make(s, signer) for make in instructions], payer=signer)

    return build


def mallory(make: Callable[[Scene], Instruction]) -> Build:
    async def build(s: Scene) -> Strike:
        return Strike([make(s)], payer=s.mallory)

    return build


def signed(who: str, make: Callable[[Scene], Instruction]) -> Build:
    return by(who, lambda s, _k: make(s))


# -- cases that need set-up --------------------------------------------------------------------------------


async def forged_config_wrong_owner(s: Scene) -> Strike:
    """Same bytes as the config but mallory is the oracle, owned by the System Program."""
    config = Config.decode(await s.world.connection.get_account_data(s.client.config_address) or b"")
    fake = dataclasses.replace(config, oracle_authority=s.mallory.pubkey(), authority=s.mallory.pubkey())
    address = await s.plant(Keypair().pubkey(), fake.encode(), Pubkey.default())
    return Strike([update_price(s, s.mallory, price=1, config=address)], payer=s.mallory)


async def forged_feed_wrong_owner(s: Scene) -> Strike:
    """A feed with a 1000x lower price (1000x more AKT per ACT), owned by the Token program."""
    feed = PriceFeed.decode(await s.world.connection.get_account_data(s.feed) or b"")
    fake = dataclasses.replace(feed, price=feed.price // 1000)
    address = await s.plant(Keypair().pubkey(), fake.encode(), TOKEN_PROGRAM_ID)
    return Strike([withdraw(s, s.provider, price_feed=address)], payer=s.provider)


async def feed_of_another_mint(s: Scene) -> Strike:
    """A genuine-looking feed (program-owned, at its PDA) of another mint, with a crashed price."""
    other_mint = Keypair().pubkey()
    feed = PriceFeed.decode(await s.world.connection.get_account_data(s.feed) or b"")
    fake = dataclasses.replace(feed, akt_mint=other_mint, price=feed.price // 1000)
    address = await s.plant(s.client.price_feed_address(other_mint), fake.encode(), s.client.program_id)
    return Strike([withdraw(s, s.provider, price_feed=address)], payer=s.provider)


async def token_account_of_another_mint(s: Scene) -> Strike:
    copy = await s.token_account_copy(s.akt(s.mallory), mint=Keypair().pubkey())
    return Strike([create_lease(s, s.mallory, tenant_akt=copy)])


async def frozen_token_account(s: Scene) -> Strike:
    copy = await s.token_account_copy(s.akt(s.mallory), state=FROZEN)
    return Strike([fund_vault(s, s.mallory, funder_akt=copy)])


async def foreign_mint(s: Scene) -> Strike:
    """A mint mallory controls, passed as the AKT mint."""
    data = bytearray(await s.world.connection.get_account_data(s.mint) or b"")
    data[4:36] = bytes(s.mallory.pubkey())
    fake_mint = await s.plant(Keypair().pubkey(), bytes(data), TOKEN_PROGRAM_ID)
    copy = await s.token_account_copy(s.akt(s.mallory), mint=fake_mint)
    return Strike(
        [
            deposit(
                s, s.mallory, lease=s.mallory_lease, akt_mint=fake_mint, depositor_akt=copy, price_feed=s.feed
            )
        ]
    )


async def halt_cr(s: Scene) -> Strike:
    await s.world.advance(1, price=s.world.price * 85 // 100)  # CR ≈ 85% of 100.25% ≤ 90%: HaltCr
    return Strike([deposit(s, s.mallory, lease=s.mallory_lease)])


async def halt_oracle_stale(s: Scene) -> Strike:
    await s.world.advance(61, post_price=False)
    return Strike([deposit(s, s.mallory, lease=s.mallory_lease)])


async def halt_oracle_conf(s: Scene) -> Strike:
    """update_params tightens max_conf_bps below the stored price's confidence (5 bps)."""
    params = dataclasses.replace((await s.client.config()).params, max_conf_bps=1)
    await s.client.update_params(s.world.authority, params)
    return Strike([create_lease(s, s.mallory)])


async def paused(s: Scene) -> Strike:
    await s.client.set_paused(s.world.authority, True)
    return Strike([create_lease(s, s.mallory)])


async def paused_withdraw(s: Scene) -> Strike:
    await s.client.set_paused(s.world.authority, True)
    return Strike([withdraw(s, s.provider)], payer=s.provider)


async def paused_fund_vault(s: Scene) -> Strike:
    await s.client.set_paused(s.world.authority, True)
    return Strike([fund_vault(s, s.mallory)])


async def withdraw_twice(s: Scene) -> Strike:
    await s.client.withdraw(s.provider, s.lease)
    return Strike([withdraw(s, s.provider)], payer=s.provider)


async def prefunded_lease(s: Scene) -> Strike:
    """Mallory sends 0.5 SOL to the address of the tenant's next lease before it is created."""
    lease = s.client.lease_address(s.tenant.pubkey(), s.provider_account(s.provider), 9)
    await s.client.send(
        [transfer(TransferParams(from_pubkey=s.mallory.pubkey(), to_pubkey=lease, lamports=PREFUND))],
        [s.mallory],
    )
    return Strike([create_lease(s, s.tenant)], payer=s.tenant)


PREFUND = 500_000_000


async def prefunded_lease_check(
    s: Scene, before: dict[Pubkey, AccountInfo | None], after: dict[Pubkey, AccountInfo | None]
) -> None:
    """Creation works; the pre-funded lamports stay in the lease account (above its rent) and go to the
    tenant when the lease closes: the attacker loses them, nobody's balance is taken."""
    lease = s.client.lease_address(s.tenant.pubkey(), s.provider_account(s.provider), 9)
    stored = after[lease]
    assert stored is not None and stored.owner == s.client.program_id
    rent = await s.world.connection.get_minimum_balance_for_rent_exemption(len(stored.data))
    decoded = Lease.decode(stored.data)
    assert decoded.escrow_uact == DEPOSIT and decoded.tenant == s.tenant.pubkey()
    assert stored.lamports == max(PREFUND, rent)
    tenant_before, tenant_after = before[s.tenant.pubkey()], after[s.tenant.pubkey()]
    assert tenant_before is not None and tenant_after is not None
    # The tenant paid only the fee: the rent was already covered by mallory's lamports.
    assert tenant_before.lamports - tenant_after.lamports == 5_000


def signature_failure(err: object) -> bool:
    return err == TransactionErrorFieldless.SignatureFailure


def token_insufficient_funds(err: object) -> bool:
    """SPL Token's TokenError::InsufficientFunds (Custom(1)) from our program's Burn CPI."""
    return (
        isinstance(err, TransactionErrorInstructionError)
        and isinstance(err.err, InstructionErrorCustom)
        and err.err.code == 1
    )


async def burn_more_than_owned(s: Scene) -> Strike:
    pauper = await s.world.wallet("pauper")  # SOL and an empty AKT account
    return Strike([create_lease(s, pauper)], payer=pauper)


async def forged_signature(s: Scene) -> Strike:
    """The authority's signer flag is set but the signature is not the authority's."""
    return Strike([set_paused(s, s.world.authority)], forge=[s.world.authority.pubkey()])


def truncate(make: Callable[[Scene], Instruction], cut: int) -> Callable[[Scene], Instruction]:
    def build(s: Scene) -> Instruction:
        instruction = make(s)
        return with_data(instruction, bytes(instruction.data)[:-cut])

    return build


def extend(make: Callable[[Scene], Instruction]) -> Callable[[Scene], Instruction]:
    def build(s: Scene) -> Instruction:
        instruction = make(s)
        return with_data(instruction, bytes(instruction.data) + b"\x00")

    return build


def unsign(make: Callable[[Scene], Instruction], index: int = 0) -> Callable[[Scene], Instruction]:
    return lambda s: with_meta(make(s), index, signer=False)


# -- the catalog -------------------------------------------------------------------------------------------

ATTACKS: list[Attack] = [
    # authority instructions by someone else
    Attack(
        "update_params_by_non_authority",
        by(
            "mallory",
            lambda s, k: ix.update_params(
                ix.UpdateParamsArgs(params=g.types.Params(9500, 9000, 0, 0, 1, 86_400, 1000)),
                ix.UpdateParamsAccounts(authority=k.pubkey(), price_feed=s.feed),
            ),
        ),
        g.Unauthorized,
    ),
    Attack(
        "propose_authority_by_non_authority",
        by(
            "mallory",
            lambda s, k: ix.propose_authority(
                ix.ProposeAuthorityArgs(new_authority=k.pubkey()),
                ix.ProposeAuthorityAccounts(authority=k.pubkey()),
            ),
        ),
        g.Unauthorized,
    ),
    Attack(
        "accept_authority_never_proposed",
        by(
            "mallory",
            lambda s, k: ix.accept_authority(
                ix.AcceptAuthorityArgs(), ix.AcceptAuthorityAccounts(new_authority=k.pubkey())
            ),
        ),
        g.Unauthorized,
    ),
    Attack(
        "set_oracle_authority_by_non_authority",
        by(
            "mallory",
            lambda s, k: ix.set_oracle_authority(
                ix.SetOracleAuthorityArgs(oracle_authority=k.pubkey()),
                ix.SetOracleAuthorityAccounts(authority=k.pubkey()),
            ),
        ),
        g.Unauthorized,
    ),
    Attack("set_paused_by_non_authority", by("mallory", set_paused), g.Unauthorized),
    Attack("update_price_by_non_oracle", by("mallory", lambda s, k: update_price(s, k)), g.Unauthorized),
    Attack(
        "update_price_by_admin_not_oracle", by("authority", lambda s, k: update_price(s, k)), g.Unauthorized
    ),
    # prices the oracle must not be able to post
    Attack(
        "price_older",
        by("oracle", lambda s, k: update_price(s, k, publish_time=s.world.now - 10)),
        g.PriceNotNewer,
    ),
    Attack(
        "price_same_publish_time",
        by("oracle", lambda s, k: update_price(s, k, publish_time=s.world.now)),
        g.PriceNotNewer,
    ),
    Attack(
        "price_future",
        by("oracle", lambda s, k: update_price(s, k, publish_time=s.world.now + 61)),
        g.OracleInvalid,
    ),
    Attack("price_zero", by("oracle", lambda s, k: update_price(s, k, price=0)), g.OracleInvalid),
    Attack(
        "price_negative", by("oracle", lambda s, k: update_price(s, k, price=-200_000_000)), g.OracleInvalid
    ),
    Attack("price_expo_positive", by("oracle", lambda s, k: update_price(s, k, expo=1)), g.OracleInvalid),
    Attack(
        "price_expo_below_minus_12", by("oracle", lambda s, k: update_price(s, k, expo=-13)), g.OracleInvalid
    ),
    Attack(
        "price_over_uncertain",
        by("oracle", lambda s, k: update_price(s, k, conf=s.world.price * 151 // 10_000)),
        g.OracleInvalid,
    ),
    # forged program accounts
    Attack("config_forged_wrong_owner", forged_config_wrong_owner, g.InvalidAccount),
    Attack("price_feed_forged_wrong_owner", forged_feed_wrong_owner, g.InvalidAccount),
    Attack(
        "config_right_owner_wrong_pda",
        by("mallory", lambda s, k: update_price(s, k, config=s.feed)),
        g.InvalidAccount,
    ),
    Attack(
        "price_feed_right_owner_wrong_pda",
        signed("provider", lambda s: withdraw(s, s.provider, price_feed=s.client.config_address)),
        g.InvalidAccount,
    ),
    Attack("price_feed_of_another_mint", feed_of_another_mint, g.InvalidAccount),
    # token accounts and programs
    Attack("token_account_of_another_mint", token_account_of_another_mint, g.InvalidTokenAccount),
    Attack(
        "token_account_of_another_owner",
        mallory(lambda s: fund_vault(s, s.mallory, funder_akt=s.akt(s.tenant))),
        g.InvalidTokenAccount,
    ),
    Attack("token_account_frozen", frozen_token_account, g.InvalidTokenAccount),
    Attack(
        "burn_from_someone_elses_account",
        mallory(lambda s: create_lease(s, s.mallory, tenant_akt=s.akt(s.tenant))),
        g.InvalidTokenAccount,
    ),
    Attack(
        "deposit_from_someone_elses_account",
        mallory(lambda s: deposit(s, s.mallory, depositor_akt=s.akt(s.tenant))),
        g.InvalidTokenAccount,
    ),
    Attack("akt_mint_foreign", foreign_mint, g.InvalidMint),
    Attack(
        "fake_token_program",
        mallory(lambda s: deposit(s, s.mallory, token_program=MEMO_PROGRAM_ID)),
        g.InvalidAccount,
    ),
    Attack(
        "fake_system_program_create_lease",
        mallory(lambda s: create_lease(s, s.mallory, system_program=MEMO_PROGRAM_ID)),
        g.InvalidAccount,
    ),
    Attack(
        "fake_system_program_register",
        by(
            "mallory",
            lambda s, k: ix.register_provider(
                ix.RegisterProviderArgs(host_uri=HOST),
                ix.RegisterProviderAccounts(owner=k.pubkey(), system_program=MEMO_PROGRAM_ID),
            ),
        ),
        g.InvalidAccount,
    ),
    # leases and deposits
    Attack(
        "provider_inactive",
        mallory(lambda s: create_lease(s, s.mallory, provider=s.provider_account(s.idle))),
        g.ProviderInactive,
    ),
    Attack(
        "deposit_below_minimum", mallory(lambda s: deposit(s, s.mallory, amount=499_999)), g.BelowMinimumMint
    ),
    Attack("deposit_zero", mallory(lambda s: deposit(s, s.mallory, amount=0)), g.ZeroAmount),
    Attack(
        "deposit_u64_max",
        mallory(lambda s: deposit(s, s.mallory, amount=U64_MAX, max_burn=U64_MAX)),
        g.MathOverflow,
    ),
    Attack(
        "slippage_guard_exceeded",
        mallory(lambda s: deposit(s, s.mallory, max_burn=50 * AKT)),
        g.SlippageExceeded,
    ),
    Attack("create_lease_zero_rate", mallory(lambda s: create_lease(s, s.mallory, rate=0)), g.ZeroAmount),
    Attack("burn_under_halt_cr", halt_cr, g.CircuitBreakerActive, world="fresh"),
    Attack("burn_under_halt_oracle_stale", halt_oracle_stale, g.OracleStale, world="fresh"),
    Attack("burn_under_halt_oracle_conf", halt_oracle_conf, g.OracleInvalid, world="fresh"),
    Attack("burn_while_paused", paused, g.Paused, world="fresh"),
    Attack("withdraw_while_paused", paused_withdraw, g.Paused, world="fresh"),
    Attack("fund_vault_while_paused", paused_fund_vault, g.Paused, world="fresh"),
    Attack(
        "create_same_lease_twice",
        signed("tenant", lambda s: create_lease(s, s.tenant, dseq=1)),
        g.AlreadyInitialized,
    ),
    Attack(
        "lease_pda_prefunded_by_attacker", prefunded_lease, Succeeds(prefunded_lease_check), world="fresh"
    ),
    Attack(
        "deposit_into_non_lease",
        mallory(lambda s: deposit(s, s.mallory, lease=s.mallory.pubkey())),
        g.InvalidAccount,
    ),
    # withdraw and close
    Attack(
        "withdraw_by_non_provider",
        mallory(lambda s: withdraw(s, s.mallory, provider=s.provider_account(s.provider))),
        g.Unauthorized,
    ),
    Attack(
        "withdraw_to_someone_elses_account",
        signed("provider", lambda s: withdraw(s, s.provider, provider_akt=s.akt(s.mallory))),
        g.InvalidTokenAccount,
    ),
    Attack("withdraw_twice_in_a_row", withdraw_twice, g.ZeroAmount, world="fresh"),
    Attack(
        "close_by_third_party",
        mallory(lambda s: close_lease(s, s.mallory, tenant_akt=s.akt(s.mallory))),
        g.Unauthorized,
    ),
    Attack(
        "close_refund_redirected",
        signed("provider", lambda s: close_lease(s, s.provider, tenant_akt=s.akt(s.provider))),
        g.InvalidTokenAccount,
    ),
    Attack(
        "close_rent_redirected",
        signed("provider", lambda s: close_lease(s, s.provider, tenant=s.provider.pubkey())),
        g.InvalidAccount,
    ),
    Attack(
        "close_unknown_reason",
        signed("tenant", lambda s: close_lease(s, s.tenant, reason=2)),
        g.InvalidCloseReason,
    ),
    Attack(
        "update_provider_by_non_owner",
        by(
            "mallory",
            lambda s, k: ix.update_provider(
                ix.UpdateProviderArgs(host_uri="https://evil.example", active=False),
                ix.UpdateProviderAccounts(owner=k.pubkey(), provider=s.provider_account(s.provider)),
            ),
        ),
        g.Unauthorized,
    ),
    # account confusion
    Attack(
        "provider_where_lease_expected",
        mallory(
            lambda s: ix.settle(ix.SettleArgs(), ix.SettleAccounts(lease=s.provider_account(s.provider)))
        ),
        g.InvalidAccount,
    ),
    Attack(
        "lease_where_provider_expected",
        signed("provider", lambda s: withdraw(s, s.provider, provider=s.lease)),
        g.InvalidAccount,
    ),
    Attack(
        "lease_paired_with_another_provider",
        signed("other", lambda s: withdraw(s, s.other, lease=s.lease)),
        g.InvalidAccount,
    ),
    Attack(
        "same_account_as_provider_and_lease",
        mallory(lambda s: create_lease(s, s.mallory, lease=s.provider_account(s.provider))),
        g.InvalidAccount,
    ),
    Attack(
        "same_token_account_for_tenant_and_provider",
        signed("tenant", lambda s: close_lease(s, s.tenant, provider_akt=s.akt(s.tenant))),
        g.InvalidTokenAccount,
    ),
    Attack(
        "wrong_mint_authority_pda",
        signed("provider", lambda s: withdraw(s, s.provider, mint_authority=s.client.config_address)),
        g.InvalidAccount,
    ),
    # migration
    *(
        Attack(f"{name}_by_non_authority", by("mallory", make), g.Unauthorized)
        for name, make in MIGRATIONS.items()
    ),
    Attack("finalize_migration_by_non_authority", by("mallory", finalize), g.Unauthorized),
    *(
        Attack(f"{name}_after_finalize", by("authority", make), g.MigrationClosed, world="finalized")
        for name, make in MIGRATIONS.items()
    ),
    Attack("finalize_migration_twice", by("authority", finalize), g.MigrationClosed, world="finalized"),
    *(
        Attack(f"{name}_twice", by("authority", make), g.AlreadyMigrated, world="migrated")
        for name, make in MIGRATIONS.items()
    ),
    # malformed instructions and signatures
    Attack(
        "data_truncated", mallory(truncate(lambda s: create_lease(s, s.mallory), 1)), g.InvalidInstruction
    ),
    Attack("data_oversized", mallory(extend(lambda s: deposit(s, s.mallory))), g.InvalidInstruction),
    Attack(
        "data_unknown_discriminator",
        mallory(
            lambda s: with_data(deposit(s, s.mallory), b"\xff" * 8 + bytes(deposit(s, s.mallory).data)[8:])
        ),
        g.InvalidInstruction,
    ),
    Attack(
        "data_shorter_than_discriminator",
        mallory(truncate(lambda s: fund_vault(s, s.mallory), 13)),
        g.InvalidInstruction,
    ),
    Attack(
        "data_bool_not_0_or_1",
        by(
            "authority", lambda s, k: with_data(set_paused(s, k), bytes(set_paused(s, k).data)[:-1] + b"\x02")
        ),
        g.InvalidInstruction,
    ),
    Attack(
        "accounts_missing",
        mallory(lambda s: Instruction(s.client.program_id, bytes(deposit(s, s.mallory).data), [])),
        g.NotEnoughAccounts,
    ),
    Attack(
        "missing_signer_flag_admin",
        mallory(unsign(lambda s: set_paused(s, s.world.authority))),
        g.MissingSigner,
    ),
    Attack(
        "missing_signer_flag_provider_owner",
        mallory(unsign(lambda s: withdraw(s, s.provider))),
        g.MissingSigner,
    ),
    Attack(
        "missing_signer_flag_tenant", mallory(unsign(lambda s: close_lease(s, s.tenant))), g.MissingSigner
    ),
    Attack(
        "config_not_writable",
        by("authority", lambda s, k: with_meta(set_paused(s, k), 1, writable=False)),
        g.AccountNotWritable,
    ),
    Attack(
        "burn_more_than_owned",
        burn_more_than_owned,
        Runtime("the SPL Token program refuses the Burn CPI: InsufficientFunds", token_insufficient_funds),
    ),
    Attack(
        "signer_flag_with_forged_signature",
        forged_signature,
        Runtime("SignatureFailure: the runtime verifies every flagged signer", signature_failure),
    ),
]


# -- running a case ----------------------------------------------------------------------------------------

Snapshot = dict[Pubkey, AccountInfo | None]


async def snapshot(s: Scene, extra: Sequence[Pubkey]) -> Snapshot:
    connection, client = s.world.connection, s.client
    keys = {client.config_address, s.feed, s.mint, client.mint_authority_address, *extra}
    for wallet in [*s.world.wallets.values(), s.world.authority, s.world.oracle]:
        keys |= {wallet.pubkey(), s.akt(wallet)}
    keys |= {key for key, _ in await connection.get_program_accounts(client.program_id)}
    ordered = sorted(keys, key=bytes)
    return dict(zip(ordered, await connection.get_multiple_accounts(ordered), strict=True))


@dataclass
class Landed:
    err: object | None
    logs: Sequence[str]
    fee: int
    payer: Pubkey
    refused_before_execution: bool = False
    keys: list[Pubkey] = field(default_factory=list)


async def land(s: Scene, strike: Strike) -> Landed:
    """Signs and sends with preflight skipped, so that a failing transaction really executes."""
    connection = s.world.connection
    connection.expire_blockhash()  # never collide with an identical earlier transaction
    payer = strike.payer or s.mallory
    blockhash = (await connection.get_latest_blockhash()).blockhash
    message = MessageV0.try_compile(payer.pubkey(), list(strike.instructions), [], blockhash)
    keys = list(message.account_keys)
    if strike.forge:
        by_key = {k.pubkey(): k for k in [payer, *strike.signers]}
        signed_bytes = to_bytes_versioned(message)
        signatures = [
            by_key[key].sign_message(signed_bytes) if key not in strike.forge else Signature.new_unique()
            for key in keys[: message.header.num_required_signatures]
        ]
        tx = VersionedTransaction.populate(message, signatures)
    else:
        unique = {payer.pubkey(): payer}
        for signer in strike.signers:
            unique.setdefault(signer.pubkey(), signer)
        tx = VersionedTransaction(message, list(unique.values()))
    try:
        signature = await connection.send_transaction(tx, skip_preflight=True)
    except TransactionError as exc:
        return Landed(exc.err, exc.logs, 0, payer.pubkey(), refused_before_execution=True, keys=keys)
    meta = await connection.get_transaction_meta(signature)
    assert meta is not None
    return Landed(meta.err, meta.logs, meta.fee, payer.pubkey(), keys=keys)


def assert_unchanged(before: Snapshot, after: Snapshot, landed: Landed) -> None:
    for key, was in before.items():
        now = after[key]
        if key == landed.payer and was is not None and now is not None:
            assert now.lamports == was.lamports - landed.fee, f"payer lamports beyond the fee ({landed.fee})"
            assert dataclasses.replace(now, lamports=was.lamports) == was
            continue
        assert now == was, f"account {key} changed: {was} -> {now}"


class Worlds:
    """One event loop for the module and the prepared worlds, built once per kind."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.cache: dict[str, Scene] = {}

    def run(self, coro: Awaitable[object]) -> object:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    async def scene(self, kind: str) -> Scene:
        if kind == "fresh":
            return await make_scene()
        if kind not in self.cache:
            scene = await make_scene()
            authority = scene.world.authority
            if kind == "finalized":
                await scene.client.send([finalize(scene, authority)], [authority])
            elif kind == "migrated":
                for make in MIGRATIONS.values():
                    await scene.client.send([make(scene, authority)], [authority])
            self.cache[kind] = scene
        return self.cache[kind]


@pytest.fixture(scope="module")
def worlds() -> Iterator[Worlds]:
    prepared = Worlds()
    yield prepared
    prepared.loop.close()


async def strike_and_check(worlds: Worlds, attack: Attack) -> None:
    s = await worlds.scene(attack.world)
    strike = await attack.build(s)
    extra = [m.pubkey for i in strike.instructions for m in i.accounts]
    before = await snapshot(s, extra)
    landed = await land(s, strike)
    after = await snapshot(s, extra)
    expected = attack.expected
    if isinstance(expected, Succeeds):
        assert landed.err is None, f"expected success, got {landed.err} {landed.logs}"
        await expected.check(s, before, after)
        return
    assert landed.err is not None, "the attack succeeded"
    if isinstance(expected, Runtime):
        assert expected.matches(landed.err), f"{expected.reason}: got {landed.err}"
    else:
        error = g.from_tx_error(landed.err, landed.logs)
        assert type(error) is expected, (
            f"expected {expected.__name__} ({expected.code}), got {error!r} {landed.err}"
        )
    assert_unchanged(before, after, landed)


def test_catalog_is_complete() -> None:
    names = [a.name for a in ATTACKS]
    assert len(names) == len(set(names)) and len(names) >= 40


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack(worlds: Worlds, attack: Attack) -> None:
    worlds.run(strike_and_check(worlds, attack))
