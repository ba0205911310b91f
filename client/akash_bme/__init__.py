"""akash-bme: Akash Burn-Mint-Equilibrium on Solana — async SDK, localnet and migration tooling.

The public API is small: the client and its results, the connections, the transaction pipeline, the
deploy and bootstrap helpers and the generated typed errors; `quotes`, `testing`, `localnet`,
`migration`, `codegen` and `demo` are modules of their own.
"""

from __future__ import annotations

from . import connection, generated, quotes
from ._client import DEFAULT_PARAMS, BmeClient, TxResult, VaultStatus
from ._errors import BlockhashExpired, BmeError, ConfirmationTimeout, RpcError, TransactionError
from ._pipeline import PriorityFeePolicy, TransactionPipeline
from .bootstrap import bootstrap
from .connection import LiteSvmConnection, RpcConnection
from .deploy import deploy_program, upgrade_program
from .generated import errors
from .idl import ProgramError

__all__ = [
    "DEFAULT_PARAMS",
    "BlockhashExpired",
    "BmeClient",
    "BmeError",
    "ConfirmationTimeout",
    "LiteSvmConnection",
    "PriorityFeePolicy",
    "ProgramError",
    "RpcConnection",
    "RpcError",
    "TransactionError",
    "TransactionPipeline",
    "TxResult",
    "VaultStatus",
    "bootstrap",
    "connection",
    "deploy_program",
    "errors",
    "generated",
    "quotes",
    "upgrade_program",
]
