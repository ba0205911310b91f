"""What every command shares: output (rich or `--json`), exit codes, and reaching a cluster.

Exit codes: 0 ok, 1 failure or mismatch, 2 usage, 3 program error (typed; name and code printed),
4 connection error.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from .. import generated as g
from .._client import BmeClient, TxResult
from ..bootstrap import load_program_keypair
from ..connection import RpcConnection
from ..localnet import LocalnetInfo, read_state

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PROGRAM_ERROR, EXIT_CONNECTION = 0, 1, 2, 3, 4
WALLETS_DIR = "wallets"
WALLET_WARNING = "LOCALNET ONLY: a throwaway key written by `akash-bme localnet up`; never fund it elsewhere."


@dataclass(frozen=True)
class Output:
    """A command's result: `data` is what `--json` prints, `view` what the terminal shows."""

    data: Any
    view: RenderableType | None = None
    exit_code: int = EXIT_OK


Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, Output]]


class Failure(Exception):
    """A command could not do what was asked (exit code 1), with a message for the user."""


def jsonable(value: Any) -> Any:
    """Dataclasses, keys, signatures, enums and bytes as plain JSON values."""
    if isinstance(value, Pubkey | Signature | Hash | Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, bytes):
        return value.hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def kv_table(title: str, data: Mapping[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    for key, value in data.items():
        table.add_row(key, str(value))
    return table


def emit(output: Output, *, as_json: bool, console: Console) -> None:
    if as_json:
        print(json.dumps(jsonable(output.data), indent=2))
    elif output.view is not None:
        console.print(output.view)
    else:
        console.print(kv_table("", jsonable(output.data)))


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    handler: Handler,
    *,
    cluster: bool = False,
) -> argparse.ArgumentParser:
    """A leaf command with `--json` (and the cluster options when it talks to one)."""
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    if cluster:
        parser.add_argument("--rpc-url", help="JSON-RPC URL (default: the recorded localnet)")
        parser.add_argument(
            "--ws-url", help="websocket URL (default: the recorded localnet, or RPC port + 1)"
        )
        parser.add_argument(
            "--keypair",
            help="signer: a keypair file, or the name of a localnet wallet (default: the localnet payer)",
        )
    parser.add_argument("--state-dir", type=Path, default=Path(".localnet"), help="localnet record directory")
    parser.set_defaults(handler=handler)
    return parser


def group(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def read_keypair(path: Path) -> Keypair:
    """A Solana CLI keypair file (64 integers) or our `{"keypair": [...]}` wallet file."""
    try:
        return load_program_keypair(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Failure(f"cannot read a keypair from {path}: {exc}") from None


def wallet_path(state_dir: Path, name: str) -> Path:
    return state_dir / WALLETS_DIR / f"{name}.json"


def write_wallet(state_dir: Path, name: str, keypair: Keypair) -> Path:
    path = wallet_path(state_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"warning": WALLET_WARNING, "pubkey": str(keypair.pubkey()), "keypair": list(bytes(keypair))}
        )
    )
    path.chmod(0o600)
    return path


def load_wallets(state_dir: Path) -> dict[str, Keypair]:
    directory = state_dir / WALLETS_DIR
    if not directory.is_dir():
        return {}
    return {path.stem: read_keypair(path) for path in sorted(directory.glob("*.json"))}


def resolve_signer(spec: str | None, state_dir: Path, info: LocalnetInfo | None) -> Keypair:
    if spec is None:
        if info is None:
            raise Failure(
                "no --keypair and no recorded localnet (run `akash-bme localnet up` or pass --keypair)"
            )
        return info.payer
    path = Path(spec).expanduser()
    if path.is_file():
        return read_keypair(path)
    named = wallet_path(state_dir, spec)
    if named.is_file():
        return read_keypair(named)
    raise Failure(f"--keypair {spec}: no such file, and no localnet wallet of that name in {named.parent}")


@dataclass(frozen=True)
class Session:
    client: BmeClient
    info: LocalnetInfo | None
    signer_key: Keypair | None

    @property
    def signer(self) -> Keypair:
        if self.signer_key is None:
            raise Failure("this needs a key: pass --keypair (a keypair file or a localnet wallet name)")
        return self.signer_key


@asynccontextmanager
async def session(
    args: argparse.Namespace, *, load: bool = True, signs: bool = True
) -> AsyncIterator[Session]:
    """A client on `--rpc-url` (default: the recorded localnet) paid by the localnet payer when there is
    one, else by the signer. `load` reads the config to learn the AKT mint. Commands that only read
    pass `signs=False`: they then work on any RPC URL without a key (the client's payer is a throwaway
    key that never signs)."""
    info = read_state(args.state_dir)
    rpc_url = args.rpc_url or (info.rpc_url if info else None)
    if rpc_url is None:
        raise Failure("no --rpc-url and no recorded localnet (run `akash-bme localnet up`)")
    local = info if info is not None and rpc_url == info.rpc_url else None
    ws_url = args.ws_url or (local.ws_url if local else None)
    signer = None
    if signs or args.keypair is not None or local is not None:
        signer = resolve_signer(args.keypair, args.state_dir, local)
    payer = local.payer if local else signer or Keypair()
    program_id = local.program_id if local and local.program_id else g.PROGRAM_ID
    async with RpcConnection(rpc_url, ws_url) as connection:
        client = BmeClient(connection, payer, program_id=program_id, akt_mint=local.mint if local else None)
        if load:
            await client.load()
        yield Session(client=client, info=local, signer_key=signer)


def tx_output(title: str, result: TxResult, **extra: Any) -> Output:
    data = {
        **extra,
        "signature": result.signature,
        "compute_units": result.compute_units,
        "events": [{"event": type(e).__name__, **jsonable(e)} for e in result.events],
    }
    table = kv_table(title, {k: jsonable(v) for k, v in data.items() if k != "events"})
    for event in result.events:
        table.add_row(
            f"event {type(event).__name__}", ", ".join(f"{k}={v}" for k, v in jsonable(event).items())
        )
    return Output(data, table)


def pubkey_arg(value: str) -> Pubkey:
    try:
        return Pubkey.from_string(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a base58 public key") from None


def stderr_console() -> Console:
    return Console(stderr=True, file=sys.stderr)
