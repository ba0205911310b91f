"""`akash-bme localnet up|down|status`: a detached localnet with the program, recorded in `.localnet/`."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from ..connection import RpcConnection
from ..demo import DEMO_BALANCES, bootstrap_cluster
from ..localnet import (
    KEEPER_LOG_FILE,
    KEEPER_MARKER,
    LocalnetConfig,
    LocalnetInfo,
    down,
    status,
    up,
    write_state,
)
from ..oracle import PriceSeries
from ._common import Failure, Output, add_command, group, kv_table, load_wallets, write_wallet

SLOT_TIME_MS = 400
"""A real cluster's slot time; Surfpool's own default is far shorter."""
_KEEPERS: list[subprocess.Popen[bytes]] = []
"""Keepers outlive this command on purpose; holding them keeps `Popen.__del__` from warning."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "localnet", "start, stop and inspect a local cluster with the program")
    parser = add_command(commands, "up", "start a detached localnet, deploy and bootstrap the program", _up)
    parser.add_argument(
        "--validator",
        choices=("surfpool", "solana-test-validator"),
        default="surfpool",
        help="which node to run (solana-test-validator must be on PATH)",
    )
    parser.add_argument(
        "--block-production",
        choices=("clock", "transaction"),
        default="clock",
        help="Surfpool only: `clock` (default) makes a slot every 400 ms and its clock follows the wall "
        "clock, as on a real cluster; `transaction` makes a block per transaction (faster confirmations, "
        "but the chain clock moves 400 ms per transaction only)",
    )
    parser.add_argument("--no-bootstrap", action="store_true", help="start the node only")
    keeper = parser.add_mutually_exclusive_group()
    keeper.add_argument(
        "--keep-price", metavar="USD", help="run an oracle keeper beside the node posting this price"
    )
    keeper.add_argument(
        "--keep-price-csv",
        metavar="FILE",
        type=Path,
        help="run an oracle keeper posting a `seconds,usd` series",
    )
    parser.add_argument(
        "--keeper-interval", type=float, default=5.0, help="seconds between the keeper's posts (default 5)"
    )
    add_command(commands, "down", "stop the recorded localnet", _down)
    add_command(commands, "status", "show the recorded localnet and whether it answers", _status)


def _info_data(info: LocalnetInfo) -> dict[str, Any]:
    return {
        "backend": info.backend,
        "pid": info.pid,
        "rpc_url": info.rpc_url,
        "ws_url": info.ws_url,
        "payer": info.payer.pubkey(),
        "program_id": info.program_id,
        "mint": info.mint,
        "log_file": info.log_path,
        "startup_seconds": round(info.startup_seconds, 3),
        "oracle_keeper_pid": info.keeper_pid,
    }


class _DeployBar:
    """A rich progress bar fed by `deploy_program`'s progress callback."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("deploying the program"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        )  # fmt: skip
        self.task = self.progress.add_task("deploy", total=None)

    def __call__(self, written: int, total: int) -> None:
        self.progress.update(self.task, completed=written, total=total)


async def _up(args: argparse.Namespace) -> Output:
    keeps = args.keep_price is not None or args.keep_price_csv is not None
    if keeps and args.no_bootstrap:
        raise Failure("an oracle keeper needs the program bootstrapped: drop --no-bootstrap")
    if keeps:  # before starting anything that would need undoing
        _check_price_source(args)
    surfpool = args.validator == "surfpool"
    config = LocalnetConfig(
        backend=args.validator,
        block_production=args.block_production if surfpool else None,
        slot_time_ms=SLOT_TIME_MS if surfpool else None,
    )
    info = await up(config, state_dir=args.state_dir)
    wallets: dict[str, Any] = {}
    if not args.no_bootstrap:
        try:
            info, wallets = await _bootstrap(info, args)
            if keeps:
                info = dataclasses.replace(info, keeper_pid=_start_keeper(args))
                write_state(info, args.state_dir)
        except BaseException:
            await down(args.state_dir)
            raise
    data = {**_info_data(info), "wallets": wallets}
    table = kv_table("localnet up", {k: v for k, v in data.items() if k != "wallets"})
    for name, pubkey in wallets.items():
        table.add_row(f"wallet {name}", f"{pubkey}  ({args.state_dir}/wallets/{name}.json)")
    return Output(data, table)


async def _bootstrap(info: LocalnetInfo, args: argparse.Namespace) -> tuple[LocalnetInfo, dict[str, Any]]:
    """Deploy with real loader transactions, mint demo AKT to named localnet-only wallets, initialize,
    post a price, and record program id and mint."""
    known = load_wallets(args.state_dir)
    bar = None if args.json else _DeployBar(Console(stderr=True))
    async with RpcConnection(info.rpc_url, info.ws_url) as connection:
        if bar is not None:
            bar.progress.start()
        try:
            cluster = await bootstrap_cluster(
                connection, info.payer, DEMO_BALANCES, wallets=known, backend=info.backend,
                rpc_url=info.rpc_url, progress=bar,
            )  # fmt: skip
        finally:
            if bar is not None:
                bar.progress.stop()
    for name, keypair in cluster.wallets.items():
        write_wallet(args.state_dir, name, keypair)
    info = dataclasses.replace(info, program_id=cluster.client.program_id, mint=cluster.client.akt_mint)
    write_state(info, args.state_dir)
    return info, {name: kp.pubkey() for name, kp in sorted(cluster.wallets.items())}


def _check_price_source(args: argparse.Namespace) -> None:
    """Reads the keeper's price or series here, so a bad one fails `up` with its error (file and line)."""
    if args.keep_price is not None:
        PriceSeries.fixed(args.keep_price)
    else:
        PriceSeries.from_csv(args.keep_price_csv)


def _start_keeper(args: argparse.Namespace) -> int:
    """`akash-bme price keep` as a detached process signed by the localnet payer (the oracle authority
    the bootstrap set), logging to `.localnet/oracle-keeper.log`; `localnet down` stops it."""
    source = (
        ["--usd", args.keep_price]
        if args.keep_price is not None
        else ["--csv", str(args.keep_price_csv.resolve())]
    )
    argv = [
        sys.executable, "-m", "akash_bme.cli", "price", "keep", *source,
        "--interval", str(args.keeper_interval), "--state-dir", str(args.state_dir.resolve()), "--json",
        "--tag", KEEPER_MARKER,
    ]  # fmt: skip
    with open(args.state_dir / KEEPER_LOG_FILE, "ab") as log:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    _KEEPERS.append(proc)
    return proc.pid


async def _down(args: argparse.Namespace) -> Output:
    info = await down(args.state_dir)
    if info is None:
        return Output({"stopped": None}, kv_table("localnet down", {"stopped": "nothing was recorded"}))
    return Output(
        {"stopped": info.pid, "backend": info.backend}, kv_table("localnet down", {"stopped": info.pid})
    )


async def _status(args: argparse.Namespace) -> Output:
    found = await status(args.state_dir)
    data: dict[str, Any] = {"running": found.running, "healthy": found.healthy}
    if found.info is not None:
        data.update(_info_data(found.info))
        data["oracle_keeper_running"] = found.keeper_running
    return Output(data, kv_table("localnet status", data), exit_code=0 if found.healthy else 1)
