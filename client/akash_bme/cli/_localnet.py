"""`akash-bme localnet up|down|status`: a detached localnet with the program, recorded in `.localnet/`."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from ..connection import RpcConnection
from ..demo import DEMO_BALANCES, bootstrap_cluster
from ..deploy import ProgressCallback
from ..localnet import LocalnetConfig, LocalnetInfo, down, status, up, write_state
from ._common import Output, add_command, group, kv_table, load_wallets, write_wallet


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "localnet", "start, stop and inspect a local cluster with the program")
    parser = add_command(commands, "up", "start a detached localnet, deploy and bootstrap the program", _up)
    parser.add_argument(
        "--validator",
        choices=("surfpool", "solana-test-validator"),
        default="surfpool",
        help="which node to run (solana-test-validator must be on PATH)",
    )
    parser.add_argument("--no-bootstrap", action="store_true", help="start the node only")
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
    config = LocalnetConfig(
        backend=args.validator, block_production="transaction" if args.validator == "surfpool" else None
    )
    info = await up(config, state_dir=args.state_dir)
    wallets: dict[str, Any] = {}
    if not args.no_bootstrap:
        try:
            info, wallets = await _bootstrap(info, args)
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
    progress: ProgressCallback | None = None
    bar = None if args.json else _DeployBar(Console(stderr=True))
    progress = bar
    async with RpcConnection(info.rpc_url, info.ws_url) as connection:
        if bar is not None:
            bar.progress.start()
        try:
            cluster = await bootstrap_cluster(
                connection, info.payer, DEMO_BALANCES, wallets=known, backend=info.backend,
                rpc_url=info.rpc_url, progress=progress,
            )  # fmt: skip
        finally:
            if bar is not None:
                bar.progress.stop()
    for name, keypair in cluster.wallets.items():
        write_wallet(args.state_dir, name, keypair)
    info = dataclasses.replace(info, program_id=cluster.client.program_id, mint=cluster.client.akt_mint)
    write_state(info, args.state_dir)
    return info, {name: kp.pubkey() for name, kp in sorted(cluster.wallets.items())}


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
    return Output(data, kv_table("localnet status", data), exit_code=0 if found.healthy else 1)
