"""Connections to a Solana cluster: JSON-RPC (`RpcConnection`) or in-process LiteSVM (`LiteSvmConnection`)."""

from __future__ import annotations

from ._base import (
    AccountFilter,
    AccountInfo,
    ClockInfo,
    Commitment,
    Connection,
    DataSize,
    LatestBlockhash,
    LogsEvent,
    LogSubscription,
    Memcmp,
    SignatureStatus,
    SimulationResult,
    TransactionMeta,
)
from ._litesvm import LiteSvmConnection
from ._rpc import RetryPolicy, RpcConnection

__all__ = [
    "AccountFilter",
    "AccountInfo",
    "ClockInfo",
    "Commitment",
    "Connection",
    "DataSize",
    "LatestBlockhash",
    "LiteSvmConnection",
    "LogSubscription",
    "LogsEvent",
    "Memcmp",
    "RetryPolicy",
    "RpcConnection",
    "SignatureStatus",
    "SimulationResult",
    "TransactionMeta",
]
