"""The `akash-bme` console script against a real detached localnet it starts and stops (Surfpool;
solana-test-validator too in the agave tier)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from akash_bme import BmeClient
from akash_bme.connection import RpcConnection
from akash_bme.generated.accounts import Config
from akash_bme.localnet import Backend, read_state
from solders.pubkey import Pubkey

pytestmark = pytest.mark.integration

CLI = Path(sys.executable).with_name("akash-bme")
GIVE_UP_SECONDS = 120


def run(cwd: Path, *argv: str) -> tuple[int, Any]:
    done = subprocess.run(
        [str(CLI), *argv, "--json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=GIVE_UP_SECONDS,
        check=False,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout.strip().startswith(
        ("{", "[")
    ) else done.stdout


def pubkey_of(cwd: Path, wallet: str) -> str:
    return str(json.loads((cwd / ".localnet" / "wallets" / f"{wallet}.json").read_text())["pubkey"])


@pytest.fixture
def workdir(tmp_path: Path) -> Any:
    if not CLI.is_file() or shutil.which(str(CLI)) is None:
        pytest.skip(f"the console script is not installed at {CLI}")
    yield tmp_path
    subprocess.run([str(CLI), "localnet", "down"], cwd=tmp_path, capture_output=True, check=False)


def test_localnet_up_bootstraps_and_commands_drive_the_program(workdir: Path, backend: Backend) -> None:
    code, up = run(workdir, "localnet", "up", "--validator", backend)
    assert code == 0, up
    assert up["program_id"] and up["mint"] and set(up["wallets"]) >= {"alice", "provider-a", "treasury"}
    info = read_state(workdir / ".localnet")
    assert info is not None and str(info.program_id) == up["program_id"] and str(info.mint) == up["mint"]
    assert "LOCALNET ONLY" in (workdir / ".localnet" / "wallets" / "alice.json").read_text()

    async def check_chain() -> None:
        async with RpcConnection(info.rpc_url, info.ws_url) as connection:
            program = await connection.get_account(Pubkey.from_string(up["program_id"]))
            assert program is not None and program.executable
            config = await Config.fetch(connection, Pubkey.find_program_address([b"config"], program_id)[0])
            assert config is not None and str(config.akt_mint) == up["mint"]

    program_id = Pubkey.from_string(up["program_id"])
    asyncio.run(check_chain())

    code, status = run(workdir, "localnet", "status")
    assert code == 0 and status["healthy"] is True

    provider = pubkey_of(workdir, "provider-a")
    assert (
        run(workdir, "provider", "register", "https://provider-a.example", "--keypair", "provider-a")[0] == 0
    )
    lease_args = ["--provider", provider, "--rate-uact-per-hour", "3600000", "--deposit-uact", "5000000"]
    code, created = run(workdir, "lease", "create", "--keypair", "alice", "--dseq", "1", *lease_args)
    assert code == 0, created
    assert {"AktBurned", "LeaseCreated"} <= {e["event"] for e in created["events"]}
    code, leases = run(workdir, "lease", "list", "--keypair", "alice")
    assert code == 0 and [row["address"] for row in leases] == [created["lease"]]

    code, priced = run(workdir, "price", "set", "1.00")  # halves the collateral: HaltCr
    assert code == 0 and priced["status"] == "HaltCr"
    code, refused = run(workdir, "lease", "create", "--keypair", "alice", "--dseq", "2", *lease_args)
    assert code == 3 and (refused["error"], refused["code"]) == ("CircuitBreakerActive", 6008)

    code, vault = run(workdir, "vault", "status")
    assert code == 0 and vault["status"] == "HaltCr" and vault["act_outstanding_uact"] == 5_000_000
    elsewhere = workdir / "elsewhere"  # no localnet record, no key: reading commands still work
    elsewhere.mkdir()
    code, read = run(elsewhere, "vault", "status", "--rpc-url", info.rpc_url, "--ws-url", info.ws_url)
    assert code == 0 and read == vault
    code, listed = run(elsewhere, "lease", "list", "--provider", provider, "--rpc-url", info.rpc_url)
    assert code == 0 and [row["address"] for row in listed] == [created["lease"]]
    code, refused = run(elsewhere, "provider", "show", "--rpc-url", info.rpc_url)
    assert code == 1 and "--keypair" in refused["message"]
    code, closed = run(workdir, "lease", "close", created["lease"], "--keypair", "alice")
    assert code == 0 and any(e["event"] == "LeaseClosed" for e in closed["events"])

    pid = info.pid
    code, down = run(workdir, "localnet", "down")
    assert code == 0 and down["stopped"] == pid
    assert (
        not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
    )
    assert run(workdir, "localnet", "status")[0] == 1


def test_localnet_up_with_an_oracle_keeper_follows_a_csv_series(workdir: Path, backend: Backend) -> None:
    series = workdir / "prices.csv"
    series.write_text("seconds,usd\n0,1.90\n1.5,2.10\n")
    code, up = run(
        workdir, "localnet", "up", "--validator", backend, "--keep-price-csv", str(series),
        "--keeper-interval", "0.5",
    )  # fmt: skip
    assert code == 0, up
    keeper = up["oracle_keeper_pid"]
    code, status = run(workdir, "localnet", "status")
    assert code == 0 and status["oracle_keeper_running"] is True
    info = read_state(workdir / ".localnet")
    assert info is not None and info.keeper_pid == keeper

    async def watch_feed() -> list[tuple[int, int, int]]:
        """(price, publish_time, chain clock) until the series' second price has been posted twice."""
        seen: list[tuple[int, int, int]] = []
        async with RpcConnection(info.rpc_url, info.ws_url) as connection:
            client = BmeClient(connection, info.payer, program_id=info.program_id, akt_mint=info.mint)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                feed, now = await client.price_feed(), await connection.get_unix_time()
                if not seen or seen[-1][:2] != (feed.price, feed.publish_time):
                    seen.append((feed.price, feed.publish_time, now))
                if sum(price == 210_000_000 for price, _, _ in seen) >= 2:
                    break
                await asyncio.sleep(0.2)
        return seen

    seen = asyncio.run(watch_feed())
    assert [price for price, _, _ in seen].count(210_000_000) >= 2, seen
    assert all(publish <= clock + 1 for _, publish, clock in seen), "the keeper ran ahead of the chain clock"
    assert [publish for _, publish, _ in seen] == sorted({publish for _, publish, _ in seen})
    # every post the keeper made, in order: the series' first price, then its second (held)
    log = (workdir / ".localnet" / "oracle-keeper.log").read_text().splitlines()
    posts = [json.loads(line) for line in log if line.startswith('{"price"')]
    prices = [post["price"] for post in posts]
    assert prices[0] == 190_000_000 and prices[-1] == 210_000_000, prices
    assert prices == sorted(prices), "the series went back to its first price"
    assert all(a["publish_time"] < b["publish_time"] for a, b in itertools.pairwise(posts))

    os.killpg(info.pid, signal.SIGKILL)  # the node dies on its own: its keeper must still be stopped
    code, status = run(workdir, "localnet", "status")
    assert code == 1 and status["running"] is False and status["oracle_keeper_running"] is True
    assert run(workdir, "localnet", "down")[0] == 0
    deadline = time.monotonic() + 5
    while Path(f"/proc/{keeper}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (
        not Path(f"/proc/{keeper}").exists()
        or b"akash-bme-oracle-keeper" not in Path(f"/proc/{keeper}/cmdline").read_bytes()
    )


def test_localnet_up_refuses_a_bad_price_series_before_starting(workdir: Path) -> None:
    series = workdir / "prices.csv"
    series.write_text("0,1.90\n0,2.10\n")
    code, refused = run(workdir, "localnet", "up", "--keep-price-csv", str(series))
    assert code == 1 and "prices.csv:2: seconds must increase" in refused["message"]
    assert run(workdir, "localnet", "status")[0] == 1
