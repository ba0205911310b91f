"""Stage 3, `apply`: send a plan's actions to the program, batched, journaled and resumable.

Nothing is executed twice, whatever happens to this process:

- the program refuses to migrate anything twice (each provider, lease and balance creates a PDA, the vault
  sets `Config.vault_migrated`; a second attempt fails with `AlreadyMigrated` and, transactions being
  atomic, changes nothing);
- before a batch is first sent, every action still open in the journal is looked up on chain and what is
  already there is dropped, so a run killed between landing a transaction and journaling it only costs a
  look-up when resumed;
- the journal (sqlite, WAL) records each batch's signature as `sent` *before* the transaction leaves, then
  `confirmed` with its slot (committed with the next write: losing it only costs a look-up), or `failed`
  with the error. A batch refused because one of its actions landed meanwhile (`AlreadyMigrated`) is
  re-checked on chain and resent without what is done; a batch whose blockhash expired unseen can no
  longer land and is re-checked, re-signed and resent the same way.

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
    """Write-ahead record of every action: an update is committed before the caller goes on, in one sqlite
    transaction with the confirmations queued since the last (a confirmation lost to a crash only costs a
    look-up on chain when resumed, a `sent` lost could cost a transaction)."""

    def __init__(self, path: Path, plan: Plan) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + _SCHEMA)
        digest = plan_digest(plan)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'plan_digest'").fetchone()
        if row is not None and row[0] != digest:
            self.db.close()
            raise ApplyError(f"{path} journals plan {row[0]}, not this plan ({digest}): use another journal")
        self.confirmations: list[_Row] = []
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
        rows = [*self.confirmations, *_rows(ids, status, signature, slot, error)]
        if not rows:
            return
        with self.db:
            self.db.executemany(
                "UPDATE actions SET status = ?, signature = ?, slot = ?, error = ?, updated_at = ?"
                " WHERE action_id = ?",
                rows,
            )
        self.confirmations.clear()

    def confirm_later(self, ids: Sequence[str], signature: Signature, slot: int) -> None:
        """Queues `ids` as confirmed for the next commit."""
        self.confirmations += _rows(ids, "confirmed", signature, slot, None)

    def close(self) -> None:
        try:
            self.update((), "confirmed")
        finally:
            self.db.close()


_Row = tuple[str, str | None, int | None, str | None, float, str]


def _rows(
    ids: Sequence[str], status: str, signature: Signature | None, slot: int | None, error: str | None
) -> list[_Row]:
    sig, now = None if signature is None else str(signature), time.time()
    return [(status, sig, slot, error, now, action_id) for action_id in ids]


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
        skip_preflight: bool,
    ) -> None:
        self.plan = plan
        self.client = client
        self.conn = client.connection
        self.authority = authority
        self.journal = journal
        self.semaphore = asyncio.Semaphore(concurrency)
        self.progress = progress
        self.skip_preflight = skip_preflight
        self.tally = _Tally()
        # Keypair.pubkey() derives the key anew on every call: learn both once.
        self.payer = client.payer.pubkey()
        self.authority_key = authority.pubkey()
        self.signers = list({self.payer: client.payer, self.authority_key: authority}.values())
        # Derived addresses by owner: a provider has many leases, a recipient a balance and an account.
        self.providers: dict[Pubkey, Pubkey] = {}
        self.akt_accounts: dict[Pubkey, Pubkey] = {}
        self.commitment = client.pipeline.commitment
        self._done = 0
        self._total = 0

    # -- items -------------------------------------------------------------------------------------

    def provider_address(self, owner: Pubkey) -> Pubkey:
        if owner not in self.providers:
            self.providers[owner] = self.client.provider_address(owner)
        return self.providers[owner]

    def akt_account(self, owner: Pubkey) -> Pubkey:
        if owner not in self.akt_accounts:
            self.akt_accounts[owner] = self.client.akt_account(owner)
        return self.akt_accounts[owner]

    def item(self, action: Action) -> _Item:
        client, authority = self.client, self.authority_key
        if isinstance(action, MigrateProvider):
            owner = Pubkey.from_string(action.owner)
            instruction = client.migrate_provider_ix(
                authority, owner, action.cosmos_address_bytes, action.host_uri
            )
            marker: Pubkey | None = self.provider_address(owner)
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
                tenant, self.provider_address(provider_owner), action.dseq, action.gseq, action.oseq
            )
        elif isinstance(action, MigrateBalance):
            recipient_akt = self.akt_account(Pubkey.from_string(action.recipient))
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
        payer, mint = self.payer, self.client.akt_mint
        return [
            _Item(
                TOKEN_ACCOUNTS_PHASE,
                create_idempotent_associated_token_account(payer, owner, mint),
                None,
                self.akt_account(owner),
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
        return MessageV0.try_compile(self.payer, [*budget, *(i.instruction for i in items)], [], blockhash)

    def measure(self, items: Sequence[_Item]) -> _Measure | None:
        """The serialized size and account keys of `items`' transaction in the worst case (both ComputeBudget
        instructions, every signature); None when it is over a limit."""
        limit = self.compute_units(items)
        if limit > MAX_COMPUTE_UNITS:
            return None
        message = self._message(items, limit, 1, Hash.default())
        if len(message.account_keys) > MAX_TRANSACTION_ACCOUNTS:
            return None
        size = len(bytes(VersionedTransaction.populate(message, [Signature.default()] * len(self.signers))))
        return _Measure(size, set(message.account_keys)) if size <= MAX_TRANSACTION_SIZE else None

    @staticmethod
    def compute_units(items: Sequence[_Item]) -> int:
        return sum(_COMPUTE_UNITS[i.phase] for i in items)

    def grow(self, batch: Sequence[_Item], measure: _Measure, item: _Item) -> _Measure | None:
        """`measure` of `batch` with `item` added, or None when it does not fit. An instruction grows a
        transaction by at most its own encoding and 32 bytes per key new to it: only a transaction this
        bound puts over a limit is compiled again to be measured (the bound decides when to measure,
        never what fits)."""
        new = _keys(item.instruction) - measure.keys
        bound = _Measure(measure.size + 32 * len(new) + _encoded_len(item.instruction), measure.keys | new)
        if (
            bound.size <= MAX_TRANSACTION_SIZE
            and len(bound.keys) <= MAX_TRANSACTION_ACCOUNTS
            and self.compute_units([*batch, item]) <= MAX_COMPUTE_UNITS
        ):
            return bound
        return self.measure([*batch, item])

    def pack(self, items: Sequence[_Item]) -> list[list[_Item]]:
        batches: list[list[_Item]] = []
        batch: list[_Item] = []
        measure = _Measure(0, set())  # of `batch`, exact or a bound
        for item in items:
            grown = self.grow(batch, measure, item) if batch else None
            if grown is None:
                if batch:
                    batches.append(batch)
                batch, grown = [], self.measure([item])
                if grown is None:
                    raise ApplyError(f"{item.action_id or item.phase}: one instruction exceeds a transaction")
            batch.append(item)
            measure = grown
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
        self.journal.confirm_later(ids, signature, slot)
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
            await self.conn.send_transaction(
                tx, skip_preflight=self.skip_preflight, preflight_commitment=self.commitment
            )
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


@dataclass(frozen=True, slots=True)
class _Measure:
    size: int
    keys: set[Pubkey]


def _keys(instruction: Instruction) -> set[Pubkey]:
    return {instruction.program_id, *(meta.pubkey for meta in instruction.accounts)}


def _encoded_len(instruction: Instruction) -> int:
    """Bytes of a compiled instruction, plus one for the instruction count's compact length growing."""
    accounts, data = len(instruction.accounts), len(instruction.data)
    return 1 + _compact_len(accounts) + accounts + _compact_len(data) + data + 1


def _compact_len(n: int) -> int:
    return 1 if n < 0x80 else 2 if n < 0x4000 else 3


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
    skip_preflight: bool = False,
) -> ApplySummary:
    """Apply `plan` with `authority` (the config's authority; `client.payer` pays fees), journaling in
    `journal` (created if missing, resumed if it is this plan's). Safe to rerun until `summary.ok`.

    `skip_preflight` sends without the node's simulation: each transaction executes once instead of
    twice, and a batch that fails on chain (paying its fee) is retried item by item as usual."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    config = await client.load()
    if config.authority != authority.pubkey():
        raise ApplyError(f"{authority.pubkey()} is not the config's authority ({config.authority})")
    if not config.migration_open:
        raise ApplyError("the migration is finalized: the program accepts no more migrate_* instructions")
    started = time.monotonic()
    store = _Journal(Path(journal), plan)
    applier = _Applier(plan, client, authority, store, concurrency, progress, skip_preflight)
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
