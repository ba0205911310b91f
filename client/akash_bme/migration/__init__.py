"""Migration of Akash's Cosmos state (providers, leases with escrow, AKT balances, the BME vault).

Stages are separate modules passing frozen values: `read` (genesis export or saved REST pages →
`Snapshot`), `plan` (`Snapshot` + address map → deterministic `Plan`, no network), `apply` (the plan's
actions on chain, journaled and resumable), `verify` (every migrated account read back; `finalize`).
"""

from __future__ import annotations

from akash_bme.migration._bech32 import (
    AKASH_HRP,
    Bech32ChecksumError,
    Bech32Error,
    Bech32FormatError,
    Bech32PayloadError,
    Bech32PrefixError,
    bech32_decode,
    bech32_encode,
    decode_akash_address,
    encode_akash_address,
)
from akash_bme.migration.apply import (
    ActionFailure,
    ApplyError,
    ApplyProgress,
    ApplySummary,
    JournalRow,
    apply_plan,
    read_journal,
)
from akash_bme.migration.model import (
    Action,
    ActionKind,
    Conversions,
    HeightTime,
    MigrateBalance,
    MigrateLease,
    MigrateProvider,
    MigrateVault,
    MigrationInputError,
    Origin,
    Plan,
    PlanTotals,
    Skipped,
    Snapshot,
    plan_digest,
    plan_from_json,
    plan_to_json,
)
from akash_bme.migration.plan import AddressMap, build_plan, load_address_map, split_largest_remainder
from akash_bme.migration.read import read_genesis, read_rest_pages, read_source
from akash_bme.migration.verify import (
    MigrationNotVerified,
    Mismatch,
    Reconciliation,
    VerifyReport,
    finalize,
    verify_plan,
)

__all__ = [
    "AKASH_HRP",
    "Action",
    "ActionFailure",
    "ActionKind",
    "AddressMap",
    "ApplyError",
    "ApplyProgress",
    "ApplySummary",
    "Bech32ChecksumError",
    "Bech32Error",
    "Bech32FormatError",
    "Bech32PayloadError",
    "Bech32PrefixError",
    "Conversions",
    "HeightTime",
    "JournalRow",
    "MigrateBalance",
    "MigrateLease",
    "MigrateProvider",
    "MigrateVault",
    "MigrationInputError",
    "MigrationNotVerified",
    "Mismatch",
    "Origin",
    "Plan",
    "PlanTotals",
    "Reconciliation",
    "Skipped",
    "Snapshot",
    "VerifyReport",
    "apply_plan",
    "bech32_decode",
    "bech32_encode",
    "build_plan",
    "decode_akash_address",
    "encode_akash_address",
    "finalize",
    "load_address_map",
    "plan_digest",
    "plan_from_json",
    "plan_to_json",
    "read_genesis",
    "read_journal",
    "read_rest_pages",
    "read_source",
    "split_largest_remainder",
    "verify_plan",
]
