"""Turn a Cosmos `Snapshot` and an address map into a deterministic migration `Plan` (no network).

Rules (from issue 5 and DESIGN §7), with the decisions this module takes:
- A lease migrates when its state is `active` or `insufficient_funds`; it is joined with its escrow payment
  (account xid `owner/dseq`, payment xid `gseq/oseq/provider`) and its deployment's escrow account. A missing
  payment or account, or a closed payment under an active lease, is a malformed source (an error).
- The account's remaining `uact` funds, truncated to whole uact, are split over all its active `uact`-priced
  leases in proportion to their rates by largest remainder (ties to the lower lease key), so the shares sum
  exactly to the funds. The split does not depend on the address map: a lease skipped for an unmapped
  address keeps its share out of the migration and the report says how much.
- Payment `balance` → `unwithdrawn_uact`, `unsettled` → `overdrawn_uact`, both truncated to whole uact;
  every dropped fraction is summed per source field in `Plan.truncated_uact`.
- `rate_uact_per_hour = floor(rate per block x blocks_per_hour)` computed exactly in Decimal (rounds in the
  tenant's favour by under 1 uact per hour).
- `settled_at` (the account's settlement height) becomes unix seconds through the anchor:
  `unix + floor((height - anchor height) x block_time_ms / 1000)`.
- The vault's `remint_credits` in `uakt` (x/bme `State.remint_credits`, genesis `bme.state.remint_credits`)
  is the program's `remint_credits_uakt`: both count AKT burned into ACT that can be minted back without new
  supply. `total_burned`/`total_minted` are history and are not carried over.
- Bank `uakt` balances become `migrate_balance`; other denoms, escrow in denoms other than `uact`, funds of
  deployments without an active lease and bid deposits are reported as skipped, never converted.
- Unmapped addresses are reported, never guessed; a provider's host_uri must be 1..128 bytes of UTF-8.
"""

from __future__ import annotations

import csv
import decimal
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from solders.pubkey import Pubkey

from akash_bme.migration._bech32 import Bech32Error, decode_akash_address
from akash_bme.migration.model import (
    Conversions,
    EscrowAccount,
    HeightTime,
    Lease,
    MigrateBalance,
    MigrateLease,
    MigrateProvider,
    MigrateVault,
    MigrationInputError,
    Origin,
    Payment,
    Plan,
    Skipped,
    Snapshot,
)

__all__ = ["AddressMap", "build_plan", "load_address_map", "split_largest_remainder"]

U64_MAX = (1 << 64) - 1
HOST_URI_MAX_BYTES = 128
ACT = "uact"
AKT = "uakt"
ADDRESS_MAP_HEADER = ("akash_address", "solana_pubkey")
_MIGRATED_LEASE_STATES = ("active", "insufficient_funds")
# DecCoin amounts have 18 decimals and up to 20+ integer digits: do Decimal arithmetic without rounding.
_EXACT = decimal.Context(prec=100, traps=[decimal.Inexact, decimal.InvalidOperation])


@dataclass(frozen=True, slots=True)
class AddressMap:
    """Akash address → Solana public key (base58), one-to-one, as read from the CSV."""

    file: str
    entries: Mapping[str, str] = field(hash=False)

    def get(self, akash_address: str) -> str | None:
        return self.entries.get(akash_address)


def load_address_map(path: str | Path) -> AddressMap:
    """Read the `akash_address,solana_pubkey` CSV; both sides validated, duplicates on either side refused.

    A Solana key mapped from two Cosmos addresses would merge two providers or collide lease PDAs, so it is
    an error too, not only a repeated Cosmos address.
    """
    path = Path(path)
    file = path.name
    by_akash: dict[str, tuple[str, int]] = {}
    by_solana: dict[str, int] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrationInputError(file, "(file)", f"cannot read the address map: {exc}") from None
    if not rows or tuple(cell.strip() for cell in rows[0]) != ADDRESS_MAP_HEADER:
        raise MigrationInputError(file, "line 1", f"header must be {','.join(ADDRESS_MAP_HEADER)}")
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        entry = f"line {line}"
        if len(row) != 2:
            raise MigrationInputError(file, entry, f"expected 2 columns, found {len(row)}")
        akash, solana = (cell.strip() for cell in row)
        try:
            decode_akash_address(akash)
        except Bech32Error as exc:
            raise MigrationInputError(
                file, entry, f"invalid akash address {akash!r}: {exc} ({type(exc).__name__})"
            ) from None
        try:
            canonical = str(Pubkey.from_string(solana))
        except ValueError as exc:
            raise MigrationInputError(file, entry, f"invalid Solana public key {solana!r}: {exc}") from None
        if canonical != solana:
            raise MigrationInputError(file, entry, f"Solana public key {solana!r} is not canonical base58")
        if akash in by_akash:
            raise MigrationInputError(file, entry, f"{akash} is already mapped on line {by_akash[akash][1]}")
        if solana in by_solana:
            raise MigrationInputError(file, entry, f"{solana} is already mapped on line {by_solana[solana]}")
        by_akash[akash] = (solana, line)
        by_solana[solana] = line
    return AddressMap(file, {akash: solana for akash, (solana, _) in by_akash.items()})


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` so that the parts sum to `total` exactly.

    Each part gets the floor of its exact share, and the units left go one each to the largest remainders
    (ties to the earlier weight). All-zero weights split evenly.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("total and weights must be non-negative")
    if not weights:
        if total:
            raise ValueError("cannot split a non-zero total over no weights")
        return []
    if not any(weights):
        weights = [1] * len(weights)
    weight_sum = sum(weights)
    parts = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _Truncation:
    def __init__(self) -> None:
        self.by_field: dict[str, Decimal] = defaultdict(Decimal)

    def whole(self, amount: Decimal, source_field: str) -> int:
        whole = int(amount)
        self.by_field[source_field] = _EXACT.add(self.by_field[source_field], _EXACT.subtract(amount, whole))
        return whole


@dataclass
class _Builder:
    snapshot: Snapshot
    addresses: AddressMap
    conversions: Conversions
    truncation: _Truncation = field(default_factory=_Truncation)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, kind: str, key: str, reason: str, detail: str, *origins: Origin) -> None:
        self.skipped.append(Skipped(kind, key, reason, detail, origins))

    def providers(self) -> list[MigrateProvider]:
        actions = []
        for provider in self.snapshot.providers:
            owner = self.addresses.get(provider.owner)
            size = len(provider.host_uri.encode())
            if not 1 <= size <= HOST_URI_MAX_BYTES:
                self.skip(
                    "provider",
                    provider.owner,
                    "invalid_host_uri",
                    f"host_uri is {size} bytes, the program stores 1..{HOST_URI_MAX_BYTES}",
                    provider.origin,
                )
            elif owner is None:
                self.skip(
                    "provider",
                    provider.owner,
                    "unmapped_address",
                    "owner not in the address map",
                    provider.origin,
                )
            else:
                actions.append(
                    MigrateProvider(
                        f"provider/{provider.owner}",
                        provider.owner,
                        owner,
                        provider.host_uri,
                        (provider.origin,),
                    )
                )
        return actions

    def leases(self, providers: Sequence[MigrateProvider]) -> list[MigrateLease]:
        accounts = {a.xid: a for a in self.snapshot.accounts if a.scope == "deployment"}
        payments = {
            (p.account_xid, p.xid): p for p in self.snapshot.payments if p.account_scope == "deployment"
        }
        provider_owner = {p.cosmos_address: p.owner for p in providers}
        active: dict[str, list[tuple[Lease, Payment]]] = defaultdict(list)
        live: set[str] = set()
        for lease in self.snapshot.leases:
            if lease.state not in _MIGRATED_LEASE_STATES:
                self.skip(
                    "lease", lease.key, f"lease_{lease.state}", f"lease state is {lease.state}", lease.origin
                )
                continue
            account_xid = f"{lease.owner}/{lease.dseq}"
            payment = payments.get((account_xid, f"{lease.gseq}/{lease.oseq}/{lease.provider}"))
            where = (lease.origin.file, lease.origin.entry)
            if lease.key in live:  # two live bseqs would share one payment and one Lease PDA
                raise MigrationInputError(*where, f"a second live lease {lease.key} (bseq {lease.bseq})")
            live.add(lease.key)
            if payment is None:
                raise MigrationInputError(
                    *where,
                    f"active lease has no escrow payment {account_xid} "
                    f"{lease.gseq}/{lease.oseq}/{lease.provider}",
                )
            if payment.state == "closed":
                raise MigrationInputError(
                    *where,
                    f"active lease's escrow payment is closed "
                    f"({payment.origin.file}: {payment.origin.entry})",
                )
            if account_xid not in accounts:
                raise MigrationInputError(
                    *where, f"active lease has no deployment escrow account {account_xid}"
                )
            if any(coin.denom != ACT for coin in (payment.rate, payment.balance, payment.unsettled)):
                self.skip(
                    "lease",
                    lease.key,
                    "unsupported_denom",
                    f"escrow payment in {payment.rate.denom}, only {ACT} migrates",
                    lease.origin,
                    payment.origin,
                )
                continue
            active[account_xid].append((lease, payment))

        actions = []
        for account in self.snapshot.accounts:
            entries = active.pop(account.xid, []) if account.scope == "deployment" else []
            funds = self.funds(account, has_leases=bool(entries))
            shares = split_largest_remainder(
                funds, [int(p.rate.amount.scaleb(18, _EXACT)) for _, p in entries]
            )
            for (lease, payment), share in zip(entries, shares, strict=True):
                action = self.lease(lease, payment, account, share, provider_owner)
                if action is not None:
                    actions.append(action)
        return actions

    def funds(self, account: EscrowAccount, *, has_leases: bool) -> int:
        """The account's whole uact funds; reports funds that cannot follow a migrated lease."""
        whole = 0
        for coin in account.funds:
            if coin.amount == 0:
                continue
            if coin.denom != ACT:
                self.skip(
                    "escrow_funds",
                    account.xid,
                    "unsupported_denom",
                    f"{coin.amount} {coin.denom} in escrow, only {ACT} migrates",
                    account.origin,
                )
            elif account.scope != "deployment":
                self.skip(
                    "escrow_funds",
                    account.xid,
                    f"{account.scope}_escrow",
                    f"{coin.amount} {coin.denom} held in a {account.scope} escrow account",
                    account.origin,
                )
            elif not has_leases:
                self.skip(
                    "escrow_funds",
                    account.xid,
                    "no_active_lease",
                    f"{coin.amount} {ACT} in a deployment without an active lease",
                    account.origin,
                )
            else:
                whole = self.truncation.whole(coin.amount, "escrow_funds")
        return whole

    def lease(
        self,
        lease: Lease,
        payment: Payment,
        account: EscrowAccount,
        escrow_uact: int,
        provider_owner: Mapping[str, str],
    ) -> MigrateLease | None:
        origins = (lease.origin, payment.origin, account.origin)
        unwithdrawn = self.truncation.whole(payment.balance.amount, "payment_balance")
        overdrawn = self.truncation.whole(payment.unsettled.amount, "payment_unsettled")
        rate_per_hour = int(_EXACT.multiply(payment.rate.amount, self.conversions.blocks_per_hour))
        tenant = self.addresses.get(lease.owner)
        owner = provider_owner.get(lease.provider)
        problems = []
        if tenant is None:
            problems.append(("unmapped_address", f"tenant {lease.owner} not in the address map"))
        if owner is None:
            problems.append(("provider_not_migrated", f"provider {lease.provider} is not migrated"))
        if max(rate_per_hour, escrow_uact, unwithdrawn, overdrawn) > U64_MAX:
            problems.append(("exceeds_u64", "an amount does not fit in u64"))
        if problems:
            reason = problems[0][0]
            detail = "; ".join(text for _, text in problems)
            self.skip("lease", lease.key, reason, f"{detail}; escrow share {escrow_uact} {ACT}", *origins)
            return None
        assert tenant is not None and owner is not None
        return MigrateLease(
            action_id=f"lease/{lease.key}",
            tenant_cosmos=lease.owner,
            tenant=tenant,
            provider_cosmos=lease.provider,
            provider_owner=owner,
            dseq=lease.dseq,
            gseq=lease.gseq,
            oseq=lease.oseq,
            state=lease.state,
            rate_uact_per_hour=rate_per_hour,
            escrow_uact=escrow_uact,
            unwithdrawn_uact=unwithdrawn,
            overdrawn_uact=overdrawn,
            settled_at=self.conversions.height_to_unix(account.settled_at),
            settled_at_height=account.settled_at,
            origins=origins,
        )

    def balances(self) -> list[MigrateBalance]:
        actions = []
        for balance in self.snapshot.balances:
            for coin in balance.coins:
                if coin.amount == 0:
                    continue
                if coin.denom != AKT:
                    self.skip(
                        "balance",
                        f"{balance.address}/{coin.denom}",
                        "unsupported_denom",
                        f"{coin.amount} {coin.denom}, only {AKT} migrates",
                        *balance.origins,
                    )
                    continue
                recipient = self.addresses.get(balance.address)
                if recipient is None:
                    self.skip(
                        "balance",
                        balance.address,
                        "unmapped_address",
                        f"{coin.amount} {AKT}; address not in the address map",
                        *balance.origins,
                    )
                elif coin.amount > U64_MAX:
                    self.skip(
                        "balance", balance.address, "exceeds_u64", f"{coin.amount} {AKT}", *balance.origins
                    )
                else:
                    actions.append(
                        MigrateBalance(
                            f"balance/{balance.address}",
                            balance.address,
                            recipient,
                            coin.amount,
                            balance.origins,
                        )
                    )
        return actions

    def vault(self) -> MigrateVault | None:
        vault = self.snapshot.vault
        if vault is None:
            self.skip("vault", "vault", "missing", "the source holds no x/bme vault state")
            return None
        credits = 0
        for coin in vault.remint_credits:
            if coin.denom == AKT:
                credits = coin.amount
            elif coin.amount:
                self.skip(
                    "vault",
                    f"vault/{coin.denom}",
                    "unsupported_denom",
                    f"{coin.amount} {coin.denom} remint credits, only {AKT} migrates",
                    vault.origin,
                )
        if credits > U64_MAX:
            self.skip("vault", "vault", "exceeds_u64", f"{credits} {AKT} remint credits", vault.origin)
            return None
        return MigrateVault("vault", credits, (vault.origin,))


def _conversions(
    blocks_per_hour: Decimal | int | str, height_time: HeightTime | tuple[int, int], block_time_ms: int
) -> Conversions:
    try:
        per_hour = Decimal(blocks_per_hour)
    except decimal.InvalidOperation:
        raise ValueError(f"blocks_per_hour {blocks_per_hour!r} is not a number") from None
    if not per_hour.is_finite() or per_hour <= 0:
        raise ValueError(f"blocks_per_hour must be positive, got {blocks_per_hour!r}")
    if block_time_ms <= 0:
        raise ValueError(f"block_time_ms must be positive, got {block_time_ms!r}")
    anchor = height_time if isinstance(height_time, HeightTime) else HeightTime(*height_time)
    if anchor.height < 0:
        raise ValueError(f"anchor height must be non-negative, got {anchor.height}")
    return Conversions(per_hour.normalize(), anchor, block_time_ms)


def build_plan(
    snapshot: Snapshot,
    address_map: AddressMap,
    *,
    blocks_per_hour: Decimal | int | str,
    height_time: HeightTime | tuple[int, int],
    block_time_ms: int,
) -> Plan:
    """The plan for `snapshot` under `address_map`; the conversions are explicit and recorded in the plan.

    `height_time` is `(height, unix seconds)` of one known block. Raises `MigrationInputError` for a source
    that contradicts itself (an active lease without its payment or account).
    """
    builder = _Builder(snapshot, address_map, _conversions(blocks_per_hour, height_time, block_time_ms))
    providers = builder.providers()
    leases = builder.leases(providers)
    balances = builder.balances()
    vault = builder.vault()
    return Plan(
        conversions=builder.conversions,
        providers=tuple(sorted(providers, key=lambda a: a.action_id)),
        leases=tuple(sorted(leases, key=lambda a: a.action_id)),
        balances=tuple(sorted(balances, key=lambda a: a.action_id)),
        vault=vault,
        skipped=tuple(sorted(builder.skipped, key=lambda s: (s.kind, s.key, s.reason, s.detail))),
        truncated_uact=dict(sorted(builder.truncation.by_field.items())),
    )
