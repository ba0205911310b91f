"""Stage 3, `apply`: send a plan's actions to the program, batched, journaled and resumable.

Nothing is executed twice, whatever happens to this process:

- the program refuses to migrate anything twice (each provider, lease and balance creates a PDA, the vault
  sets `Config.vault_migrated`; a second attempt fails with `AlreadyMigrated` and, transactions being
  atomic, changes nothing);
- before a batch is first sent, every action still open in the journal is looked up on chain and what is
  already there is dropped, so a run killed between landing a transaction and journaling it only costs a
  look-up when resumed;
- the journal (sqlite) records each batch's signature as `sent` *before* the transaction leaves, then
  `confirmed` with its slot, or `failed` with the error. A batch refused because one of its actions
  landed meanwhile (`AlreadyMigrated`) is re-checked on chain and resent without what is done; a batch
  whose blockhash expired unseen can no longer land and is re-checked, re-signed and resent the same way.

Phases run in order (providers before the leases that point at them, the recipients' AKT token accounts
before the balances minted into them, the vault last); within a phase `concurrency` transactions are in
flight. Transactions are filled with as many instructions as fit in 1,232 bytes, measured on the real
serialized v0 transaction with both ComputeBudget instructions.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless
from spl.token.instructions import create_idempotent_associated_token_account

from .. import generated as g
from .._client import BmeClient
from .._errors import BlockhashExpired, BmeError, ConfirmationTimeout, TransactionError
from .._pipeline import MAX_COMPUTE_UNITS, TransactionPipeline
from .model import Action, ActionKind, MigrateBalance, MigrateLease, MigrateProvider, Plan, plan_digest

__all__ = [
    "MAX_TRANSACTION_SIZE",
    "ActionFailure",
    "ApplyError",
    "ApplyProgress",
    "ApplySummary",
    "JournalRow",
    "apply_plan",
    "read_journal",
]

MAX_TRANSACTION_SIZE = 1232
"""Bytes of a serialized transaction the cluster accepts (IPv6 MTU minus headers)."""
MAX_TRANSACTION_ACCOUNTS = 64
TOKEN_ACCOUNTS_PHASE = "token accounts"
_PHASES = (ActionKind.PROVIDER, ActionKind.LEASE, TOKEN_ACCOUNTS_PHASE, ActionKind.BALANCE, ActionKind.VAULT)
# Compute units requested per instruction: measured consumption with head-room (a creation via CPI plus,
# for balances, a mint). The limit only prices the transaction; it never changes what executes.
_COMPUTE_UNITS: dict[str, int] = {
    ActionKind.PROVIDER: 20_000,
    ActionKind.LEASE: 25_000,
    ActionKind.BALANCE: 30_000,
    ActionKind.VAULT: 5_000,
    TOKEN_ACCOUNTS_PHASE: 40_000,
}
_CONFIRM_ROUNDS = 4
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
    action_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,  -- pending | sent | confirmed | failed
    signature TEXT,        -- the last transaction carrying it; NULL when found on chain already
    slot INTEGER,
    error TEXT,
    updated_at REAL NOT NULL
);
"""


class ApplyError(BmeError):
    """The plan cannot be applied as asked (a journal of another plan, a config that does not match)."""


@dataclass(frozen=True, slots=True)
class ApplyProgress:
    """Where `apply_plan` stands: `done` of `total` items of `phase` are settled (landed, found or failed)."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[ApplyProgress], None]


@dataclass(frozen=True, slots=True)
class ActionFailure:
    action_id: str
    error: str


@dataclass(frozen=True, slots=True)
class ApplySummary:
    """What one `apply_plan` run did. `skipped` were already done (journal or chain) before being sent."""

    actions: int
    executed: int
    skipped: int
    failed: int
    transactions: int
    token_accounts_created: int
    seconds: float
    failures: tuple[ActionFailure, ...]

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.executed + self.skipped == self.actions

    @property
    def actions_per_second(self) -> float:
        return self.executed / self.seconds if self.seconds > 0 else 0.0

    @property
    def transactions_per_second(self) -> float:
        return self.transactions / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class JournalRow:
    action_id: str
    kind: str
    status: str
    signature: str | None
    slot: int | None
    error: str | None


def read_journal(path: str | Path) -> tuple[JournalRow, ...]:
    """Every journaled action, sorted by id (for reports and tests; `apply_plan` keeps its own handle)."""
    with sqlite3.connect(Path(path)) as db:
        rows = db.execute(
            "SELECT action_id, kind, status, signature, slot, error FROM actions ORDER BY action_id"
        ).fetchall()
    return tuple(JournalRow(*row) for row in rows)


class _Journal:
    """Write-ahead record of every action; each update is committed before the caller goes on."""

    def __init__(self, path: Path, plan: Plan) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + _SCHEMA)
        digest = plan_digest(plan)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'plan_digest'").fetchone()
        if row is not None and row[0] != digest:
            self.db.close()
            raise ApplyError(f"{path} journals plan {row[0]}, not this plan ({digest}): use another journal")
        now = time.time()
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('plan_digest', ?)", (digest,))
            self.db.executemany(
                "INSERT OR IGNORE INTO actions VALUES (?, ?, 'pending', NULL, NULL, NULL, ?)",
                [(a.action_id, a.kind.value, now) for a in plan.actions],
            )

    def statuses(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT action_id, status FROM actions").fetchall())

    def update(
        self,
        ids: Sequence[str],
        status: str,
        *,
        signature: Signature | None = None,
        slot: int | None = None,
        error: str | None = None,
    ) -> None:
        if not ids:
            return
        sig = None if signature is None else str(signature)
        now = time.time()
        with self.db:
            self.db.executemany(
                "UPDATE actions SET status = ?, signature = ?, slot = ?, error = ?, updated_at = ?"
                " WHERE action_id = ?",
                [(status, sig, slot, error, now, action_id) for action_id in ids],
            )

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True, slots=True)
class _Item:
    """One instruction to land. `action_id` is None for the token-account creations (not plan actions);
    `marker` is the account whose existence proves it done (None: the vault, told by the config)."""

    phase: str
    instruction: Instruction
    action_id: str | None
    marker: Pubkey | None


@dataclass
class _Tally:
    executed: int = 0
    skipped: int = 0
    transactions: int = 0
    token_accounts: int = 0
    failed: int = 0
    failures: list[ActionFailure] = field(default_factory=list)


class _Applier:
    def __init__(
        self,
        plan: Plan,
        client: BmeClient,
        authority: Keypair,
        journal: _Journal,
        concurrency: int,
        progress: ProgressCallback | None,
    ) -> None:
        self.plan = plan
        self.client = client
        self.conn = client.connection
        self.authority = authority
        self.journal = journal
        self.semaphore = asyncio.Semaphore(concurrency)
        self.progress = progress
        self.tally = _Tally()
        self.signers = list({k.pubkey(): k for k in (client.payer, authority)}.values())
        self.commitment = client.pipeline.commitment
        self._done = 0
        self._total = 0

    # -- items -------------------------------------------------------------------------------------

    def item(self, action: Action) -> _Item:
        client, authority = self.client, self.authority.pubkey()
        if isinstance(action, MigrateProvider):
            owner = Pubkey.from_string(action.owner)
            instruction = client.migrate_provider_ix(
                authority, owner, action.cosmos_address_bytes, action.host_uri
            )
            marker: Pubkey | None = client.provider_address(owner)
        elif isinstance(action, MigrateLease):
            tenant, provider_owner = (
                Pubkey.from_string(action.tenant),
                Pubkey.from_string(action.provider_owner),
            )
            instruction = client.migrate_lease_ix(
                authority,
                tenant=tenant,
                provider_owner=provider_owner,
                dseq=action.dseq,
                gseq=action.gseq,
                oseq=action.oseq,
                rate_uact_per_hour=action.rate_uact_per_hour,
                escrow_uact=action.escrow_uact,
                unwithdrawn_uact=action.unwithdrawn_uact,
                overdrawn_uact=action.overdrawn_uact,
                settled_at=action.settled_at,
            )
            marker = client.lease_address(
                tenant, client.provider_address(provider_owner), action.dseq, action.gseq, action.oseq
            )
        elif isinstance(action, MigrateBalance):
            recipient_akt = client.akt_account(Pubkey.from_string(action.recipient))
            cosmos = action.cosmos_address_bytes
            instruction = client.migrate_balance_ix(
                authority, cosmos, action.amount_uakt, recipient_akt=recipient_akt
            )
            marker = client.migration_record_address(cosmos)
        else:
            instruction = client.migrate_vault_ix(authority, action.remint_credits_uakt)
            marker = None
        return _Item(action.kind.value, instruction, action.action_id, marker)

    def token_account_items(self, balances: Sequence[MigrateBalance]) -> list[_Item]:
        owners = sorted({Pubkey.from_string(b.recipient) for b in balances}, key=bytes)
        payer, mint = self.client.payer.pubkey(), self.client.akt_mint
        return [
            _Item(
                TOKEN_ACCOUNTS_PHASE,
                create_idempotent_associated_token_account(payer, owner, mint),
                None,
                self.client.akt_account(owner),
            )
            for owner in owners
        ]

    async def landed(self, items: Sequence[_Item]) -> list[bool]:
        """Whether each item's effect is on chain (its account exists; for the vault, the config flag)."""
        markers = [i.marker for i in items if i.marker is not None]
        found = iter(await self.conn.get_multiple_accounts(markers, commitment=self.commitment))
        vault_done: bool | None = None
        result = []
        for item in items:
            if item.marker is not None:
                result.append(next(found) is not None)
            else:
                if vault_done is None:
                    vault_done = (await self.client.config()).vault_migrated
                result.append(vault_done)
        return result

    # -- packing -----------------------------------------------------------------------------------

    def _message(self, items: Sequence[_Item], limit: int, price: int, blockhash: Hash) -> MessageV0:
        budget = TransactionPipeline.budget_instructions(limit, price)
        return MessageV0.try_compile(
            self.client.payer.pubkey(), [*budget, *(i.instruction for i in items)], [], blockhash
        )

    def fits(self, items: Sequence[_Item]) -> bool:
        # Worst case: both ComputeBudget instructions (limit and a non-zero price), every signature.
        limit = self.compute_units(items)
        if limit > MAX_COMPUTE_UNITS:
            return False
        message = self._message(items, limit, 1, Hash.default())
        if len(message.account_keys) > MAX_TRANSACTION_ACCOUNTS:
            return False
        tx = VersionedTransaction.populate(message, [Signature.default()] * len(self.signers))
        return len(bytes(tx)) <= MAX_TRANSACTION_SIZE

    @staticmethod
    def compute_units(items: Sequence[_Item]) -> int:
        return sum(_COMPUTE_UNITS[i.phase] for i in items)

    def pack(self, items: Sequence[_Item]) -> list[list[_Item]]:
        batches: list[list[_Item]] = []
        batch: list[_Item] = []
        for item in items:
            if batch and not self.fits([*batch, item]):
                batches.append(batch)
                batch = []
            batch.append(item)
            if len(batch) == 1 and not self.fits(batch):
                raise ApplyError(f"{item.action_id or item.phase}: one instruction exceeds a transaction")
        if batch:
            batches.append(batch)
        return batches

    # -- sending -----------------------------------------------------------------------------------

    def settle(self, items: Sequence[_Item]) -> None:
        self._done += len(items)
        if self.progress is not None and items:
            self.progress(ApplyProgress(items[0].phase, self._done, self._total))

    def mark_found(self, items: Sequence[_Item]) -> None:
        self.journal.update([i.action_id for i in items if i.action_id], "confirmed")
        self.tally.skipped += sum(1 for i in items if i.action_id)
        self.settle(items)

    def mark_landed(self, items: Sequence[_Item], signature: Signature, slot: int) -> None:
        ids = [i.action_id for i in items if i.action_id]
        self.journal.update(ids, "confirmed", signature=signature, slot=slot)
        self.tally.executed += len(ids)
        self.tally.token_accounts += len(items) - len(ids)
        self.settle(items)

    def mark_failed(self, items: Sequence[_Item], error: str, *, status: str = "failed") -> None:
        ids = [i.action_id for i in items if i.action_id]
        self.journal.update(ids, status, error=error)
        self.tally.failed += len(ids)
        self.tally.failures += [ActionFailure(i.action_id or f"{i.phase} {i.marker}", error) for i in items]
        self.settle(items)

    async def drop_landed(self, items: Sequence[_Item]) -> list[_Item]:
        landed = await self.landed(items)
        self.mark_found([i for i, done in zip(items, landed, strict=True) if done])
        return [i for i, done in zip(items, landed, strict=True) if not done]

    async def run_batch(self, batch: list[_Item]) -> None:
        async with self.semaphore:
            await self.send(batch)

    async def send(self, batch: list[_Item]) -> None:
        """Lands `batch` (less whatever is found done); a failing batch is retried one item at a time."""
        pending = batch
        while pending:
            outcome = await self.attempt(pending)
            if outcome is None:
                return
            if isinstance(outcome, _Retry):
                pending = await self.drop_landed(pending)
                continue
            if len(pending) > 1:
                for item in pending:
                    await self.send([item])
            else:
                self.mark_failed(
                    pending, outcome, status="sent" if outcome.startswith(_UNCONFIRMED) else "failed"
                )
            return

    async def attempt(self, items: list[_Item]) -> _Retry | str | None:
        """One signed transaction: None once landed, `_Retry` when it cannot have (or some of it already
        has) landed, else the error that made it fail."""
        limit = self.compute_units(items)
        writable = sorted(
            {m.pubkey for i in items for m in i.instruction.accounts if m.is_writable}, key=bytes
        )
        price = await self.client.pipeline.priority_fee.price(self.conn, writable)
        latest = await self.conn.get_latest_blockhash(commitment=self.commitment)
        tx = VersionedTransaction(self._message(items, limit, price, latest.blockhash), self.signers)
        signature = tx.signatures[0]
        self.journal.update([i.action_id for i in items if i.action_id], "sent", signature=signature)
        self.tally.transactions += 1
        try:
            await self.conn.send_transaction(tx, preflight_commitment=self.commitment)
            status = None
            for _ in range(_CONFIRM_ROUNDS):
                try:
                    status = await self.conn.confirm(
                        signature,
                        commitment=self.commitment,
                        last_valid_block_height=latest.last_valid_block_height,
                        timeout=self.client.pipeline.confirm_timeout,
                    )
                    break
                except ConfirmationTimeout:
                    continue
        except BlockhashExpired:
            return _RETRY
        except TransactionError as exc:
            if exc.err == TransactionErrorFieldless.BlockhashNotFound:
                return _RETRY
            return self.failure(exc.err, exc.logs)
        if status is None:
            return f"{_UNCONFIRMED} {signature}: neither confirmed nor expired; rerun to re-check"
        if status.err is not None:
            return self.failure(status.err, ())
        self.mark_landed(items, signature, status.slot)
        return None

    @staticmethod
    def failure(err: object, logs: Sequence[str]) -> _Retry | str:
        typed = g.from_tx_error(err, logs)
        if isinstance(typed, g.errors.AlreadyMigrated):
            return _RETRY
        return str(typed) if typed is not None else str(err)

    # -- phases ------------------------------------------------------------------------------------

    async def run(self) -> None:
        statuses = self.journal.statuses()
        plan = self.plan
        actions: dict[str, Sequence[Action]] = {
            ActionKind.PROVIDER: plan.providers,
            ActionKind.LEASE: plan.leases,
            ActionKind.BALANCE: plan.balances,
            ActionKind.VAULT: (plan.vault,) if plan.vault else (),
        }
        for phase in _PHASES:
            if phase == TOKEN_ACCOUNTS_PHASE:
                open_balances = [b for b in plan.balances if statuses[b.action_id] != "confirmed"]
                items = self.token_account_items(open_balances)
            else:
                journaled = [a for a in actions[phase] if statuses[a.action_id] == "confirmed"]
                self.tally.skipped += len(journaled)
                items = [self.item(a) for a in actions[phase] if statuses[a.action_id] != "confirmed"]
            self._done, self._total = 0, len(items)
            if self.progress is not None:
                self.progress(ApplyProgress(phase, 0, len(items)))
            if not items:
                continue
            pending = await self.drop_landed(items)
            await asyncio.gather(*(self.run_batch(batch) for batch in self.pack(pending)))


class _Retry:
    """Sentinel: re-check on chain and resend what is not there."""


_RETRY = _Retry()
_UNCONFIRMED = "unconfirmed:"


async def apply_plan(
    plan: Plan,
    client: BmeClient,
    authority: Keypair,
    journal: str | Path,
    *,
    concurrency: int = 8,
    progress: ProgressCallback | None = None,
) -> ApplySummary:
    """Apply `plan` with `authority` (the config's authority; `client.payer` pays fees), journaling in
    `journal` (created if missing, resumed if it is this plan's). Safe to rerun until `summary.ok`."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    config = await client.load()
    if config.authority != authority.pubkey():
        raise ApplyError(f"{authority.pubkey()} is not the config's authority ({config.authority})")
    if not config.migration_open:
        raise ApplyError("the migration is finalized: the program accepts no more migrate_* instructions")
    started = time.monotonic()
    store = _Journal(Path(journal), plan)
    applier = _Applier(plan, client, authority, store, concurrency, progress)
    try:
        await applier.run()
    finally:
        store.close()
    tally = applier.tally
    return ApplySummary(
        actions=len(plan.actions),
        executed=tally.executed,
        skipped=tally.skipped,
        failed=tally.failed,
        transactions=tally.transactions,
        token_accounts_created=tally.token_accounts,
        seconds=time.monotonic() - started,
        failures=tuple(tally.failures),
    )
