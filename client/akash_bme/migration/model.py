"""Values passed between the migration stages: the Cosmos snapshot `read` produces and the plan `plan` builds.

Every value is a frozen dataclass. Source entries carry an `Origin` (file and JSON path) that takes no
part in equality, so the same Cosmos entry read from a genesis export and from a REST page compares equal.
Plan actions carry a stable `action_id` derived from Cosmos identities only (never from a file name), so
`apply` can journal by it and `verify` can reconcile counts and sums per kind.

Plan JSON is deterministic: sorted keys, actions sorted by `action_id`, amounts as integers, decimals as
strings. Its `digest` is the SHA-256 of the canonical document without origins, so two plans built from
the two source forms of the same state have the same digest and the same canonical bytes.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from akash_bme._errors import BmeError
from akash_bme.migration._bech32 import decode_akash_address

__all__ = [
    "PLAN_FORMAT",
    "Action",
    "ActionKind",
    "BankBalance",
    "Coin",
    "Conversions",
    "DecCoin",
    "Deployment",
    "EscrowAccount",
    "HeightTime",
    "Lease",
    "MigrateBalance",
    "MigrateLease",
    "MigrateProvider",
    "MigrateVault",
    "MigrationInputError",
    "Origin",
    "Payment",
    "Plan",
    "PlanTotals",
    "Provider",
    "Skipped",
    "Snapshot",
    "Vault",
    "plan_digest",
    "plan_from_json",
    "plan_to_json",
]

PLAN_FORMAT = "akash-bme-migration-plan/1"


class MigrationInputError(BmeError):
    """A source file, an entry in it, or the address map is malformed; names the file and the entry."""

    def __init__(self, file: str, entry: str, message: str) -> None:
        super().__init__(f"{file}: {entry}: {message}")
        self.file = file
        self.entry = entry
        self.message = message


# --- the Cosmos snapshot ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Origin:
    """Where an entry was read: a file (relative to the source) and a JSON path inside it."""

    file: str
    entry: str


@dataclass(frozen=True, slots=True)
class Coin:
    """`cosmos.base.v1beta1.Coin`: an integer amount."""

    denom: str
    amount: int


@dataclass(frozen=True, slots=True)
class DecCoin:
    """`DecCoin` / escrow `Balance`: an 18-decimal amount, kept exact."""

    denom: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Provider:
    owner: str
    host_uri: str
    origin: Origin = field(compare=False)


@dataclass(frozen=True, slots=True)
class Deployment:
    owner: str
    dseq: int
    state: str
    created_at: int
    origin: Origin = field(compare=False)


@dataclass(frozen=True, slots=True)
class EscrowAccount:
    """Escrow v1 account; for a deployment `xid` is `owner/dseq` and `funds` is what is left to pay out."""

    scope: str
    xid: str
    owner: str
    state: str
    settled_at: int
    funds: tuple[DecCoin, ...]
    origin: Origin = field(compare=False)


@dataclass(frozen=True, slots=True)
class Lease:
    owner: str
    dseq: int
    gseq: int
    oseq: int
    provider: str
    bseq: int
    state: str
    price: DecCoin
    created_at: int
    closed_on: int
    reason: str
    origin: Origin = field(compare=False)

    @property
    def key(self) -> str:
        """Akash's LeaseID without bseq, the form used in action ids and reports."""
        return f"{self.owner}/{self.dseq}/{self.gseq}/{self.oseq}/{self.provider}"


@dataclass(frozen=True, slots=True)
class Payment:
    """Escrow v1 payment: `account_xid` is its account's xid (`owner/dseq`), `xid` is `gseq/oseq/provider`."""

    account_scope: str
    account_xid: str
    xid: str
    owner: str
    state: str
    rate: DecCoin
    balance: DecCoin
    unsettled: DecCoin
    withdrawn: Coin
    origin: Origin = field(compare=False)


@dataclass(frozen=True, slots=True)
class BankBalance:
    """One address's bank coins; REST balance pages of one address may spread over several files."""

    address: str
    coins: tuple[Coin, ...]
    origins: tuple[Origin, ...] = field(compare=False)


@dataclass(frozen=True, slots=True)
class Vault:
    """The x/bme vault: genesis `bme.state` or the `/akash/bme/v1/vault` `vault_state`."""

    remint_credits: tuple[Coin, ...]
    total_burned: tuple[Coin, ...]
    total_minted: tuple[Coin, ...]
    origin: Origin = field(compare=False)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The Cosmos state a source holds, each collection sorted by its Cosmos key."""

    form: str  # "genesis" | "rest"
    providers: tuple[Provider, ...]
    deployments: tuple[Deployment, ...]
    accounts: tuple[EscrowAccount, ...]
    leases: tuple[Lease, ...]
    payments: tuple[Payment, ...]
    balances: tuple[BankBalance, ...]
    vault: Vault | None
    ignored: tuple[Origin, ...] = ()  # recognised pages that carry nothing to migrate (bids, orders, ...)


# --- the plan -----------------------------------------------------------------------------------------


class ActionKind(enum.StrEnum):
    """Same order as the program's `MigrationKind`; apply runs providers before the leases that need them."""

    PROVIDER = "provider"
    LEASE = "lease"
    BALANCE = "balance"
    VAULT = "vault"


@dataclass(frozen=True, slots=True)
class HeightTime:
    height: int
    unix: int


@dataclass(frozen=True, slots=True)
class Conversions:
    """The explicit conversions a plan was built with (no silent defaults)."""

    blocks_per_hour: Decimal
    height_time: HeightTime
    block_time_ms: int

    def height_to_unix(self, height: int) -> int:
        """Unix seconds of a block height: anchor + floor((height - anchor height) x block time)."""
        return self.height_time.unix + (height - self.height_time.height) * self.block_time_ms // 1000


@dataclass(frozen=True, slots=True)
class MigrateProvider:
    """`migrate_provider(cosmos_address, host_uri)` for the Solana `owner`."""

    action_id: str
    cosmos_address: str
    owner: str
    host_uri: str
    origins: tuple[Origin, ...] = field(compare=False)

    kind = ActionKind.PROVIDER

    @property
    def cosmos_address_bytes(self) -> bytes:
        return decode_akash_address(self.cosmos_address)


@dataclass(frozen=True, slots=True)
class MigrateLease:
    """`migrate_lease(...)`; `provider_owner` is the Solana owner whose Provider PDA the lease points at."""

    action_id: str
    tenant_cosmos: str
    tenant: str
    provider_cosmos: str
    provider_owner: str
    dseq: int
    gseq: int
    oseq: int
    state: str  # "active" | "insufficient_funds", as on Cosmos
    rate_uact_per_hour: int
    escrow_uact: int
    unwithdrawn_uact: int
    overdrawn_uact: int
    settled_at: int
    settled_at_height: int
    origins: tuple[Origin, ...] = field(compare=False)

    kind = ActionKind.LEASE


@dataclass(frozen=True, slots=True)
class MigrateBalance:
    """`migrate_balance(cosmos_address, amount_uakt)` minting to `recipient`'s AKT token account."""

    action_id: str
    cosmos_address: str
    recipient: str
    amount_uakt: int
    origins: tuple[Origin, ...] = field(compare=False)

    kind = ActionKind.BALANCE

    @property
    def cosmos_address_bytes(self) -> bytes:
        return decode_akash_address(self.cosmos_address)


@dataclass(frozen=True, slots=True)
class MigrateVault:
    """`migrate_vault(remint_credits_uakt)`."""

    action_id: str
    remint_credits_uakt: int
    origins: tuple[Origin, ...] = field(compare=False)

    kind = ActionKind.VAULT


Action = MigrateProvider | MigrateLease | MigrateBalance | MigrateVault


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry left out of the migration: `kind` says what it is, `key` its Cosmos identity."""

    kind: str
    key: str
    reason: str
    detail: str
    origins: tuple[Origin, ...] = field(compare=False)


@dataclass(frozen=True, slots=True)
class PlanTotals:
    """Counts and sums per kind: what `verify` reconciles against the chain."""

    providers: int
    leases: int
    leases_active: int
    leases_insufficient_funds: int
    lease_rate_uact_per_hour: int
    lease_escrow_uact: int
    lease_unwithdrawn_uact: int
    lease_overdrawn_uact: int
    balances: int
    balance_uakt: int
    vault_remint_credits_uakt: int
    skipped: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Every action sorted by `action_id`, everything skipped and why, and the conversions used."""

    conversions: Conversions
    providers: tuple[MigrateProvider, ...]
    leases: tuple[MigrateLease, ...]
    balances: tuple[MigrateBalance, ...]
    vault: MigrateVault | None
    skipped: tuple[Skipped, ...]
    truncated_uact: Mapping[str, Decimal]  # fractional uact dropped, per source field

    @property
    def actions(self) -> tuple[Action, ...]:
        """All actions in apply order: providers, leases (which need providers), balances, vault."""
        vault: tuple[Action, ...] = (self.vault,) if self.vault else ()
        return (*self.providers, *self.leases, *self.balances, *vault)

    @property
    def totals(self) -> PlanTotals:
        return PlanTotals(
            providers=len(self.providers),
            leases=len(self.leases),
            leases_active=sum(1 for lease in self.leases if lease.state == "active"),
            leases_insufficient_funds=sum(1 for lease in self.leases if lease.state == "insufficient_funds"),
            lease_rate_uact_per_hour=sum(lease.rate_uact_per_hour for lease in self.leases),
            lease_escrow_uact=sum(lease.escrow_uact for lease in self.leases),
            lease_unwithdrawn_uact=sum(lease.unwithdrawn_uact for lease in self.leases),
            lease_overdrawn_uact=sum(lease.overdrawn_uact for lease in self.leases),
            balances=len(self.balances),
            balance_uakt=sum(balance.amount_uakt for balance in self.balances),
            vault_remint_credits_uakt=self.vault.remint_credits_uakt if self.vault else 0,
            skipped=len(self.skipped),
        )


# --- JSON ---------------------------------------------------------------------------------------------

_ORIGINS = "origins"
_ACTION_TYPES: dict[str, type[Action]] = {
    ActionKind.PROVIDER: MigrateProvider,
    ActionKind.LEASE: MigrateLease,
    ActionKind.BALANCE: MigrateBalance,
    ActionKind.VAULT: MigrateVault,
}


def _record(value: Action | Skipped, *, origins: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        name: getattr(value, name) for name in value.__dataclass_fields__ if name != _ORIGINS
    }
    if origins:
        record[_ORIGINS] = [{"file": o.file, "entry": o.entry} for o in value.origins]
    return record


def _canonical(plan: Plan, *, origins: bool) -> dict[str, Any]:
    conv = plan.conversions
    return {
        "format": PLAN_FORMAT,
        "conversions": {
            "blocks_per_hour": format(conv.blocks_per_hour, "f"),
            "height_time": {"height": conv.height_time.height, "unix": conv.height_time.unix},
            "block_time_ms": conv.block_time_ms,
        },
        "actions": {
            kind.value: [_record(a, origins=origins) for a in plan.actions if a.kind == kind]
            for kind in ActionKind
        },
        "skipped": [_record(s, origins=origins) for s in plan.skipped],
        "truncated_uact": {name: format(value, "f") for name, value in sorted(plan.truncated_uact.items())},
        "totals": {name: getattr(plan.totals, name) for name in PlanTotals.__dataclass_fields__},
    }


def _dumps(document: Mapping[str, Any]) -> str:
    # Compact: the C encoder only runs without indent, and a mainnet-sized plan is tens of megabytes.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def plan_digest(plan: Plan) -> str:
    """SHA-256 of the canonical plan without origins: equal for equal plans whatever the source form."""
    return hashlib.sha256(_dumps(_canonical(plan, origins=False)).encode()).hexdigest()


def plan_to_json(plan: Plan, *, origins: bool = True) -> str:
    """The plan file. With `origins=False` the bytes depend only on the Cosmos state and the conversions."""
    document = _canonical(plan, origins=origins)
    document["digest"] = plan_digest(plan)
    return _dumps(document)


def _origins_of(record: Mapping[str, Any]) -> tuple[Origin, ...]:
    return tuple(Origin(o["file"], o["entry"]) for o in record.get(_ORIGINS, ()))


def _load_action(kind: str, record: Mapping[str, Any]) -> Action:
    fields = {name: value for name, value in record.items() if name != _ORIGINS}
    return _ACTION_TYPES[kind](**fields, origins=_origins_of(record))


def plan_from_json(text: str) -> Plan:
    """Read a plan file back; refuses one whose digest or totals do not match its actions."""
    document = json.loads(text)
    if document.get("format") != PLAN_FORMAT:
        raise ValueError(f"not a migration plan of format {PLAN_FORMAT!r}")
    conv = document["conversions"]
    actions: dict[str, Sequence[Any]] = {
        kind: [_load_action(kind, record) for record in document["actions"][kind]] for kind in ActionKind
    }
    vaults = actions[ActionKind.VAULT]
    plan = Plan(
        conversions=Conversions(
            blocks_per_hour=Decimal(conv["blocks_per_hour"]),
            height_time=HeightTime(**conv["height_time"]),
            block_time_ms=conv["block_time_ms"],
        ),
        providers=tuple(actions[ActionKind.PROVIDER]),
        leases=tuple(actions[ActionKind.LEASE]),
        balances=tuple(actions[ActionKind.BALANCE]),
        vault=vaults[0] if vaults else None,
        skipped=tuple(
            Skipped(**{k: v for k, v in s.items() if k != _ORIGINS}, origins=_origins_of(s))
            for s in document["skipped"]
        ),
        truncated_uact={name: Decimal(value) for name, value in document["truncated_uact"].items()},
    )
    if plan_digest(plan) != document.get("digest"):
        raise ValueError("plan digest does not match its content (edited or corrupted plan file)")
    return plan
