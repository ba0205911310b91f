"""A localnet that outlives the command that started it, recorded in `.localnet/state.json`.

`localnet up` starts a detached process and writes the record, `localnet down` stops the recorded
process and removes the record, `localnet status` reads it and asks the node. The record carries
the payer's secret key: it is a throwaway localnet key, funded with localnet SOL only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast, get_args

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from ._launcher import LocalnetError
from ._process import (
    Backend,
    Localnet,
    LocalnetConfig,
    LocalnetInfo,
    is_healthy,
    pid_alive,
    runs_argv,
    runs_backend,
    terminate_group,
)

__all__ = [
    "KEEPER_LOG_FILE",
    "KEEPER_MARKER",
    "LocalnetStatus",
    "down",
    "keeper_running",
    "read_state",
    "status",
    "up",
    "write_state",
]

STATE_FILE = "state.json"
LOG_FILE = "localnet.log"
KEEPER_LOG_FILE = "oracle-keeper.log"
KEEPER_MARKER = "akash-bme-oracle-keeper"
"""The last argument of a keeper process `localnet up` starts: how `down` knows the pid is still it."""


@dataclass(frozen=True)
class LocalnetStatus:
    """`info` is the record (None without one); `running`: its process is alive; `healthy`: it answers;
    `keeper_running`: the recorded oracle keeper is alive (False when none was started)."""

    info: LocalnetInfo | None
    running: bool
    healthy: bool
    keeper_running: bool = False


def read_state(state_dir: Path | None = None) -> LocalnetInfo | None:
    """The recorded localnet, or None when nothing is recorded."""
    path = _state_dir(state_dir) / STATE_FILE
    try:
        return _from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise LocalnetError(f"{path} is not a localnet record ({exc}): remove it") from None


def write_state(info: LocalnetInfo, state_dir: Path | None = None) -> Path:
    """Record `info` atomically; this is also how the bootstrap records the program id and mint."""
    directory = _state_dir(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / STATE_FILE
    scratch = path.with_suffix(".tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(_to_json(info), out, indent=2)
    os.replace(scratch, path)
    return path


async def up(config: LocalnetConfig | None = None, *, state_dir: Path | None = None) -> LocalnetInfo:
    """Start a detached localnet (logs in `<state_dir>/localnet.log`) and record it."""
    directory = _state_dir(state_dir)
    current = read_state(directory)
    if current is not None and _running(current):
        raise LocalnetError(
            f"a localnet is already running (pid {current.pid}, {current.rpc_url}): run `localnet down` first"
        )
    if current is not None:  # a node that died on its own: its keeper must not outlive the record
        await _stop_keeper(current, 10.0)
    localnet = Localnet(config, log_path=directory / LOG_FILE, ledger_dir=directory / "ledger", detached=True)
    info = await localnet.start()
    write_state(info, directory)
    return info


async def down(state_dir: Path | None = None, *, timeout: float = 10.0) -> LocalnetInfo | None:
    """Stop the recorded localnet and remove its record; returns what was recorded (None: nothing)."""
    directory = _state_dir(state_dir)
    info = read_state(directory)
    if info is None:
        return None
    await _stop_keeper(info, timeout)
    if _running(info):
        await terminate_group(info.pid, lambda: pid_alive(info.pid), timeout)
    (directory / STATE_FILE).unlink(missing_ok=True)
    return info


async def status(state_dir: Path | None = None) -> LocalnetStatus:
    info = read_state(state_dir)
    running = info is not None and _running(info)
    healthy = info is not None and running and await is_healthy(info.rpc_url, info.ws_url)
    keeper = info.keeper_pid if info is not None else None
    return LocalnetStatus(
        info=info,
        running=running,
        healthy=healthy,
        keeper_running=keeper is not None and keeper_running(keeper),
    )


async def _stop_keeper(info: LocalnetInfo, timeout: float) -> None:
    keeper = info.keeper_pid
    if keeper is not None and keeper_running(keeper):
        await terminate_group(keeper, lambda: pid_alive(keeper), timeout)


def keeper_running(pid: int) -> bool:
    return pid_alive(pid) and runs_argv(pid, KEEPER_MARKER)


def _state_dir(state_dir: Path | None) -> Path:
    return state_dir if state_dir is not None else Path.cwd() / ".localnet"


def _running(info: LocalnetInfo) -> bool:
    return pid_alive(info.pid) and runs_backend(info.pid, info.backend)


def _to_json(info: LocalnetInfo) -> dict[str, Any]:
    return {
        "backend": info.backend,
        "pid": info.pid,
        "rpc_url": info.rpc_url,
        "ws_url": info.ws_url,
        "payer": list(bytes(info.payer)),
        "log_file": str(info.log_path),
        "started_at": info.started_at.isoformat(),
        "startup_seconds": info.startup_seconds,
        "program_id": None if info.program_id is None else str(info.program_id),
        "mint": None if info.mint is None else str(info.mint),
        "keeper_pid": info.keeper_pid,
    }


def _from_json(data: dict[str, Any]) -> LocalnetInfo:
    backend = data["backend"]
    if backend not in get_args(Backend):
        raise ValueError(f"unknown backend {backend!r}")
    program_id, mint = data.get("program_id"), data.get("mint")
    return LocalnetInfo(
        backend=cast(Backend, backend),
        pid=int(data["pid"]),
        rpc_url=str(data["rpc_url"]),
        ws_url=str(data["ws_url"]),
        payer=Keypair.from_bytes(bytes(data["payer"])),
        log_path=Path(data["log_file"]),
        started_at=datetime.fromisoformat(data["started_at"]),
        startup_seconds=float(data["startup_seconds"]),
        program_id=None if program_id is None else Pubkey.from_string(program_id),
        mint=None if mint is None else Pubkey.from_string(mint),
        keeper_pid=None if data.get("keeper_pid") is None else int(data["keeper_pid"]),
    )
