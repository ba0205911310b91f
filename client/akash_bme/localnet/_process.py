"""One localnet process: Surfpool through `localnet/surfnet.js`, or `solana-test-validator`.

The process must never outlive its owner unless asked to (`detached`, for `localnet up`): it runs in
its own session so that stopping it kills its whole group, it gets SIGTERM from the kernel when the
owner dies (`PR_SET_PDEATHSIG`, even on SIGKILL), the launcher also exits when its parent changes,
and an atexit hook stops whatever is still running when the interpreter exits normally.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import WebSocketException

from ._launcher import LAUNCHER, LocalnetError, ensure_node_modules, localnet_dir

__all__ = [
    "Backend",
    "BlockProduction",
    "Localnet",
    "LocalnetConfig",
    "LocalnetInfo",
    "is_healthy",
]

Backend = Literal["surfpool", "solana-test-validator"]
BlockProduction = Literal["clock", "transaction", "manual"]

DISABLE_SBPF_V0_V1_V2_DEPLOYMENT = "B8JJXCy5amZyWG9r7EnUYLwzXSXTxG7GZ1qZ1qggo83g"
"""Agave's feature `disable_sbpf_v0_v1_v2_deployment` (SIMD-0500)."""
_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.05
_LIVE: set[subprocess.Popen[bytes]] = set()
"""Attached processes still running: the atexit hook stops them."""
_DETACHED: list[subprocess.Popen[bytes]] = []
"""Detached processes are meant to outlive us; holding them keeps `Popen.__del__` from warning."""


@dataclass(frozen=True)
class LocalnetConfig:
    """What to start. Ports left at None are chosen free; the Surfpool-only knobs keep its defaults."""

    backend: Backend = "surfpool"
    rpc_port: int | None = None
    ws_port: int | None = None
    slot_time_ms: int | None = None
    block_production: BlockProduction | None = None
    airdrop_lamports: int | None = None
    payer: Keypair | None = None
    startup_timeout: float = 60.0


@dataclass(frozen=True)
class LocalnetInfo:
    """A running localnet as its users see it; also what `.localnet/state.json` records.

    `program_id` and `mint` stay None until whoever deploys the program and bootstraps the config
    records them (`write_state(dataclasses.replace(info, program_id=..., mint=...))`); `keeper_pid` is
    the oracle keeper `localnet up` may start beside the node (stopped with it).
    """

    backend: Backend
    pid: int
    rpc_url: str
    ws_url: str
    payer: Keypair
    log_path: Path
    started_at: datetime
    startup_seconds: float
    program_id: Pubkey | None = None
    mint: Pubkey | None = None
    keeper_pid: int | None = None


class Localnet:
    """An async handle on one localnet process.

    Usage::

        async with Localnet() as net:
            client = AsyncClient(net.rpc_url)

    Start it from the thread that will outlive it (normally the event loop's): the kernel's
    parent-death signal is tied to the thread that spawned the process.
    """

    def __init__(
        self,
        config: LocalnetConfig | None = None,
        *,
        log_path: Path | None = None,
        ledger_dir: Path | None = None,
        detached: bool = False,
    ) -> None:
        self.config = config or LocalnetConfig()
        self._log_path = log_path
        self._ledger_dir = ledger_dir
        self._detached = detached
        self._proc: subprocess.Popen[bytes] | None = None
        self._info: LocalnetInfo | None = None
        self._scratch: list[Path] = []

    @property
    def info(self) -> LocalnetInfo:
        if self._info is None:
            raise LocalnetError("the localnet is not running: call start() first")
        return self._info

    @property
    def rpc_url(self) -> str:
        return self.info.rpc_url

    @property
    def ws_url(self) -> str:
        return self.info.ws_url

    @property
    def payer(self) -> Keypair:
        return self.info.payer

    @property
    def pid(self) -> int:
        return self.info.pid

    async def start(self) -> LocalnetInfo:
        """Spawn the process and return once JSON-RPC `getHealth` and a websocket both answer."""
        if self._proc is not None:
            raise LocalnetError("this localnet is already started")
        config = self.config
        log_path = self._log_path or _temp_file(".log")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        started_at = datetime.now(UTC)
        clock = time.monotonic()
        deadline = clock + config.startup_timeout
        try:
            if config.backend == "surfpool":
                rpc_url, ws_url, payer = await self._start_surfpool(log_path, deadline)
            else:
                rpc_url, ws_url, payer = self._start_validator(log_path)
            await self._wait_healthy(rpc_url, ws_url, deadline)
        except BaseException as exc:
            await self.stop()
            if isinstance(exc, LocalnetError):
                raise LocalnetError(f"{exc}\n--- {log_path} (tail) ---\n{_tail(log_path)}") from None
            raise
        finally:
            self._forget_scratch(keep_ledger=True)
        assert self._proc is not None
        self._info = LocalnetInfo(
            backend=config.backend,
            pid=self._proc.pid,
            rpc_url=rpc_url,
            ws_url=ws_url,
            payer=payer,
            log_path=log_path,
            started_at=started_at,
            startup_seconds=time.monotonic() - clock,
        )
        return self._info

    async def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL it after `timeout`, and wait until it is gone."""
        proc, self._proc, self._info = self._proc, None, None
        try:
            if proc is not None:
                await terminate_group(proc.pid, lambda: proc.poll() is None, timeout)
        finally:
            if proc is not None:
                _LIVE.discard(proc)
            self._forget_scratch(keep_ledger=False)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _start_surfpool(self, log_path: Path, deadline: float) -> tuple[str, str, Keypair]:
        config = self.config
        node = _which("node", "install Node.js 20 or newer, or use backend='solana-test-validator'")
        directory = localnet_dir()
        await asyncio.to_thread(ensure_node_modules, directory)
        argv = [node, str(directory / LAUNCHER)]
        for flag, value in (
            ("--rpc-port", config.rpc_port),
            ("--ws-port", config.ws_port),
            ("--slot-time-ms", config.slot_time_ms),
            ("--block-production", config.block_production),
            ("--airdrop-lamports", config.airdrop_lamports),
        ):
            if value is not None:
                argv += [flag, str(value)]
        if config.payer is not None:
            keypair_file = _temp_file(".json")
            self._scratch.append(keypair_file)
            keypair_file.write_text(json.dumps(list(bytes(config.payer))))
            argv += ["--payer-keypair", str(keypair_file)]
        if self._detached:
            argv.append("--detached")
        proc = self._spawn(argv, log_path, pipe_stdout=True)
        assert proc.stdout is not None
        with proc.stdout:
            try:
                line = await asyncio.wait_for(
                    asyncio.to_thread(proc.stdout.readline), max(deadline - time.monotonic(), 0.0)
                )
            except TimeoutError:
                raise LocalnetError(f"surfnet.js not ready within {config.startup_timeout} s") from None
        if not line:
            raise LocalnetError(f"surfnet.js exited before it was ready (exit code {proc.wait()})")
        try:
            ready = json.loads(line)
            payer = Keypair.from_bytes(bytes(ready["payerSecretKey"]))
            return str(ready["rpcUrl"]), str(ready["wsUrl"]), payer
        except (ValueError, KeyError, TypeError) as exc:
            raise LocalnetError(f"surfnet.js printed an unexpected ready line {line!r}: {exc}") from None

    def _start_validator(self, log_path: Path) -> tuple[str, str, Keypair]:
        config = self.config
        exe = _which(
            "solana-test-validator",
            "build it with `cargo install --locked agave-validator@4.1.2 --bin solana-test-validator`, "
            "or use backend='surfpool'",
        )
        surfpool_only = {
            "slot_time_ms": config.slot_time_ms,
            "block_production": config.block_production,
            "airdrop_lamports": config.airdrop_lamports,
        }
        if given := [name for name, value in surfpool_only.items() if value is not None]:
            raise LocalnetError(f"{', '.join(given)}: Surfpool options, not solana-test-validator's")
        rpc_port = config.rpc_port or _free_port_pair()
        if config.ws_port not in (None, rpc_port + 1):
            raise LocalnetError("solana-test-validator serves its websocket on rpc_port + 1, nowhere else")
        ledger = self._ledger_dir
        if ledger is None:
            ledger = Path(tempfile.mkdtemp(prefix="akash-bme-ledger-"))
            self._scratch.append(ledger)
        payer = config.payer or Keypair()
        argv = [
            exe,
            "--ledger", str(ledger),
            "--reset",
            "--quiet",
            "--bind-address", "127.0.0.1",
            "--rpc-port", str(rpc_port),
            "--faucet-port", str(_free_port()),
            "--gossip-port", str(_free_port()),
            "--mint", str(payer.pubkey()),
            # The test validator activates every feature it knows; SIMD-0500 (only SBPFv3 programs may be
            # deployed) is not active on mainnet, and our program is SBPFv0 (README: design decisions).
            "--deactivate-feature", DISABLE_SBPF_V0_V1_V2_DEPLOYMENT,
        ]  # fmt: skip
        self._spawn(argv, log_path, pipe_stdout=False)
        return f"http://127.0.0.1:{rpc_port}", f"ws://127.0.0.1:{rpc_port + 1}", payer

    def _spawn(self, argv: list[str], log_path: Path, *, pipe_stdout: bool) -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if pipe_stdout else log,
                stderr=log,
                start_new_session=True,
                preexec_fn=None if self._detached else _die_with_parent(os.getpid()),
            )
        (_DETACHED.append if self._detached else _LIVE.add)(proc)
        self._proc = proc
        return proc

    async def _wait_healthy(self, rpc_url: str, ws_url: str, deadline: float) -> None:
        """Until the node answers; a validator also until it has confirmed a slot past genesis (at slot 0
        it is healthy but refuses to simulate any transaction from the funded payer)."""
        proc = self._proc
        assert proc is not None
        past_genesis = self.config.backend == "solana-test-validator"
        while not await is_healthy(rpc_url, ws_url, min_confirmed_slot=1 if past_genesis else 0):
            if proc.poll() is not None:
                raise LocalnetError(f"{self.config.backend} exited with code {proc.returncode}")
            if time.monotonic() > deadline:
                raise LocalnetError(f"{rpc_url} not healthy within {self.config.startup_timeout} s")
            await asyncio.sleep(_POLL_SECONDS)

    def _forget_scratch(self, *, keep_ledger: bool) -> None:
        for path in list(self._scratch):
            if path.is_dir() and keep_ledger:
                continue
            self._scratch.remove(path)
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


async def is_healthy(rpc_url: str, ws_url: str, timeout: float = 2.0, *, min_confirmed_slot: int = 0) -> bool:
    """JSON-RPC `getHealth` answers "ok", the confirmed slot is at least `min_confirmed_slot`, and the
    websocket accepts a connection."""
    try:
        async with AsyncClient(rpc_url, timeout=timeout, max_transport_retries=0) as client:
            if not await client.is_connected():
                return False
            if min_confirmed_slot and (await client.get_slot(Confirmed)).value < min_confirmed_slot:
                return False
        async with ws_connect(ws_url, open_timeout=timeout):
            return True
    except (SolanaRpcException, RPCException, OSError, TimeoutError, WebSocketException):
        return False


async def terminate_group(pid: int, running: Callable[[], bool], timeout: float) -> None:
    """SIGTERM the process group led by `pid`, then SIGKILL it; return once `running()` is false."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(pid, sig)
        deadline = time.monotonic() + timeout
        while running():
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(_POLL_SECONDS / 2)
        else:
            return
    raise LocalnetError(f"process {pid} survived SIGKILL")


def pid_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not: it is reaped here when it is our child)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def runs_backend(pid: int, backend: Backend) -> bool:
    """Whether `pid` is still the localnet process recorded for it, not a recycled pid."""
    return runs_argv(pid, LAUNCHER if backend == "surfpool" else "solana-test-validator")


def runs_argv(pid: int, marker: str) -> bool:
    """Whether `pid` is alive with an argument ending in `marker` (a recycled pid will not have it)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False
    return any(arg.decode(errors="replace").endswith(marker) for arg in argv)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    if sys.platform != "linux":
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork: the child only calls it

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


@atexit.register
def _stop_live() -> None:
    for proc in _LIVE:
        _signal_group(proc.pid, signal.SIGTERM)
    for proc in list(_LIVE):
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        _LIVE.discard(proc)


def _which(program: str, hint: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise LocalnetError(f"{program} is not on PATH: {hint}")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _free_port_pair() -> int:
    """A free port whose successor is free too (solana-test-validator's RPC and websocket)."""
    while True:
        port = _free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def _temp_file(suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="akash-bme-localnet-", suffix=suffix)
    os.close(fd)
    return Path(name)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
