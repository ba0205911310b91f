"""The SDK's exception tree.

    BmeError
    ├── RpcError                 the node or the transport failed (HTTP status, JSON-RPC error, connection)
    ├── TransactionError         a transaction failed in simulation, preflight or on chain (with its logs)
    ├── BlockhashExpired         a transaction's blockhash expired before it landed
    └── ConfirmationTimeout      a transaction neither landed nor expired within the time allowed

Program errors are raised as subclasses of `TransactionError` by an `ErrorMapper` (IDL error code →
typed exception class) plugged into the transaction pipeline, so callers may catch either the typed
error or the generic one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from solders.signature import Signature
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorInstructionError,
    TransactionErrorType,
)

__all__ = [
    "BlockhashExpired",
    "BmeError",
    "ConfirmationTimeout",
    "ErrorMapper",
    "RpcError",
    "TransactionError",
]


class BmeError(Exception):
    """Base class of every exception the SDK raises on purpose."""


class RpcError(BmeError):
    """The node answered with an error, or could not be reached.

    `retryable` marks failures worth another attempt (HTTP 429/5xx, connection resets); `retry_after`
    is the server's `Retry-After` in seconds when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.retryable = retryable
        self.retry_after = retry_after


class TransactionError(BmeError):
    """A transaction failed: in simulation, in the node's preflight, or after it landed.

    Carries everything needed to explain the failure: the signature (None when it never left
    simulation), the program logs, the compute units consumed, the runtime's raw error and, for
    `InstructionError(i, Custom(n))`, the instruction index and `custom_code = n`.
    """

    def __init__(
        self,
        message: str,
        *,
        signature: Signature | None = None,
        logs: Sequence[str] = (),
        compute_units: int | None = None,
        err: TransactionErrorType | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.signature = signature
        self.logs: tuple[str, ...] = tuple(logs)
        self.compute_units = compute_units
        self.err = err
        self.instruction_index: int | None = None
        self.custom_code: int | None = None
        if isinstance(err, TransactionErrorInstructionError):
            self.instruction_index = err.index
            if isinstance(err.err, InstructionErrorCustom):
                self.custom_code = err.err.code

    @classmethod
    def from_failure(
        cls,
        err: TransactionErrorType | None,
        *,
        signature: Signature | None = None,
        logs: Sequence[str] = (),
        compute_units: int | None = None,
        stage: str = "transaction",
    ) -> TransactionError:
        """Build the error with a message that names the stage and the runtime error."""
        where = f" {signature}" if signature is not None else ""
        return cls(
            f"{stage}{where} failed: {err}",
            signature=signature,
            logs=logs,
            compute_units=compute_units,
            err=err,
        )

    def __str__(self) -> str:
        tail = "\n".join(f"  {line}" for line in self.logs[-20:])
        return f"{self.message}\n{tail}" if tail else self.message


class BlockhashExpired(BmeError):
    """The blockhash expired and the transaction did not land: it never can, so resending is safe."""

    def __init__(self, signature: Signature, last_valid_block_height: int) -> None:
        super().__init__(f"{signature}: blockhash expired after block height {last_valid_block_height}")
        self.signature = signature
        self.last_valid_block_height = last_valid_block_height


class ConfirmationTimeout(BmeError):
    """The transaction was seen (or not) but did not reach the commitment in time."""

    def __init__(self, signature: Signature, commitment: str, seconds: float) -> None:
        super().__init__(f"{signature}: not {commitment} after {seconds:.1f} s")
        self.signature = signature
        self.commitment = commitment
        self.seconds = seconds


ErrorMapper = Callable[[TransactionError], Exception]
"""Turns a generic `TransactionError` into a typed program error (IDL code → exception class)."""
