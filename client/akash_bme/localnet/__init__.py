"""Start, stop and record a JSON-RPC localnet: Surfpool (default) or solana-test-validator."""

from __future__ import annotations

from ._launcher import LocalnetError, ensure_node_modules, localnet_dir
from ._process import Backend, BlockProduction, Localnet, LocalnetConfig, LocalnetInfo, is_healthy
from ._state import (
    KEEPER_LOG_FILE,
    KEEPER_MARKER,
    LocalnetStatus,
    down,
    keeper_running,
    read_state,
    status,
    up,
    write_state,
)

__all__ = [
    "KEEPER_LOG_FILE",
    "KEEPER_MARKER",
    "Backend",
    "BlockProduction",
    "Localnet",
    "LocalnetConfig",
    "LocalnetError",
    "LocalnetInfo",
    "LocalnetStatus",
    "down",
    "ensure_node_modules",
    "is_healthy",
    "keeper_running",
    "localnet_dir",
    "read_state",
    "status",
    "up",
    "write_state",
]
