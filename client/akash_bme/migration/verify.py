"""Stage 4, `verify` (and `finalize`): read every migrated account back and reconcile it with the plan.

Each planned account is fetched (`getMultipleAccounts`, 100 at a time) and compared field by field; the
config and the AKT mint are reconciled against the plan's totals, and the program's accounts of each kind
are counted, so an account that is missing, altered or extra is named. The comparison is exact: run it
right after `apply`, before the migrated accounts start living (a `settle` moves escrow).

`finalize` closes the migration for good, and only after a clean verify.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from .. import generated as g
from .._client import BmeClient, TxResult
from .._errors import BmeError
from ..connection import Memcmp
from ..generated.types import LeaseState, MigrationKind
from .model import Plan

__all__ = ["MigrationNotVerified", "Mismatch", "Reconciliation", "VerifyReport", "finalize", "verify_plan"]

T = TypeVar("T")
_MINT_SUPPLY = slice(36, 44)  # SPL Token Mint: mint_authority option (36 bytes), then supply u64 LE


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One account (or total) that differs from the plan: which, which field, expected and found."""

    kind: str
    action_id: str
    account: str
    field: str
    expected: str
    actual: str

    def __str__(self) -> str:
        where = f"{self.kind} {self.account} ({self.action_id})"
        return f"{where}: {self.field} expected {self.expected}, found {self.actual}"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """One line of the verify table: a count or a sum per kind, as planned and as found on chain."""

    kind: str
    quantity: str
    plan: int
    chain: int

    @property
    def ok(self) -> bool:
        return self.plan == self.chain


@dataclass(frozen=True, slots=True)
class VerifyReport:
    rows: tuple[Reconciliation, ...]
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(row.ok for row in self.rows)


class MigrationNotVerified(BmeError):
    """`finalize` refused: the chain does not match the plan."""

    def __init__(self, report: VerifyReport) -> None:
        bad = [str(m) for m in report.mismatches[:5]] + [
            f"{r.kind} {r.quantity}: plan {r.plan}, chain {r.chain}" for r in report.rows if not r.ok
        ]
        super().__init__(f"verify found {len(report.mismatches)} mismatching accounts: " + "; ".join(bad))
        self.report = report


class _Checker:
    def __init__(self) -> None:
        self.mismatches: list[Mismatch] = []

    def compare(
        self, kind: str, action_id: str, account: Pubkey, fields: Sequence[tuple[str, Any, Any]]
    ) -> None:
        for name, expected, actual in fields:
            if expected != actual:
                self.mismatches.append(
                    Mismatch(kind, action_id, str(account), name, str(expected), str(actual))
                )

    def decode(
        self, kind: str, action_id: str, account: Pubkey, data: bytes | None, decoder: Callable[[bytes], T]
    ) -> T | None:
        if data is None:
            self.mismatches.append(Mismatch(kind, action_id, str(account), "account", "present", "missing"))
            return None
        try:
            return decoder(data)
        except Exception as exc:  # a tampered account may not even decode: report it, keep going
            self.mismatches.append(Mismatch(kind, action_id, str(account), "data", "decodable", str(exc)))
            return None


async def _fetch(client: BmeClient, addresses: Sequence[Pubkey]) -> list[bytes | None]:
    infos = await client.connection.get_multiple_accounts(addresses)
    return [None if info is None or info.owner != client.program_id else info.data for info in infos]


async def _count(client: BmeClient, discriminator: bytes) -> int:
    return len(await client.connection.get_program_accounts(client.program_id, [Memcmp(0, discriminator)]))


async def _providers(plan: Plan, client: BmeClient, check: _Checker) -> None:
    pk = Pubkey.from_string
    addresses = [client.provider_address(pk(a.owner)) for a in plan.providers]
    for action, address, data in zip(plan.providers, addresses, await _fetch(client, addresses), strict=True):
        found = check.decode("provider", action.action_id, address, data, g.accounts.Provider.decode)
        if found is not None:
            check.compare(
                "provider",
                action.action_id,
                address,
                [
                    ("owner", action.owner, str(found.owner)),
                    ("cosmos_address", action.cosmos_address_bytes.hex(), found.cosmos_address.hex()),
                    ("host_uri", action.host_uri, found.host_uri.rstrip(b"\0").decode(errors="replace")),
                ],
            )


_LEASE_SUMS = ("rate_uact_per_hour", "escrow_uact", "unwithdrawn_uact", "overdrawn_uact")


async def _leases(plan: Plan, client: BmeClient, check: _Checker) -> dict[str, int]:
    """Checks every lease; returns the chain's sums of `_LEASE_SUMS` over the leases found."""
    pk = Pubkey.from_string
    providers = [client.provider_address(pk(a.provider_owner)) for a in plan.leases]
    addresses = [
        client.lease_address(pk(a.tenant), provider, a.dseq, a.gseq, a.oseq)
        for a, provider in zip(plan.leases, providers, strict=True)
    ]
    sums = dict.fromkeys(_LEASE_SUMS, 0)
    found = await _fetch(client, addresses)
    for action, provider, address, data in zip(plan.leases, providers, addresses, found, strict=True):
        lease = check.decode("lease", action.action_id, address, data, g.accounts.Lease.decode)
        if lease is None:
            continue
        for name in _LEASE_SUMS:
            sums[name] += getattr(lease, name)
        # The program derives the state from the debt: overdrawn leases are InsufficientFunds.
        state = LeaseState.InsufficientFunds if action.overdrawn_uact else LeaseState.Active
        check.compare(
            "lease",
            action.action_id,
            address,
            [
                ("tenant", action.tenant, str(lease.tenant)),
                ("provider", str(provider), str(lease.provider)),
                ("dseq", action.dseq, lease.dseq),
                ("gseq", action.gseq, lease.gseq),
                ("oseq", action.oseq, lease.oseq),
                ("state", state.name, LeaseState(int(lease.state)).name),
                ("migrated", True, lease.migrated),
                *((name, getattr(action, name), getattr(lease, name)) for name in _LEASE_SUMS),
                ("settled_at", action.settled_at, lease.settled_at),
            ],
        )
    return sums


async def _balances(plan: Plan, client: BmeClient, check: _Checker) -> int:
    """Checks every migration record; returns the sum of the amounts found."""
    addresses = [client.migration_record_address(a.cosmos_address_bytes) for a in plan.balances]
    migrated = 0
    for action, address, data in zip(plan.balances, addresses, await _fetch(client, addresses), strict=True):
        record = check.decode("balance", action.action_id, address, data, g.accounts.MigrationRecord.decode)
        if record is None:
            continue
        migrated += record.amount_uakt
        recipient_akt = client.akt_account(Pubkey.from_string(action.recipient))
        check.compare(
            "balance",
            action.action_id,
            address,
            [
                ("cosmos_address", action.cosmos_address_bytes.hex(), record.cosmos_address.hex()),
                ("kind", MigrationKind.Balance.name, MigrationKind(int(record.kind)).name),
                ("recipient", str(recipient_akt), str(record.recipient)),
                ("amount_uakt", action.amount_uakt, record.amount_uakt),
            ],
        )
    return migrated


async def verify_plan(plan: Plan, client: BmeClient) -> VerifyReport:
    """Reads back every account `plan` migrates, the config and the AKT mint; lists every difference."""
    config = await client.load()
    check = _Checker()
    await _providers(plan, client, check)
    chain_sums = await _leases(plan, client, check)
    migrated_uakt = await _balances(plan, client, check)
    vault_id = plan.vault.action_id if plan.vault else "vault"
    check.compare(
        "vault",
        vault_id,
        client.config_address,
        [("vault_migrated", plan.vault is not None, config.vault_migrated)],
    )

    mint = await client.connection.get_account_data(client.akt_mint)
    supply = int.from_bytes(mint[_MINT_SUPPLY], "little") if mint else 0
    totals = plan.totals
    rows = (
        Reconciliation(
            "providers", "accounts", totals.providers, await _count(client, g.accounts.Provider.DISCRIMINATOR)
        ),
        Reconciliation(
            "leases", "accounts", totals.leases, await _count(client, g.accounts.Lease.DISCRIMINATOR)
        ),
        Reconciliation(
            "leases", "rate_uact_per_hour", totals.lease_rate_uact_per_hour, chain_sums["rate_uact_per_hour"]
        ),
        Reconciliation("leases", "escrow_uact", totals.lease_escrow_uact, chain_sums["escrow_uact"]),
        Reconciliation(
            "leases", "unwithdrawn_uact", totals.lease_unwithdrawn_uact, chain_sums["unwithdrawn_uact"]
        ),
        Reconciliation("leases", "overdrawn_uact", totals.lease_overdrawn_uact, chain_sums["overdrawn_uact"]),
        Reconciliation(
            "config",
            "total_act_migrated",
            totals.lease_escrow_uact + totals.lease_unwithdrawn_uact,
            config.total_act_migrated,
        ),
        Reconciliation(
            "balances",
            "records",
            totals.balances,
            await _count(client, g.accounts.MigrationRecord.DISCRIMINATOR),
        ),
        Reconciliation("balances", "amount_uakt", totals.balance_uakt, migrated_uakt),
        Reconciliation("config", "total_akt_migrated", totals.balance_uakt, config.total_akt_migrated),
        # What the mint holds beyond the migration is what the program minted and burned since.
        Reconciliation(
            "mint",
            "AKT supply",
            totals.balance_uakt + config.total_akt_minted - config.total_akt_burned,
            supply,
        ),
        Reconciliation(
            "vault", "remint_credits_uakt", totals.vault_remint_credits_uakt, config.remint_credits_uakt
        ),
    )
    return VerifyReport(rows, tuple(check.mismatches))


async def finalize(plan: Plan, client: BmeClient, authority: Keypair) -> TxResult:
    """Verifies, then calls `finalize_migration` (irreversible); raises `MigrationNotVerified` otherwise."""
    report = await verify_plan(plan, client)
    if not report.ok:
        raise MigrationNotVerified(report)
    return await client.finalize_migration(authority)
