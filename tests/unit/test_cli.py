"""The CLI without a cluster: parsing, exit codes, JSON output, and commands that need no node."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from akash_bme.cli import build_parser, main
from akash_bme.cli._common import jsonable, load_wallets, write_wallet
from akash_bme.generated.types import MintStatus
from solders.keypair import Keypair

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
KEY = "11111111111111111111111111111111"
LEAVES = [
    ["localnet", "up"], ["localnet", "down"], ["localnet", "status"], ["init", "--mint", KEY],
    ["price", "set", "1.5"], ["price", "keep", "--usd", "1.5"], ["provider", "register", "https://x"],
    ["provider", "show"],
    ["lease", "create", "--provider", KEY, "--dseq", "1",
     "--rate-uact-per-hour", "1", "--deposit-uact", "1"],
    ["lease", "deposit", KEY, "--deposit-uact", "1"],
    ["lease", "settle", KEY], ["lease", "withdraw", KEY],
    ["lease", "close", KEY], ["lease", "show", KEY],
    ["lease", "list"], ["vault", "status"], ["events", "tail"], ["codegen", "a.json", "out"],
    ["migrate", "plan", "--source", "src", "--address-map", "m.csv", "--blocks-per-hour", "600",
     "--height-time", "1:2", "--block-time-ms", "6000"],
    ["demo"],
]  # fmt: skip


@pytest.mark.parametrize("argv", LEAVES, ids=lambda a: " ".join(a[:2]))
def test_every_command_takes_json(argv: list[str]) -> None:
    args = build_parser().parse_args([*argv, "--json"])
    assert args.json is True
    assert callable(args.handler)


def test_usage_errors_exit_2_and_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lease", "frobnicate"]) == 2
    assert main([]) == 2
    assert main(["--help"]) == 0
    assert "localnet" in capsys.readouterr().out


def test_connection_error_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    key = tmp_path / "id.json"
    key.write_text(json.dumps(list(bytes(Keypair()))))
    argv = ["vault", "status", "--rpc-url", f"http://127.0.0.1:{port}", "--keypair", str(key), "--json"]
    assert main([*argv, "--state-dir", str(tmp_path)]) == 4
    assert json.loads(capsys.readouterr().out)["error"] == "ConnectionError"


def test_missing_localnet_is_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vault", "status", "--state-dir", str(tmp_path / "none"), "--json"]) == 1
    assert "localnet up" in json.loads(capsys.readouterr().out)["message"]


def test_localnet_status_without_record_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["localnet", "status", "--state-dir", str(tmp_path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"running": False, "healthy": False}


def test_jsonable_handles_chain_values() -> None:
    key = Keypair().pubkey()
    assert jsonable({"k": key, "s": MintStatus.HaltCr, "b": b"\x01", "t": (1, [2])}) == {
        "k": str(key), "s": "HaltCr", "b": "01", "t": [1, [2]],
    }  # fmt: skip


def test_wallet_files_say_localnet_only_and_round_trip(tmp_path: Path) -> None:
    keypair = Keypair()
    path = write_wallet(tmp_path, "alice", keypair)
    assert "LOCALNET ONLY" in json.loads(path.read_text())["warning"]
    assert load_wallets(tmp_path) == {"alice": keypair}


def test_codegen_command_writes_a_client(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gen"
    assert main(["codegen", str(REPO / "idl" / "akash_bme.json"), str(out), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)["files"]
    assert (out / "__init__.py").is_file() and len(written) > 10


def test_migrate_plan_reports_a_bad_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "map.csv").write_text("akash_address,solana_pubkey\n")
    argv = ["migrate", "plan", "--source", str(tmp_path / "missing.json"),
            "--address-map", str(tmp_path / "map.csv"), "--blocks-per-hour", "600", "--height-time", "1:2",
            "--block-time-ms", "6000", "--json"]  # fmt: skip
    assert main(argv) == 1
    assert "no such file" in json.loads(capsys.readouterr().out)["message"]
