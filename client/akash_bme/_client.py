"""`BmeClient`: every instruction of the program as an async method with a typed result.

The client composes the generated instruction builders (PDAs resolved), the transaction pipeline
(compute budget, priority fee, confirmation, blockhash-expiry resend) and the generated account and event
decoders. Inputs are checked before anything is sent; program failures surface as the generated typed
errors (`akash_bme.generated.errors`) carrying the logs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from spl.token.instructions import get_associated_token_address

from . import generated as g
from ._errors import TransactionError
from ._pipeline import PriorityFeePolicy, TransactionPipeline
from .connection import Commitment, Connection, Memcmp
from .generated import instructions as ix
from .generated.types import MintStatus
from .idl import find_pda
from .quotes import BurnQuote, RedeemQuote, StatusInputs, mint_status, quote_burn, quote_redeem

U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1
U16_MAX = 2**16 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

DEFAULT_PARAMS = g.types.Params(
    circuit_breaker_warn_bps=9500,
    circuit_breaker_halt_bps=9000,
    mint_spread_bps=25,
    settle_spread_bps=0,
    min_mint_uact=500_000,
    max_price_age_secs=60,
    max_conf_bps=150,
)
"""Akash mainnet x/bme and x/deployment defaults (DESIGN §4)."""

CLOSE_REASONS = {
    1: "owner",
    10000: "unstable",
    10001: "decommission",
    10002: "unspecified",
    10003: "manifest timeout",
    20000: "insufficient funds",
}
"""Akash LeaseClosedReason codes `close_lease` accepts."""

# Byte offsets of Lease fields after the 8-byte discriminator, for getProgramAccounts filters.
_LEASE_TENANT_OFFSET = 8
_LEASE_PROVIDER_OFFSET = 40


def _check_int(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name}={value} is outside {low}..{high}")
    return value


def _u64(name: str, value: int) -> int:
    return _check_int(name, value, 0, U64_MAX)


def _pubkey(name: str, value: Pubkey | str) -> Pubkey:
    if isinstance(value, Pubkey):
        return value
    if isinstance(value, str):
        try:
            return Pubkey.from_string(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {value!r} is not a base58 public key") from exc
    raise TypeError(f"{name} must be a Pubkey or a base58 string, got {type(value).__name__}")


def _host_uri(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError("host_uri must be a str")
    raw = value.encode()
    if not 1 <= len(raw) <= 128 or b"\x00" in raw:
        raise ValueError("host_uri must be 1..128 bytes of UTF-8 without NUL")
    return value


def _cosmos_address(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != 20:
        raise ValueError("cosmos_address must be the 20-byte payload of an akash1… address")
    return bytes(value)


@dataclass(frozen=True)
class TxResult:
    """A landed transaction: its signature, our program's decoded events and the compute units used."""

    signature: Signature
    events: tuple[g.Event, ...]
    compute_units: int | None
    logs: tuple[str, ...]

    def event(self, kind: type[g.Event]) -> g.Event:
        """The single event of this type (AssertionError-free lookup for scripts)."""
        found = [e for e in self.events if isinstance(e, kind)]
        if len(found) != 1:
            raise LookupError(f"expected one {kind.__name__} event, found {len(found)}")
        return found[0]


@dataclass(frozen=True)
class VaultStatus:
    """The BME vault as the program sees it now (status evaluated live, like a gated instruction)."""

    remint_credits_uakt: int
    act_outstanding_uact: int
    total_akt_burned: int
    total_akt_minted: int
    total_akt_migrated: int
    collateral_ratio_bps: int
    status: MintStatus
    stored_status: MintStatus
    price: int
    expo: int
    paused: bool


class BmeClient:
    """Async client of the akash_bme program.

    Usage::

        async with LiteSvmConnection() as conn:
            client = BmeClient(conn, payer, akt_mint=mint)
            res = await client.create_lease(tenant, provider=owner.pubkey(), dseq=1, rate_uact_per_hour=1000,
                                            deposit_uact=5_000_000)
    """

    def __init__(
        self,
        connection: Connection,
        payer: Keypair,
        *,
        akt_mint: Pubkey | None = None,
        program_id: Pubkey = g.PROGRAM_ID,
        commitment: Commitment = "confirmed",
        priority_fee: PriorityFeePolicy | None = None,
        cu_margin: float = 0.1,
    ) -> None:
        self.connection = connection
        self.payer = payer
        self.program_id = program_id
        self._akt_mint = akt_mint
        self.pipeline = TransactionPipeline(
            connection,
            payer,
            commitment=commitment,
            cu_margin=cu_margin,
            priority_fee=priority_fee or PriorityFeePolicy(),
            error_mapper=self._map_error,
        )

    # -- addresses ---------------------------------------------------------------------------------

    def _pda(self, *seeds: bytes) -> Pubkey:
        return find_pda(seeds, self.program_id)[0]

    @property
    def config_address(self) -> Pubkey:
        return self._pda(b"config")

    @property
    def mint_authority_address(self) -> Pubkey:
        return self._pda(b"mint_authority")

    def price_feed_address(self, akt_mint: Pubkey | None = None) -> Pubkey:
        return self._pda(b"price_feed", bytes(akt_mint or self.akt_mint))

    def provider_address(self, owner: Pubkey) -> Pubkey:
        return self._pda(b"provider", bytes(owner))

    def lease_address(
        self, tenant: Pubkey, provider: Pubkey, dseq: int, gseq: int = 1, oseq: int = 1
    ) -> Pubkey:
        """`provider` is the Provider account's address (not its owner)."""
        return self._pda(
            b"lease",
            bytes(tenant),
            bytes(provider),
            dseq.to_bytes(8, "little"),
            gseq.to_bytes(4, "little"),
            oseq.to_bytes(4, "little"),
        )

    def migration_record_address(self, cosmos_address: bytes) -> Pubkey:
        return self._pda(b"migration", _cosmos_address(cosmos_address))

    @property
    def akt_mint(self) -> Pubkey:
        if self._akt_mint is None:
            raise RuntimeError("akt_mint unknown: pass akt_mint= or call `await client.load()` first")
        return self._akt_mint

    def akt_account(self, owner: Pubkey) -> Pubkey:
        """The owner's associated AKT token account."""
        return get_associated_token_address(owner, self.akt_mint)

    async def load(self) -> g.accounts.Config:
        """Reads the config and learns the AKT mint from it."""
        config = await self.config()
        self._akt_mint = config.akt_mint
        return config

    # -- sending -------------------------------------------------------------------------------------

    def _map_error(self, error: TransactionError) -> Exception:
        typed = g.from_tx_error(error.err, error.logs)
        return typed if typed is not None else error

    async def send(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = ()) -> TxResult:
        """Sends instructions of this program (or any) through the pipeline and decodes our events."""
        result = await self.pipeline.send(list(instructions), list(signers))
        events = tuple(g.decode_events(result.logs, self.program_id))
        return TxResult(result.signature, events, result.compute_units, result.logs)

    # -- administration ------------------------------------------------------------------------------

    async def initialize(
        self,
        authority: Keypair,
        *,
        akt_mint: Pubkey,
        oracle_authority: Pubkey,
        params: g.types.Params = DEFAULT_PARAMS,
    ) -> TxResult:
        self._akt_mint = akt_mint
        instruction = ix.initialize(
            ix.InitializeArgs(params=params, oracle_authority=oracle_authority),
            ix.InitializeAccounts(authority=authority.pubkey(), akt_mint=akt_mint),
            program_id=self.program_id,
        )
        return await self.send([instruction], [authority])

    async def update_params(self, authority: Keypair, params: g.types.Params) -> TxResult:
        instruction = ix.update_params(
            ix.UpdateParamsArgs(params=params),
            ix.UpdateParamsAccounts(authority=authority.pubkey(), price_feed=self.price_feed_address()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [authority])

    async def propose_authority(self, authority: Keypair, new_authority: Pubkey) -> TxResult:
        instruction = ix.propose_authority(
            ix.ProposeAuthorityArgs(new_authority=_pubkey("new_authority", new_authority)),
            ix.ProposeAuthorityAccounts(authority=authority.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [authority])

    async def accept_authority(self, new_authority: Keypair) -> TxResult:
        instruction = ix.accept_authority(
            ix.AcceptAuthorityArgs(),
            ix.AcceptAuthorityAccounts(new_authority=new_authority.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [new_authority])

    async def set_oracle_authority(self, authority: Keypair, oracle_authority: Pubkey) -> TxResult:
        instruction = ix.set_oracle_authority(
            ix.SetOracleAuthorityArgs(oracle_authority=_pubkey("oracle_authority", oracle_authority)),
            ix.SetOracleAuthorityAccounts(authority=authority.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [authority])

    async def set_paused(self, authority: Keypair, paused: bool) -> TxResult:
        if not isinstance(paused, bool):
            raise TypeError("paused must be a bool")
        instruction = ix.set_paused(
            ix.SetPausedArgs(paused=paused),
            ix.SetPausedAccounts(authority=authority.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [authority])

    async def update_price(
        self, oracle: Keypair, *, price: int, expo: int, conf: int, publish_time: int
    ) -> TxResult:
        args = ix.UpdatePriceArgs(
            price=_check_int("price", price, I64_MIN, I64_MAX),
            expo=_check_int("expo", expo, -(2**31), 2**31 - 1),
            conf=_u64("conf", conf),
            publish_time=_check_int("publish_time", publish_time, I64_MIN, I64_MAX),
        )
        instruction = ix.update_price(
            args,
            ix.UpdatePriceAccounts(oracle_authority=oracle.pubkey(), price_feed=self.price_feed_address()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [oracle])

    # -- providers -----------------------------------------------------------------------------------

    async def register_provider(self, owner: Keypair, host_uri: str) -> TxResult:
        instruction = ix.register_provider(
            ix.RegisterProviderArgs(host_uri=_host_uri(host_uri)),
            ix.RegisterProviderAccounts(owner=owner.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [owner])

    async def update_provider(self, owner: Keypair, host_uri: str, *, active: bool = True) -> TxResult:
        instruction = ix.update_provider(
            ix.UpdateProviderArgs(host_uri=_host_uri(host_uri), active=bool(active)),
            ix.UpdateProviderAccounts(owner=owner.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [owner])

    # -- leases --------------------------------------------------------------------------------------

    async def quote_burn(self, deposit_uact: int) -> BurnQuote:
        """AKT that `create_lease`/`deposit` would burn now for exactly `deposit_uact`."""
        config, feed = await self._config_and_feed()
        return quote_burn(
            _u64("deposit_uact", deposit_uact), config.params.mint_spread_bps, feed.price, feed.expo
        )

    async def quote_redeem(self, uact: int) -> RedeemQuote:
        """AKT that redeeming `uact` of ACT would mint now."""
        config, feed = await self._config_and_feed()
        return quote_redeem(_u64("uact", uact), config.params.settle_spread_bps, feed.price, feed.expo)

    async def _max_burn(self, deposit_uact: int, max_burn_uakt: int | None, slippage_bps: int) -> int:
        if max_burn_uakt is not None:
            return _u64("max_burn_uakt", max_burn_uakt)
        quote = await self.quote_burn(deposit_uact)
        return min(
            U64_MAX,
            quote.burn_uakt + quote.burn_uakt * _check_int("slippage_bps", slippage_bps, 0, 10_000) // 10_000,
        )

    async def create_lease(
        self,
        tenant: Keypair,
        *,
        provider_owner: Pubkey,
        dseq: int,
        gseq: int = 1,
        oseq: int = 1,
        rate_uact_per_hour: int,
        deposit_uact: int,
        max_burn_uakt: int | None = None,
        slippage_bps: int = 100,
        tenant_akt: Pubkey | None = None,
    ) -> TxResult:
        """Burns AKT for exactly `deposit_uact` and opens the lease. Without `max_burn_uakt` the guard is
        the current quote plus `slippage_bps`."""
        args = ix.CreateLeaseArgs(
            dseq=_u64("dseq", dseq),
            gseq=_check_int("gseq", gseq, 0, U32_MAX),
            oseq=_check_int("oseq", oseq, 0, U32_MAX),
            rate_uact_per_hour=_u64("rate_uact_per_hour", rate_uact_per_hour),
            deposit_uact=_u64("deposit_uact", deposit_uact),
            max_burn_uakt=await self._max_burn(deposit_uact, max_burn_uakt, slippage_bps),
        )
        accounts = ix.CreateLeaseAccounts(
            tenant=tenant.pubkey(),
            price_feed=self.price_feed_address(),
            provider=self.provider_address(_pubkey("provider_owner", provider_owner)),
            tenant_akt=tenant_akt or self.akt_account(tenant.pubkey()),
            akt_mint=self.akt_mint,
        )
        return await self.send([ix.create_lease(args, accounts, program_id=self.program_id)], [tenant])

    async def deposit(
        self,
        depositor: Keypair,
        lease: Pubkey,
        deposit_uact: int,
        *,
        max_burn_uakt: int | None = None,
        slippage_bps: int = 100,
        depositor_akt: Pubkey | None = None,
    ) -> TxResult:
        args = ix.DepositArgs(
            deposit_uact=_u64("deposit_uact", deposit_uact),
            max_burn_uakt=await self._max_burn(deposit_uact, max_burn_uakt, slippage_bps),
        )
        accounts = ix.DepositAccounts(
            depositor=depositor.pubkey(),
            price_feed=self.price_feed_address(),
            lease=_pubkey("lease", lease),
            depositor_akt=depositor_akt or self.akt_account(depositor.pubkey()),
            akt_mint=self.akt_mint,
        )
        return await self.send([ix.deposit(args, accounts, program_id=self.program_id)], [depositor])

    async def settle(self, lease: Pubkey) -> TxResult:
        instruction = ix.settle(
            ix.SettleArgs(), ix.SettleAccounts(lease=_pubkey("lease", lease)), program_id=self.program_id
        )
        return await self.send([instruction])

    async def withdraw(
        self, owner: Keypair, lease: Pubkey, *, min_akt_out: int = 0, provider_akt: Pubkey | None = None
    ) -> TxResult:
        """Redeems the lease's unwithdrawn ACT for AKT minted to the provider owner's account."""
        accounts = ix.WithdrawAccounts(
            owner=owner.pubkey(),
            price_feed=self.price_feed_address(),
            lease=_pubkey("lease", lease),
            provider_akt=provider_akt or self.akt_account(owner.pubkey()),
            akt_mint=self.akt_mint,
        )
        args = ix.WithdrawArgs(min_akt_out=_u64("min_akt_out", min_akt_out))
        return await self.send([ix.withdraw(args, accounts, program_id=self.program_id)], [owner])

    async def close_lease(self, closer: Keypair, lease: Pubkey, *, reason: int = 1) -> TxResult:
        """Closes the lease: pays the provider, refunds the tenant in AKT, returns the rent to the tenant."""
        if reason not in CLOSE_REASONS:
            raise ValueError(f"reason {reason} is not an Akash LeaseClosedReason ({sorted(CLOSE_REASONS)})")
        state = await self.lease(lease)
        if state is None:
            raise ValueError(f"lease {lease} does not exist")
        provider = await self.provider_by_address(state.provider)
        if provider is None:
            raise ValueError(f"provider {state.provider} of lease {lease} does not exist")
        accounts = ix.CloseLeaseAccounts(
            closer=closer.pubkey(),
            price_feed=self.price_feed_address(),
            provider=state.provider,
            lease=lease,
            tenant=state.tenant,
            tenant_akt=self.akt_account(state.tenant),
            provider_akt=self.akt_account(provider.owner),
            akt_mint=self.akt_mint,
        )
        args = ix.CloseLeaseArgs(reason=_check_int("reason", reason, 0, U16_MAX))
        return await self.send([ix.close_lease(args, accounts, program_id=self.program_id)], [closer])

    async def fund_vault(
        self, funder: Keypair, amount_uakt: int, *, funder_akt: Pubkey | None = None
    ) -> TxResult:
        accounts = ix.FundVaultAccounts(
            funder=funder.pubkey(),
            price_feed=self.price_feed_address(),
            funder_akt=funder_akt or self.akt_account(funder.pubkey()),
            akt_mint=self.akt_mint,
        )
        args = ix.FundVaultArgs(amount_uakt=_u64("amount_uakt", amount_uakt))
        return await self.send([ix.fund_vault(args, accounts, program_id=self.program_id)], [funder])

    # -- migration -----------------------------------------------------------------------------------

    def migrate_provider_ix(
        self, authority: Pubkey, owner: Pubkey, cosmos_address: bytes, host_uri: str
    ) -> Instruction:
        return ix.migrate_provider(
            ix.MigrateProviderArgs(
                cosmos_address=_cosmos_address(cosmos_address), host_uri=_host_uri(host_uri)
            ),
            ix.MigrateProviderAccounts(authority=authority, owner=_pubkey("owner", owner)),
            program_id=self.program_id,
        )

    def migrate_lease_ix(
        self,
        authority: Pubkey,
        *,
        tenant: Pubkey,
        provider_owner: Pubkey,
        dseq: int,
        gseq: int,
        oseq: int,
        rate_uact_per_hour: int,
        escrow_uact: int,
        unwithdrawn_uact: int,
        overdrawn_uact: int,
        settled_at: int,
    ) -> Instruction:
        args = ix.MigrateLeaseArgs(
            dseq=_u64("dseq", dseq),
            gseq=_check_int("gseq", gseq, 0, U32_MAX),
            oseq=_check_int("oseq", oseq, 0, U32_MAX),
            rate_uact_per_hour=_u64("rate_uact_per_hour", rate_uact_per_hour),
            escrow_uact=_u64("escrow_uact", escrow_uact),
            unwithdrawn_uact=_u64("unwithdrawn_uact", unwithdrawn_uact),
            overdrawn_uact=_u64("overdrawn_uact", overdrawn_uact),
            settled_at=_check_int("settled_at", settled_at, I64_MIN, I64_MAX),
        )
        accounts = ix.MigrateLeaseAccounts(
            authority=authority,
            tenant=_pubkey("tenant", tenant),
            provider=self.provider_address(_pubkey("provider_owner", provider_owner)),
        )
        return ix.migrate_lease(args, accounts, program_id=self.program_id)

    def migrate_balance_ix(
        self, authority: Pubkey, cosmos_address: bytes, amount_uakt: int, *, recipient_akt: Pubkey
    ) -> Instruction:
        return ix.migrate_balance(
            ix.MigrateBalanceArgs(
                cosmos_address=_cosmos_address(cosmos_address), amount_uakt=_u64("amount_uakt", amount_uakt)
            ),
            ix.MigrateBalanceAccounts(
                authority=authority, recipient_akt=recipient_akt, akt_mint=self.akt_mint
            ),
            program_id=self.program_id,
        )

    def migrate_vault_ix(self, authority: Pubkey, remint_credits_uakt: int) -> Instruction:
        return ix.migrate_vault(
            ix.MigrateVaultArgs(remint_credits_uakt=_u64("remint_credits_uakt", remint_credits_uakt)),
            ix.MigrateVaultAccounts(authority=authority),
            program_id=self.program_id,
        )

    async def migrate_provider(
        self, authority: Keypair, owner: Pubkey, cosmos_address: bytes, host_uri: str
    ) -> TxResult:
        return await self.send(
            [self.migrate_provider_ix(authority.pubkey(), owner, cosmos_address, host_uri)], [authority]
        )

    async def migrate_lease(self, authority: Keypair, **fields: int | Pubkey) -> TxResult:
        """Fields as in `migrate_lease_ix` (tenant, provider_owner, dseq, gseq, oseq, rates and balances)."""
        return await self.send([self.migrate_lease_ix(authority.pubkey(), **fields)], [authority])  # type: ignore[arg-type]

    async def migrate_balance(
        self, authority: Keypair, cosmos_address: bytes, amount_uakt: int, *, recipient_akt: Pubkey
    ) -> TxResult:
        instruction = self.migrate_balance_ix(
            authority.pubkey(), cosmos_address, amount_uakt, recipient_akt=recipient_akt
        )
        return await self.send([instruction], [authority])

    async def migrate_vault(self, authority: Keypair, remint_credits_uakt: int) -> TxResult:
        return await self.send([self.migrate_vault_ix(authority.pubkey(), remint_credits_uakt)], [authority])

    async def finalize_migration(self, authority: Keypair) -> TxResult:
        instruction = ix.finalize_migration(
            ix.FinalizeMigrationArgs(),
            ix.FinalizeMigrationAccounts(authority=authority.pubkey()),
            program_id=self.program_id,
        )
        return await self.send([instruction], [authority])

    # -- reading -------------------------------------------------------------------------------------

    async def config(self) -> g.accounts.Config:
        config = await g.accounts.Config.fetch(self.connection, self.config_address)
        if config is None:
            raise LookupError(f"no config at {self.config_address}: run initialize first")
        return config

    async def price_feed(self) -> g.accounts.PriceFeed:
        feed = await g.accounts.PriceFeed.fetch(self.connection, self.price_feed_address())
        if feed is None:
            raise LookupError("no price feed: run initialize first")
        return feed

    async def _config_and_feed(self) -> tuple[g.accounts.Config, g.accounts.PriceFeed]:
        config = await self.load()
        return config, await self.price_feed()

    async def provider(self, owner: Pubkey) -> g.accounts.Provider | None:
        return await self.provider_by_address(self.provider_address(_pubkey("owner", owner)))

    async def provider_by_address(self, address: Pubkey) -> g.accounts.Provider | None:
        return await g.accounts.Provider.fetch(self.connection, address)

    async def lease(self, address: Pubkey) -> g.accounts.Lease | None:
        return await g.accounts.Lease.fetch(self.connection, _pubkey("lease", address))

    async def _leases(self, offset: int, key: Pubkey) -> list[tuple[Pubkey, g.accounts.Lease]]:
        filters = [Memcmp(0, g.accounts.Lease.DISCRIMINATOR), Memcmp(offset, bytes(key))]
        found = await self.connection.get_program_accounts(self.program_id, filters)
        return sorted(
            ((address, g.accounts.Lease.decode(info.data)) for address, info in found),
            key=lambda p: str(p[0]),
        )

    async def leases_by_tenant(self, tenant: Pubkey) -> list[tuple[Pubkey, g.accounts.Lease]]:
        return await self._leases(_LEASE_TENANT_OFFSET, _pubkey("tenant", tenant))

    async def leases_by_provider(self, provider_owner: Pubkey) -> list[tuple[Pubkey, g.accounts.Lease]]:
        return await self._leases(
            _LEASE_PROVIDER_OFFSET, self.provider_address(_pubkey("provider_owner", provider_owner))
        )

    async def vault_status(self) -> VaultStatus:
        config, feed = await self._config_and_feed()
        now = await self.connection.get_unix_time()
        params = config.params
        status, cr = mint_status(
            StatusInputs(
                price=feed.price,
                expo=feed.expo,
                conf=feed.conf,
                publish_time=feed.publish_time,
                remint_credits_uakt=config.remint_credits_uakt,
                act_outstanding_uact=config.act_outstanding_uact,
                circuit_breaker_warn_bps=params.circuit_breaker_warn_bps,
                circuit_breaker_halt_bps=params.circuit_breaker_halt_bps,
                max_price_age_secs=params.max_price_age_secs,
                max_conf_bps=params.max_conf_bps,
            ),
            now,
        )
        return VaultStatus(
            remint_credits_uakt=config.remint_credits_uakt,
            act_outstanding_uact=config.act_outstanding_uact,
            total_akt_burned=config.total_akt_burned,
            total_akt_minted=config.total_akt_minted,
            total_akt_migrated=config.total_akt_migrated,
            collateral_ratio_bps=cr,
            status=status,
            stored_status=MintStatus(int(config.mint_status)),
            price=feed.price,
            expo=feed.expo,
            paused=config.paused,
        )

    async def events(self) -> AsyncIterator[tuple[Signature, g.Event]]:
        """Decoded events of successful transactions, as `logsSubscribe` delivers them."""
        async with self.connection.subscribe_logs(self.program_id) as subscription:
            async for notification in subscription:
                if notification.err is not None:
                    continue
                for event in g.decode_events(notification.logs, self.program_id):
                    yield notification.signature, event
