"""The one async connection every part of the SDK talks to.

Two implementations share this contract: `RpcConnection` (JSON-RPC over HTTP plus a websocket for
subscriptions) and `LiteSvmConnection` (the Agave SVM in-process). Backend failures are mapped to
`akash_bme` exceptions inside each implementation, so callers never see httpx, websockets or solders
RPC error types.
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Self

from solders.account import Account
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorType

from .._errors import BlockhashExpired, ConfirmationTimeout

Commitment = Literal["processed", "confirmed", "finalized"]
"""How settled a read or a confirmation must be."""

_COMMITMENT_RANK: dict[str, int] = {"processed": 0, "confirmed": 1, "finalized": 2}


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """An account as stored on chain."""

    lamports: int
    owner: Pubkey
    data: bytes
    executable: bool

    @classmethod
    def of(cls, account: Account | None) -> AccountInfo | None:
        """Convert a solders `Account` (both backends return one), keeping None for a missing account."""
        if account is None:
            return None
        return cls(account.lamports, account.owner, bytes(account.data), account.executable)


@dataclass(frozen=True, slots=True)
class Memcmp:
    """`getProgramAccounts` filter: `data[offset:offset+len(bytes)] == bytes`."""

    offset: int
    bytes: bytes


@dataclass(frozen=True, slots=True)
class DataSize:
    """`getProgramAccounts` filter: `len(data) == size`."""

    size: int


AccountFilter = Memcmp | DataSize


def matches(filters: Sequence[AccountFilter], data: bytes) -> bool:
    """Apply `getProgramAccounts` filters the way a node does (for in-process backends)."""
    for f in filters:
        if isinstance(f, DataSize):
            if len(data) != f.size:
                return False
        elif data[f.offset : f.offset + len(f.bytes)] != f.bytes:
            return False
    return True


@dataclass(frozen=True, slots=True)
class LatestBlockhash:
    """A blockhash and the last block height at which a transaction using it can still land."""

    blockhash: Hash
    last_valid_block_height: int


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What a simulation reports: error (None on success), logs and compute units consumed."""

    err: TransactionErrorType | None
    logs: tuple[str, ...]
    units_consumed: int


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """Where a sent transaction stands: its slot, its error (None on success) and its commitment."""

    slot: int
    err: TransactionErrorType | None
    commitment: Commitment


@dataclass(frozen=True, slots=True)
class TransactionMeta:
    """An executed transaction's outcome, as `getTransaction` reports it."""

    signature: Signature
    slot: int
    err: TransactionErrorType | None
    logs: tuple[str, ...]
    compute_units: int | None
    fee: int


@dataclass(frozen=True, slots=True)
class LogsEvent:
    """One `logsSubscribe` notification: a transaction that mentioned the program."""

    signature: Signature
    logs: tuple[str, ...]
    err: TransactionErrorType | None


@dataclass(frozen=True, slots=True)
class ClockInfo:
    """The Clock sysvar: what programs see as `slot`, `epoch` and `unix_timestamp`."""

    slot: int
    epoch: int
    unix_timestamp: int


class LogSubscription(abc.ABC):
    """A live `logsSubscribe` stream.

    The subscription is established by `__aenter__` (or the first `__anext__`), so everything sent
    after `async with connection.subscribe_logs(pid) as logs:` is observed.
    """

    @abc.abstractmethod
    async def start(self) -> None:
        """Establish the subscription; idempotent."""

    @abc.abstractmethod
    async def next_event(self) -> LogsEvent:
        """Wait for the next notification; raises `StopAsyncIteration` once closed."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """End the subscription and release its resources; idempotent."""

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> LogsEvent:
        await self.start()
        return await self.next_event()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class Connection(abc.ABC):
    """Abstract async connection to a Solana cluster (or an in-process SVM).

    Usage:

        async with RpcConnection("http://127.0.0.1:8899") as conn:
            info = await conn.get_account(address)
    """

    poll_interval: float = 0.4
    """Seconds between signature-status polls in `confirm`."""

    # ---- reads -------------------------------------------------------------------------------------------

    @abc.abstractmethod
    async def get_account(
        self, pubkey: Pubkey, *, commitment: Commitment | None = None
    ) -> AccountInfo | None:
        """The account, or None when it does not exist."""

    async def get_account_data(self, pubkey: Pubkey, *, commitment: Commitment | None = None) -> bytes | None:
        """Only the account's data, or None when it does not exist."""
        info = await self.get_account(pubkey, commitment=commitment)
        return None if info is None else info.data

    @abc.abstractmethod
    async def get_multiple_accounts(
        self, pubkeys: Sequence[Pubkey], *, commitment: Commitment | None = None
    ) -> list[AccountInfo | None]:
        """Accounts in the order asked, None for the missing ones."""

    @abc.abstractmethod
    async def get_program_accounts(
        self,
        program_id: Pubkey,
        filters: Sequence[AccountFilter] = (),
        *,
        commitment: Commitment | None = None,
    ) -> list[tuple[Pubkey, AccountInfo]]:
        """Every account owned by `program_id` that passes all `filters`."""

    @abc.abstractmethod
    async def get_balance(self, pubkey: Pubkey, *, commitment: Commitment | None = None) -> int:
        """Lamports held by `pubkey` (0 when the account does not exist)."""

    @abc.abstractmethod
    async def get_minimum_balance_for_rent_exemption(self, size: int) -> int:
        """Lamports an account of `size` data bytes needs to be rent-exempt."""

    @abc.abstractmethod
    async def get_latest_blockhash(self, *, commitment: Commitment | None = None) -> LatestBlockhash:
        """A fresh blockhash with its last valid block height."""

    @abc.abstractmethod
    async def get_block_height(self, *, commitment: Commitment | None = None) -> int:
        """The current block height (what `last_valid_block_height` is compared with)."""

    @abc.abstractmethod
    async def get_slot(self, *, commitment: Commitment | None = None) -> int:
        """The current slot."""

    async def wait_for_slot(self, slot: int, *, timeout: float = 60.0) -> None:
        """Return once the cluster has reached `slot` (the loader, for one, acts at most once per slot)."""
        deadline = time.monotonic() + timeout
        while await self.get_slot(commitment="processed") < slot:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"slot {slot} not reached after {timeout:.0f} s")
            await asyncio.sleep(self.poll_interval)

    @abc.abstractmethod
    async def get_clock(self) -> ClockInfo:
        """The Clock sysvar, as programs read it."""

    async def get_unix_time(self) -> int:
        """The cluster's `Clock.unix_timestamp`."""
        return (await self.get_clock()).unix_timestamp

    @abc.abstractmethod
    async def get_recent_prioritization_fees(self, accounts: Sequence[Pubkey] = ()) -> list[int]:
        """Recent per-slot minimum priority fees (µlamports/CU) paid by transactions locking `accounts`."""

    # ---- transactions --------------------------------------------------------------------------------------

    @abc.abstractmethod
    async def simulate(
        self, tx: VersionedTransaction, *, commitment: Commitment | None = None
    ) -> SimulationResult:
        """Simulate without landing; a failing transaction is reported in `err`, not raised."""

    @abc.abstractmethod
    async def send_transaction(
        self,
        tx: VersionedTransaction,
        *,
        skip_preflight: bool = False,
        preflight_commitment: Commitment | None = None,
    ) -> Signature:
        """Submit a signed transaction.

        Raises `TransactionError` (with the simulation's logs) when preflight fails.
        """

    @abc.abstractmethod
    async def get_signature_status(self, signature: Signature) -> SignatureStatus | None:
        """Where `signature` stands, or None when the node has not seen it."""

    @abc.abstractmethod
    async def get_transaction_meta(
        self, signature: Signature, *, commitment: Commitment | None = None
    ) -> TransactionMeta | None:
        """Logs, compute units and error of a landed transaction, or None when not (yet) available."""

    async def confirm(
        self,
        signature: Signature,
        *,
        commitment: Commitment = "confirmed",
        last_valid_block_height: int | None = None,
        timeout: float = 90.0,
    ) -> SignatureStatus:
        """Wait until `signature` reaches `commitment`.

        Raises `BlockhashExpired` once the block height passes `last_valid_block_height` and a last look
        at the status still finds nothing: from then on the transaction can never land, so resending a
        re-signed copy cannot execute it twice. Raises `ConfirmationTimeout` after `timeout` seconds.
        A failed transaction is returned (its `err` set), not raised: it did land.
        """
        deadline = time.monotonic() + timeout
        while True:
            status = await self.get_signature_status(signature)
            if status is not None and (
                status.err is not None or commitment_at_least(status.commitment, commitment)
            ):
                return status
            if status is None and last_valid_block_height is not None:
                height = await self.get_block_height(commitment=commitment)
                if height > last_valid_block_height:
                    # The status may have appeared between the two reads: look once more before giving up.
                    last = await self.get_signature_status(signature)
                    if last is None:
                        raise BlockhashExpired(signature, last_valid_block_height)
                    continue
            if time.monotonic() >= deadline:
                raise ConfirmationTimeout(signature, commitment, timeout)
            await asyncio.sleep(self.poll_interval)

    # ---- subscriptions and lifecycle -----------------------------------------------------------------------

    @abc.abstractmethod
    def subscribe_logs(self, program_id: Pubkey, *, commitment: Commitment | None = None) -> LogSubscription:
        """Stream the logs of every transaction that mentions `program_id`."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release sockets and subscriptions; idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def commitment_at_least(have: Commitment, want: Commitment) -> bool:
    """Whether a status at `have` satisfies a request for `want`."""
    return _COMMITMENT_RANK[have] >= _COMMITMENT_RANK[want]


__all__ = [
    "AccountFilter",
    "AccountInfo",
    "ClockInfo",
    "Commitment",
    "Connection",
    "DataSize",
    "LatestBlockhash",
    "LogSubscription",
    "LogsEvent",
    "Memcmp",
    "SignatureStatus",
    "SimulationResult",
    "TransactionMeta",
    "commitment_at_least",
    "matches",
]
