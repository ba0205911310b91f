"""The in-process connection: the Agave SVM from `solders.litesvm`, with explicit control of time.

LiteSVM has no blocks and no leader: a sent transaction executes at once, and only the latest
blockhash is accepted. This module models what the rest of the SDK needs on top of that:

- block height = how many times the blockhash was expired, so a blockhash's `last_valid_block_height`
  is the height it was issued at, and `expire_blockhash()` is exactly "its validity window ended";
- every executed transaction is "finalized" at once and its metadata is kept by signature, so
  `confirm`, `get_transaction_meta` and `subscribe_logs` behave as they do over RPC.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from solders.account import Account
from solders.clock import Clock
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import TransactionErrorType

from .._errors import TransactionError
from ._base import (
    AccountFilter,
    AccountInfo,
    ClockInfo,
    Commitment,
    Connection,
    LatestBlockhash,
    LogsEvent,
    LogSubscription,
    SignatureStatus,
    SimulationResult,
    TransactionMeta,
    matches,
)


class LiteSvmConnection(Connection):
    """`Connection` over an in-process `LiteSVM`.

    Args:
        svm: the runtime to drive; by default a fresh `LiteSVM()` (SPL Token, Token-2022, ATA, Memo loaded).
    """

    poll_interval = 0.0

    def __init__(self, svm: LiteSVM | None = None) -> None:
        self.svm = svm if svm is not None else LiteSVM()
        self._height = 0
        self._executed: dict[Signature, TransactionMeta] = {}
        self._subscriptions: list[_LiteSvmLogSubscription] = []

    # ---- control of the in-process cluster ------------------------------------------------------------

    def expire_blockhash(self) -> None:
        """End the current blockhash's validity window: transactions signed with it can no longer land."""
        self.svm.expire_blockhash()
        self._height += 1

    def set_unix_time(self, unix_timestamp: int) -> None:
        """Set `Clock.unix_timestamp` as programs will read it."""
        clock = self.svm.get_clock()
        clock.unix_timestamp = unix_timestamp
        self.svm.set_clock(clock)

    def warp(self, *, slots: int = 0, seconds: int = 0) -> None:
        """Move the clock forward by `slots` and `seconds` (a fresh blockhash comes with a new slot)."""
        clock = self.svm.get_clock()
        self.svm.set_clock(
            Clock(
                slot=clock.slot + slots,
                epoch_start_timestamp=clock.epoch_start_timestamp,
                epoch=clock.epoch,
                leader_schedule_epoch=clock.leader_schedule_epoch,
                unix_timestamp=clock.unix_timestamp + seconds,
            )
        )
        if slots:
            self.expire_blockhash()

    def airdrop(self, pubkey: Pubkey, lamports: int) -> None:
        """Credit `lamports` to `pubkey` from LiteSVM's faucet."""
        result = self.svm.airdrop(pubkey, lamports)
        if isinstance(result, FailedTransactionMetadata):
            raise TransactionError.from_failure(result.err(), logs=result.meta().logs(), stage="airdrop")

    def add_program(self, program_id: Pubkey, elf: bytes | Path) -> None:
        """Load a program without the loader's deploy checks (`deploy_program` takes the real path)."""
        if isinstance(elf, Path):
            self.svm.add_program_from_file(program_id, elf)
        else:
            self.svm.add_program(program_id, elf)

    def set_account(self, pubkey: Pubkey, account: AccountInfo) -> None:
        """Write an account directly, bypassing the runtime's rules (test set-up only)."""
        self.svm.set_account(
            pubkey, Account(account.lamports, account.data, account.owner, executable=account.executable)
        )

    # ---- reads ----------------------------------------------------------------------------------------

    async def get_account(
        self, pubkey: Pubkey, *, commitment: Commitment | None = None
    ) -> AccountInfo | None:
        return AccountInfo.of(self.svm.get_account(pubkey))

    async def get_multiple_accounts(
        self, pubkeys: Sequence[Pubkey], *, commitment: Commitment | None = None
    ) -> list[AccountInfo | None]:
        return [AccountInfo.of(self.svm.get_account(key)) for key in pubkeys]

    async def get_program_accounts(
        self,
        program_id: Pubkey,
        filters: Sequence[AccountFilter] = (),
        *,
        commitment: Commitment | None = None,
    ) -> list[tuple[Pubkey, AccountInfo]]:
        found: list[tuple[Pubkey, AccountInfo]] = []
        for key, account in self.svm.get_program_accounts(program_id):
            info = AccountInfo.of(account)
            if info is not None and matches(filters, info.data):
                found.append((key, info))
        return found

    async def get_balance(self, pubkey: Pubkey, *, commitment: Commitment | None = None) -> int:
        return self.svm.get_balance(pubkey) or 0

    async def get_minimum_balance_for_rent_exemption(self, size: int) -> int:
        return self.svm.minimum_balance_for_rent_exemption(size)

    async def get_latest_blockhash(self, *, commitment: Commitment | None = None) -> LatestBlockhash:
        return LatestBlockhash(self.svm.latest_blockhash(), self._height)

    async def get_block_height(self, *, commitment: Commitment | None = None) -> int:
        return self._height

    async def get_slot(self, *, commitment: Commitment | None = None) -> int:
        return self.svm.get_clock().slot

    async def wait_for_slot(self, slot: int, *, timeout: float = 60.0) -> None:
        # No slot advances by itself in-process: waiting for one is time passing.
        current = self.svm.get_clock().slot
        if current < slot:
            self.warp(slots=slot - current)

    async def get_clock(self) -> ClockInfo:
        clock = self.svm.get_clock()
        return ClockInfo(slot=clock.slot, epoch=clock.epoch, unix_timestamp=clock.unix_timestamp)

    async def get_recent_prioritization_fees(self, accounts: Sequence[Pubkey] = ()) -> list[int]:
        # No fee market in-process: every recent slot cleared at zero.
        return [0]

    # ---- transactions ---------------------------------------------------------------------------------

    async def simulate(
        self, tx: VersionedTransaction, *, commitment: Commitment | None = None
    ) -> SimulationResult:
        result = self.svm.simulate_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            meta = result.meta()
            return SimulationResult(result.err(), tuple(meta.logs()), meta.compute_units_consumed())
        meta = result.meta()
        return SimulationResult(None, tuple(meta.logs()), meta.compute_units_consumed())

    async def send_transaction(
        self,
        tx: VersionedTransaction,
        *,
        skip_preflight: bool = False,
        preflight_commitment: Commitment | None = None,
    ) -> Signature:
        signature = tx.signatures[0]
        if not skip_preflight:
            sim = await self.simulate(tx)
            if sim.err is not None:
                raise TransactionError.from_failure(
                    sim.err,
                    signature=signature,
                    logs=sim.logs,
                    compute_units=sim.units_consumed,
                    stage="preflight",
                )
        result = self.svm.send_transaction(tx)
        err: TransactionErrorType | None = None
        if isinstance(result, FailedTransactionMetadata):
            err, meta = result.err(), result.meta()
            if self.svm.get_transaction(signature) is None:
                # Refused before execution (expired blockhash, unpaid fee, bad signature): it never lands.
                raise TransactionError.from_failure(
                    err, signature=signature, logs=meta.logs(), compute_units=0, stage="send"
                )
        else:
            meta = result
        self._record(tx, signature, err, meta)
        return signature

    def _record(
        self,
        tx: VersionedTransaction,
        signature: Signature,
        err: TransactionErrorType | None,
        meta: TransactionMetadata,
    ) -> None:
        executed = TransactionMeta(
            signature=signature,
            slot=self.svm.get_clock().slot,
            err=err,
            logs=tuple(meta.logs()),
            compute_units=meta.compute_units_consumed(),
            fee=meta.fee(),
        )
        self._executed[signature] = executed
        keys = set(tx.message.account_keys)
        for sub in self._subscriptions:
            if sub.program_id in keys:
                sub.queue.put_nowait(LogsEvent(signature, executed.logs, err))

    async def get_signature_status(self, signature: Signature) -> SignatureStatus | None:
        meta = self._executed.get(signature)
        return None if meta is None else SignatureStatus(meta.slot, meta.err, "finalized")

    async def get_transaction_meta(
        self, signature: Signature, *, commitment: Commitment | None = None
    ) -> TransactionMeta | None:
        return self._executed.get(signature)

    # ---- subscriptions and lifecycle ------------------------------------------------------------------

    def subscribe_logs(self, program_id: Pubkey, *, commitment: Commitment | None = None) -> LogSubscription:
        return _LiteSvmLogSubscription(self, program_id)

    async def aclose(self) -> None:
        for sub in list(self._subscriptions):
            await sub.aclose()


class _LiteSvmLogSubscription(LogSubscription):
    def __init__(self, connection: LiteSvmConnection, program_id: Pubkey) -> None:
        self._connection = connection
        self.program_id = program_id
        self.queue: asyncio.Queue[LogsEvent | None] = asyncio.Queue()
        self._state = "new"

    async def start(self) -> None:
        if self._state == "new":
            self._connection._subscriptions.append(self)
            self._state = "open"

    async def next_event(self) -> LogsEvent:
        if self._state == "closed" and self.queue.empty():
            raise StopAsyncIteration
        event = await self.queue.get()
        if event is None:  # closed
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        if self._state == "open":
            self._connection._subscriptions.remove(self)
            self.queue.put_nowait(None)
        self._state = "closed"
