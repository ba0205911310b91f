"""The localnet launcher on a real node (Surfpool; solana-test-validator in the agave tier): RPC and
websocket answer, no process outlives its owner."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from akash_bme.localnet import (
    Backend,
    Localnet,
    LocalnetConfig,
    LocalnetError,
    down,
    localnet_dir,
    read_state,
    status,
    up,
    write_state,
)
from solana.rpc.async_api import AsyncClient
from solana.rpc.websocket_api import SolanaWsClient
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

pytestmark = pytest.mark.integration

SOL = 1_000_000_000
GIVE_UP_SECONDS = 30.0
"""Bounds every wait so a broken build fails instead of hanging; never an assertion about speed."""


NODE_MARKERS: dict[Backend, bytes] = {
    "surfpool": b"surfnet.js",
    "solana-test-validator": b"solana-test-validator",
}


def node_pids(backend: Backend = "surfpool") -> set[int]:
    """Live (non-zombie) processes running the node of `backend` (surfnet.js for Surfpool), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if state != "Z" and any(arg.endswith(NODE_MARKERS[backend]) for arg in argv):
            found.add(int(entry.name))
    return found


def group_members(pgid: int) -> set[int]:
    """Live processes whose process group is `pgid`."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.add(int(entry.name))
    return members


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def transfer_tx(payer: Keypair, lamports: int, blockhash: Hash) -> Transaction:
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=lamports))
    return Transaction([payer], Message([ix], payer.pubkey()), blockhash)


async def test_json_rpc_answers(localnet_urls: tuple[str, str]) -> None:
    rpc_url, _ = localnet_urls
    async with AsyncClient(rpc_url) as client:
        assert await client.is_connected()
        version = (await client.get_version()).value
        assert version.solana_core
        blockhash = (await client.get_latest_blockhash()).value
        assert blockhash.last_valid_block_height > 0


async def test_payer_has_sol_and_pays(localnet: Localnet) -> None:
    async with AsyncClient(localnet.rpc_url) as client:
        assert (await client.get_balance(localnet.payer.pubkey())).value > 0
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        signature = (await client.send_transaction(transfer_tx(localnet.payer, SOL // 100, blockhash))).value
        confirmed = await client.confirm_transaction(signature, "confirmed")
        assert confirmed.value[0] is not None
        assert confirmed.value[0].err is None


async def test_websocket_logs_subscribe(localnet: Localnet) -> None:
    payer = localnet.payer
    async with SolanaWsClient(localnet.ws_url) as ws, AsyncClient(localnet.rpc_url) as client:
        await ws.logs_subscribe(commitment="confirmed")  # Surfpool requires a commitment
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        signature = (await client.send_transaction(transfer_tx(payer, SOL // 100, blockhash))).value
        async with asyncio.timeout(GIVE_UP_SECONDS):
            while True:
                notification = await ws.recv()
                if str(notification.result.value.signature) == str(signature):  # type: ignore[union-attr]
                    break


async def test_websocket_slot_subscribe_on_clock_blocks(surfpool_launcher: None) -> None:
    config = LocalnetConfig(block_production="clock", slot_time_ms=50)
    async with Localnet(config) as net, SolanaWsClient(net.ws_url) as ws:
        await ws.slot_subscribe()
        async with asyncio.timeout(GIVE_UP_SECONDS):
            first = await ws.recv()
            second = await ws.recv()
        assert second.result.slot > first.result.slot  # type: ignore[union-attr]


async def test_given_payer_fixed_ports_and_airdrop(
    surfpool_launcher: None, unused_tcp_port_factory: Callable[[], int]
) -> None:
    payer = Keypair()
    rpc_port, ws_port = unused_tcp_port_factory(), unused_tcp_port_factory()
    config = LocalnetConfig(rpc_port=rpc_port, ws_port=ws_port, payer=payer, airdrop_lamports=7 * SOL)
    async with Localnet(config) as net, AsyncClient(net.rpc_url) as client:
        assert net.rpc_url == f"http://127.0.0.1:{rpc_port}"
        assert net.ws_url == f"ws://127.0.0.1:{ws_port}"
        assert net.payer == payer
        assert (await client.get_balance(payer.pubkey())).value == 7 * SOL
        async with SolanaWsClient(net.ws_url) as ws:
            await ws.slot_subscribe()


async def test_stop_leaves_no_process(surfpool_launcher: None) -> None:
    net = Localnet()
    info = await net.start()
    assert info.pid in node_pids()
    assert info.log_path.read_text()  # the launcher logs there
    await net.stop()
    assert info.pid not in node_pids()
    assert not group_members(info.pid)
    with pytest.raises(LocalnetError):
        _ = net.rpc_url


async def test_bad_option_fails_with_log_and_leaves_nothing(surfpool_launcher: None) -> None:
    before = node_pids()
    with pytest.raises(LocalnetError, match="non-negative integer"):
        await Localnet(LocalnetConfig(slot_time_ms=-1)).start()
    assert node_pids() <= before


async def test_state_round_trip(backend: Backend, tmp_path: Path) -> None:
    assert (await status(tmp_path)).info is None
    info = await up(LocalnetConfig(backend=backend), state_dir=tmp_path)
    assert info.backend == backend
    try:
        assert read_state(tmp_path) == info
        current = await status(tmp_path)
        assert current.running
        assert current.healthy
        with pytest.raises(LocalnetError, match="already running"):
            await up(state_dir=tmp_path)
        bootstrapped = dataclasses.replace(info, program_id=Keypair().pubkey(), mint=Keypair().pubkey())
        write_state(bootstrapped, tmp_path)
        assert read_state(tmp_path) == bootstrapped
        async with AsyncClient(info.rpc_url) as client:
            assert (await client.get_balance(info.payer.pubkey())).value > 0
    finally:
        stopped = await down(tmp_path)
    assert stopped is not None
    assert stopped.pid == info.pid
    assert info.pid not in node_pids(backend)
    assert read_state(tmp_path) is None
    assert not (await status(tmp_path)).running
    assert await down(tmp_path) is None


async def test_up_outlives_the_command_that_ran_it(surfpool_launcher: None, tmp_path: Path) -> None:
    """`localnet up` in one process, `status` and `down` in another, as the CLI runs them."""
    up_script = (
        "import asyncio, pathlib, sys, akash_bme.localnet as ln\n"
        "asyncio.run(ln.up(state_dir=pathlib.Path(sys.argv[1])))"
    )
    subprocess.run([sys.executable, "-c", up_script, str(tmp_path)], check=True, timeout=GIVE_UP_SECONDS)
    try:
        current = await status(tmp_path)
        assert current.running
        assert current.healthy
    finally:
        stopped = await down(tmp_path)
    assert stopped is not None
    wait_until(lambda: stopped.pid not in node_pids(), f"surfnet.js {stopped.pid} to exit after down")


async def test_down_ignores_a_recycled_pid(surfpool_launcher: None, tmp_path: Path) -> None:
    info = await up(state_dir=tmp_path)
    await down(tmp_path)
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        write_state(dataclasses.replace(info, pid=bystander.pid), tmp_path)
        assert not (await status(tmp_path)).running
        await down(tmp_path)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_killed_owner_leaves_no_process(backend: Backend) -> None:
    owner_script = textwrap.dedent(
        """
        import asyncio, sys
        from akash_bme.localnet import Localnet, LocalnetConfig

        async def main():
            net = Localnet(LocalnetConfig(backend=sys.argv[1]))
            await net.start()
            print(net.pid, flush=True)
            await asyncio.sleep(3600)

        asyncio.run(main())
        """
    )
    argv = [sys.executable, "-c", owner_script, backend]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as owner:
        assert owner.stdout is not None
        line = owner.stdout.readline()
        assert line, f"the owner exited before the localnet started (code {owner.wait()})"
        pid = int(line)
        assert pid in node_pids(backend)
        owner.send_signal(signal.SIGKILL)
    wait_until(
        lambda: pid not in node_pids(backend), f"{backend} {pid} to exit after its owner was SIGKILLed"
    )


def test_launcher_exits_with_its_parent(surfpool_launcher: None) -> None:
    """Without the parent-death signal (a shell parent), surfnet.js still notices its parent is gone."""
    launcher = localnet_dir() / "surfnet.js"
    argv = ["sh", "-c", f'node "{launcher}" 2>/dev/null & wait']
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as shell:
        assert shell.stdout is not None
        pid = json.loads(shell.stdout.readline())["pid"]
        shell.send_signal(signal.SIGKILL)
    wait_until(lambda: pid not in node_pids(), f"surfnet.js {pid} to exit after its parent shell died")


async def test_solana_test_validator_absent_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalnetError, match="solana-test-validator is not on PATH"):
        await Localnet(LocalnetConfig(backend="solana-test-validator")).start()
