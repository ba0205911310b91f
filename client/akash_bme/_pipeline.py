"""From instructions to a confirmed transaction: v0 message, compute budget, priority fee, send, confirm.

Resending after a blockhash expires never executes a transaction twice. A transaction carries its
blockhash, and the runtime refuses it once that blockhash is older than the last valid block height
(about 150 blocks). So when the height has passed `last_valid_block_height` and the signature still
has no status — looked up once more after the height check — the old transaction can never land; only
then is a copy re-signed with a fresh blockhash (a new signature) and sent. A status found at any point
ends the loop: the transaction landed, exactly once.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NoReturn

from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import ID as COMPUTE_BUDGET_ID
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless

from ._errors import BlockhashExpired, ErrorMapper, TransactionError
from .connection import Commitment, Connection, TransactionMeta

__all__ = ["MAX_COMPUTE_UNITS", "PriorityFeePolicy", "SendResult", "TransactionPipeline"]

MAX_COMPUTE_UNITS = 1_400_000
"""The runtime's per-transaction compute ceiling, used for the simulation that measures consumption."""
_META_POLLS = 25


@dataclass(frozen=True, slots=True)
class PriorityFeePolicy:
    """How much to bid per compute unit, in µlamports.

    - `none`: no `SetComputeUnitPrice` instruction (localnets, LiteSVM);
    - `fixed`: always `micro_lamports`;
    - `percentile`: the given percentile of `getRecentPrioritizationFees` over the transaction's
      writable accounts, at least `micro_lamports`, at most `max_micro_lamports`.
    """

    mode: Literal["none", "fixed", "percentile"] = "none"
    micro_lamports: int = 0
    percentile: float = 75.0
    max_micro_lamports: int = 1_000_000

    @classmethod
    def fixed(cls, micro_lamports: int) -> PriorityFeePolicy:
        return cls("fixed", micro_lamports=micro_lamports)

    @classmethod
    def from_recent_fees(
        cls, percentile: float = 75.0, *, floor: int = 0, cap: int = 1_000_000
    ) -> PriorityFeePolicy:
        return cls("percentile", micro_lamports=floor, percentile=percentile, max_micro_lamports=cap)

    async def price(self, connection: Connection, writable: Sequence[Pubkey]) -> int:
        """The µlamports-per-CU bid for a transaction writing `writable`."""
        if self.mode == "none":
            return 0
        if self.mode == "fixed":
            return min(self.micro_lamports, self.max_micro_lamports)
        fees = sorted(await connection.get_recent_prioritization_fees(writable))
        if not fees:
            return min(self.micro_lamports, self.max_micro_lamports)
        rank = min(len(fees) - 1, max(0, math.ceil(self.percentile / 100 * len(fees)) - 1))
        return min(max(fees[rank], self.micro_lamports), self.max_micro_lamports)


@dataclass(frozen=True, slots=True)
class SendResult:
    """A landed, successful transaction."""

    signature: Signature
    slot: int
    logs: tuple[str, ...]
    compute_units: int | None
    compute_unit_limit: int
    priority_fee_micro_lamports: int
    attempts: int


def _is_blockhash_not_found(exc: TransactionError) -> bool:
    return exc.err == TransactionErrorFieldless.BlockhashNotFound


class TransactionPipeline:
    """Builds, prices, signs, sends and confirms v0 transactions on any `Connection`.

    Args:
        connection: where to send.
        payer: fee payer; always signs.
        commitment: the level `send` waits for (and preflight runs at).
        cu_margin: compute-unit limit = simulated consumption * (1 + margin) ...
        min_compute_units: ... and never less than this.
        priority_fee: how to bid for inclusion.
        error_mapper: turns `TransactionError` into typed program errors (IDL code → exception class).
        max_resends: how many times a transaction whose blockhash expired is re-signed and resent.
        confirm_timeout: seconds to wait for one attempt's confirmation.

    Usage:

        pipeline = TransactionPipeline(conn, payer, commitment="confirmed")
        result = await pipeline.send([ix], [other_signer])
    """

    def __init__(
        self,
        connection: Connection,
        payer: Keypair,
        *,
        commitment: Commitment = "confirmed",
        cu_margin: float = 0.1,
        min_compute_units: int = 1_000,
        priority_fee: PriorityFeePolicy | None = None,
        error_mapper: ErrorMapper | None = None,
        max_resends: int = 3,
        confirm_timeout: float = 90.0,
    ) -> None:
        self.connection = connection
        self.payer = payer
        self.commitment: Commitment = commitment
        self.cu_margin = cu_margin
        self.min_compute_units = min_compute_units
        self.priority_fee = priority_fee if priority_fee is not None else PriorityFeePolicy()
        self.error_mapper = error_mapper
        self.max_resends = max_resends
        self.confirm_timeout = confirm_timeout

    def _raise(self, exc: TransactionError) -> NoReturn:
        mapped = self.error_mapper(exc) if self.error_mapper is not None else exc
        if mapped is exc:
            raise exc
        raise mapped from exc

    @staticmethod
    def budget_instructions(limit: int, micro_lamports: int) -> list[Instruction]:
        """The ComputeBudget instructions the pipeline prepends: a CU limit, and a CU price when bidding."""
        price = [set_compute_unit_price(micro_lamports)] if micro_lamports else []
        return [set_compute_unit_limit(limit), *price]

    def _sign(
        self,
        instructions: Sequence[Instruction],
        signers: Sequence[Keypair],
        blockhash: Hash,
        lookup_tables: Sequence[AddressLookupTableAccount],
    ) -> VersionedTransaction:
        message = MessageV0.try_compile(
            self.payer.pubkey(), list(instructions), list(lookup_tables), blockhash
        )
        unique = {self.payer.pubkey(): self.payer}
        for signer in signers:
            unique.setdefault(signer.pubkey(), signer)
        return VersionedTransaction(message, list(unique.values()))

    async def _transaction_meta(self, signature: Signature) -> TransactionMeta | None:
        # A node may report the status a moment before getTransaction can serve the transaction.
        for _ in range(_META_POLLS):
            meta = await self.connection.get_transaction_meta(signature, commitment=self.commitment)
            if meta is not None:
                return meta
            await asyncio.sleep(self.connection.poll_interval)
        return None

    async def send(
        self,
        instructions: Sequence[Instruction],
        signers: Sequence[Keypair] = (),
        *,
        address_lookup_tables: Sequence[AddressLookupTableAccount] = (),
        compute_unit_limit: int | None = None,
    ) -> SendResult:
        """Send `instructions` as one v0 transaction and wait for `commitment`.

        `signers` are the keypairs besides the payer. Any failure — simulation, preflight or on chain —
        raises `TransactionError` with the logs, turned into a typed error by `error_mapper`.
        """
        if any(ix.program_id == COMPUTE_BUDGET_ID for ix in instructions):
            raise ValueError("the pipeline sets the compute budget itself; pass compute_unit_limit instead")
        writable = sorted(
            {m.pubkey for ix in instructions for m in ix.accounts if m.is_writable} | {self.payer.pubkey()},
            key=bytes,
        )
        price = await self.priority_fee.price(self.connection, writable)
        blockhash = await self.connection.get_latest_blockhash(commitment=self.commitment)

        limit = compute_unit_limit
        if limit is None:
            probe = self._sign(
                [*self.budget_instructions(MAX_COMPUTE_UNITS, price), *instructions],
                signers,
                blockhash.blockhash,
                address_lookup_tables,
            )
            sim = await self.connection.simulate(probe, commitment=self.commitment)
            if sim.err is not None:
                self._raise(
                    TransactionError.from_failure(
                        sim.err, logs=sim.logs, compute_units=sim.units_consumed, stage="simulation"
                    )
                )
            limit = max(self.min_compute_units, math.ceil(sim.units_consumed * (1 + self.cu_margin)))
            limit = min(limit, MAX_COMPUTE_UNITS)
        full = [*self.budget_instructions(limit, price), *instructions]

        for attempt in range(1, self.max_resends + 2):
            if attempt > 1:
                blockhash = await self.connection.get_latest_blockhash(commitment=self.commitment)
            tx = self._sign(full, signers, blockhash.blockhash, address_lookup_tables)
            try:
                signature = await self.connection.send_transaction(tx, preflight_commitment=self.commitment)
                status = await self.connection.confirm(
                    signature,
                    commitment=self.commitment,
                    last_valid_block_height=blockhash.last_valid_block_height,
                    timeout=self.confirm_timeout,
                )
            except BlockhashExpired:
                continue
            except TransactionError as exc:
                if _is_blockhash_not_found(exc):
                    continue  # expired between fetching and sending: it was refused, nothing landed
                self._raise(exc)
            meta = await self._transaction_meta(signature)
            if status.err is not None:
                self._raise(
                    TransactionError.from_failure(
                        status.err,
                        signature=signature,
                        logs=meta.logs if meta is not None else (),
                        compute_units=meta.compute_units if meta is not None else None,
                    )
                )
            return SendResult(
                signature=signature,
                slot=status.slot,
                logs=meta.logs if meta is not None else (),
                compute_units=meta.compute_units if meta is not None else None,
                compute_unit_limit=limit,
                priority_fee_micro_lamports=price,
                attempts=attempt,
            )
        raise BlockhashExpired(tx.signatures[0], blockhash.last_valid_block_height)
