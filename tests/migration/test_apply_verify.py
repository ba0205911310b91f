"""apply, verify and finalize on a localnet (Surfpool; solana-test-validator too in the agave tier): a
clean migration, a rerun that does nothing, a run killed with SIGKILL and resumed, tampering caught by
verify, refused inputs, and finalize.

`initialize` runs once per cluster and the program id is fixed, so each scenario starts its own localnet.
The fixtures are smaller than the issue's full-size one (that one is run by bench/bench_migration_apply.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
import pytest_asyncio
from akash_bme import generated as g
from akash_bme._client import BmeClient
from akash_bme.bootstrap import bootstrap
from akash_bme.connection import Memcmp, RpcConnection
from akash_bme.localnet import Backend, Localnet, LocalnetConfig
from akash_bme.migration import (
    ApplyError,
    MigrationNotVerified,
    Plan,
    apply_plan,
    build_plan,
    finalize,
    load_address_map,
    plan_to_json,
    read_journal,
    read_source,
    verify_plan,
)
from gen_fixture import write_fixture
from solders.keypair import Keypair
from solders.pubkey import Pubkey

pytestmark = [pytest.mark.integration, pytest.mark.migration, pytest.mark.asyncio(loop_scope="session")]

CONVERSIONS = {"blocks_per_hour": 600, "height_time": (26_000_000, 1_793_491_200), "block_time_ms": 6000}
CLI = "import sys; from akash_bme.cli import main; sys.exit(main(sys.argv[1:]))"
WAIT = 600.0  # a safety net against hanging, never a timing assertion


@dataclass
class Cluster:
    net: Localnet
    client: BmeClient
    authority: Keypair
    plan: Plan
    plan_file: Path
    keypair_file: Path
    tmp: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-c", CLI, "migrate", *args, "--rpc-url", self.net.rpc_url]
        argv += ["--state-dir", str(self.tmp / "no-localnet-state")]
        return subprocess.run(argv, capture_output=True, text=True, timeout=WAIT, check=False)


def make_plan(directory: Path, **sizes: int) -> Plan:
    paths = write_fixture(directory, rest=False, **sizes)
    return build_plan(read_source(paths.genesis), load_address_map(paths.address_map), **CONVERSIONS)


async def start_cluster(tmp: Path, plan: Plan, backend: Backend) -> AsyncIterator[Cluster]:
    async with (
        Localnet(LocalnetConfig(backend=backend)) as net,
        RpcConnection(net.rpc_url, net.ws_url) as conn,
    ):
        booted = await bootstrap(conn, net.payer)
        plan_file = tmp / "plan.json"
        plan_file.write_text(plan_to_json(plan))
        keypair_file = tmp / "authority.json"
        keypair_file.write_text(json.dumps(list(bytes(net.payer))))
        yield Cluster(net, booted.client, net.payer, plan, plan_file, keypair_file, tmp)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cluster(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    tmp = tmp_path_factory.mktemp("apply")
    plan = make_plan(tmp / "fixture", providers=20, leases=150, balances=400, seed=7)
    async for cluster in start_cluster(tmp, plan, backend):
        yield cluster


async def akt_supply(client: BmeClient) -> int:
    data = await client.connection.get_account_data(client.akt_mint)
    assert data is not None
    return int.from_bytes(data[36:44], "little")


async def assert_migrated_once(client: BmeClient, plan: Plan) -> None:
    """Supply, config totals and account counts equal the plan's: nothing executed twice, nothing missed."""
    totals = plan.totals
    config = await client.config()
    assert await akt_supply(client) == totals.balance_uakt == config.total_akt_migrated
    assert config.total_act_migrated == totals.lease_escrow_uact + totals.lease_unwithdrawn_uact
    assert config.remint_credits_uakt == totals.vault_remint_credits_uakt
    counts = {}
    for account in (g.accounts.Provider, g.accounts.Lease, g.accounts.MigrationRecord):
        found = await client.connection.get_program_accounts(
            client.program_id, [Memcmp(0, account.DISCRIMINATOR)]
        )
        counts[account.__name__] = [account.decode(info.data) for _, info in found]
    assert len(counts["Provider"]) == totals.providers
    assert len(counts["Lease"]) == totals.leases
    assert len(counts["MigrationRecord"]) == totals.balances
    assert sum(p.active_leases for p in counts["Provider"]) == totals.leases


async def test_apply_then_verify_matches_the_plan(cluster: Cluster) -> None:
    progress = []
    summary = await apply_plan(
        cluster.plan,
        cluster.client,
        cluster.authority,
        cluster.tmp / "journal.sqlite",
        progress=progress.append,
    )
    assert summary.ok, summary.failures
    assert summary.executed == len(cluster.plan.actions) and summary.skipped == 0
    assert summary.transactions < summary.executed  # several instructions per transaction
    assert {p.phase for p in progress} >= {"provider", "lease", "token accounts", "balance", "vault"}
    rows = read_journal(cluster.tmp / "journal.sqlite")
    assert len(rows) == len(cluster.plan.actions)
    assert all(r.status == "confirmed" and r.signature and r.slot for r in rows)
    report = await verify_plan(cluster.plan, cluster.client)
    assert report.ok, (report.mismatches[:5], [r for r in report.rows if not r.ok])
    await assert_migrated_once(cluster.client, cluster.plan)


async def test_rerun_finds_everything_done(cluster: Cluster) -> None:
    summary = await apply_plan(
        cluster.plan, cluster.client, cluster.authority, cluster.tmp / "journal.sqlite"
    )
    assert summary.ok and summary.executed == 0 and summary.transactions == 0
    assert summary.skipped == len(cluster.plan.actions)
    # a fresh journal: everything is found on chain, still nothing is sent
    fresh = await apply_plan(cluster.plan, cluster.client, cluster.authority, cluster.tmp / "fresh.sqlite")
    assert fresh.ok and fresh.executed == 0 and fresh.transactions == 0 and fresh.token_accounts_created == 0
    assert {r.status for r in read_journal(cluster.tmp / "fresh.sqlite")} == {"confirmed"}
    await assert_migrated_once(cluster.client, cluster.plan)


async def test_a_journal_of_another_plan_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    other = make_plan(tmp_path / "other", providers=3, leases=10, balances=10, seed=99)
    with pytest.raises(ApplyError, match="journals plan"):
        await apply_plan(other, cluster.client, cluster.authority, cluster.tmp / "journal.sqlite")


async def test_an_edited_plan_file_is_refused_and_nothing_is_sent(cluster: Cluster, tmp_path: Path) -> None:
    document = json.loads(cluster.plan_file.read_text())
    document["actions"]["balance"][0]["amount_uakt"] += 1
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    before = await cluster.client.connection.get_balance(cluster.authority.pubkey())
    journal = tmp_path / "journal.sqlite"
    argv = [
        "apply",
        "--plan",
        str(edited),
        "--authority",
        str(cluster.keypair_file),
        "--journal",
        str(journal),
    ]
    result = cluster.cli(*argv, "--json")
    assert result.returncode == 1
    message = json.loads(result.stdout)["message"]
    assert str(edited) in message and "digest" in message
    assert not journal.exists()
    assert await cluster.client.connection.get_balance(cluster.authority.pubkey()) == before


async def test_cli_verify_passes(cluster: Cluster) -> None:
    result = cluster.cli("verify", "--plan", str(cluster.plan_file), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


async def test_tampering_is_caught_and_blocks_finalize(cluster: Cluster, backend: Backend) -> None:
    if backend != "surfpool":
        pytest.skip("tampering uses surfnet_setAccount, a Surfpool cheatcode")
    client, plan = cluster.client, cluster.plan
    target = plan.leases[len(plan.leases) // 2]
    address = client.lease_address(
        Pubkey.from_string(target.tenant),
        client.provider_address(Pubkey.from_string(target.provider_owner)),
        target.dseq,
        target.gseq,
        target.oseq,
    )
    info = await client.connection.get_account(address)
    assert info is not None
    lease = g.accounts.Lease.decode(info.data)
    tampered = dataclasses.replace(lease, escrow_uact=lease.escrow_uact + 1_000_000)
    await set_account(cluster.net.rpc_url, address, info.lamports, tampered.encode(), info.owner)

    report = await verify_plan(plan, client)
    assert not report.ok
    assert [(m.account, m.field, m.action_id) for m in report.mismatches] == [
        (str(address), "escrow_uact", target.action_id)
    ]
    assert [(r.kind, r.quantity) for r in report.rows if not r.ok] == [("leases", "escrow_uact")]
    result = cluster.cli("verify", "--plan", str(cluster.plan_file), "--json")
    assert result.returncode == 1
    named = [(m["account"], m["field"]) for m in json.loads(result.stdout)["mismatches"]]
    assert named == [(str(address), "escrow_uact")]

    with pytest.raises(MigrationNotVerified, match=str(address)):
        await finalize(plan, client, cluster.authority)
    assert (await client.config()).migration_open

    # Put it back: verify is clean again and finalize closes the migration for good.
    await set_account(cluster.net.rpc_url, address, info.lamports, info.data, info.owner)
    result = cluster.cli(
        "finalize", "--plan", str(cluster.plan_file), "--authority", str(cluster.keypair_file)
    )
    assert result.returncode == 0, result.stderr
    assert not (await client.config()).migration_open
    with pytest.raises(ApplyError, match="finalized"):
        await apply_plan(plan, client, cluster.authority, cluster.tmp / "journal.sqlite")


async def set_account(rpc_url: str, address: Pubkey, lamports: int, data: bytes, owner: Pubkey) -> None:
    """Surfpool's `surfnet_setAccount` cheatcode: overwrite an account outside any transaction."""
    update = {"lamports": lamports, "data": data.hex(), "owner": str(owner)}
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            rpc_url,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "surfnet_setAccount",
                "params": [str(address), update],
            },
        )
    assert "error" not in response.json(), response.text


# --- crash safety -------------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def crash_cluster(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    tmp = tmp_path_factory.mktemp("crash")
    plan = make_plan(tmp / "fixture", providers=10, leases=80, balances=200, seed=11)
    async for cluster in start_cluster(tmp, plan, backend):
        yield cluster


def confirmed_rows(journal: Path) -> int:
    if not journal.exists():
        return 0
    try:
        with sqlite3.connect(journal) as db:
            return db.execute("SELECT count(*) FROM actions WHERE status = 'confirmed'").fetchone()[0]
    except sqlite3.OperationalError:  # the tables are not there yet
        return 0


async def test_sigkill_mid_run_then_resume_executes_nothing_twice(crash_cluster: Cluster) -> None:
    cluster, plan = crash_cluster, crash_cluster.plan
    journal = cluster.tmp / "journal.sqlite"
    argv = [sys.executable, "-c", CLI, "migrate", "apply", "--plan", str(cluster.plan_file), "--json"]
    argv += ["--rpc-url", cluster.net.rpc_url, "--state-dir", str(cluster.tmp / "none")]
    argv += ["--authority", str(cluster.keypair_file), "--journal", str(journal), "--concurrency", "4"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Kill it once the leases are under way: providers done, some leases landed, most actions still open.
        threshold = len(plan.providers) + 10
        async with asyncio.timeout(WAIT):
            while confirmed_rows(journal) < threshold:
                assert proc.poll() is None, "apply finished before it could be killed"
                await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    rows = read_journal(journal)
    done_before = sum(r.status == "confirmed" for r in rows)
    assert threshold <= done_before < len(plan.actions)

    # resumed without preflight: whatever the killed run left in flight and landed fails on chain as
    # AlreadyMigrated (paying its fee, changing nothing) and is found done
    summary = await apply_plan(plan, cluster.client, cluster.authority, journal, skip_preflight=True)
    assert summary.ok, summary.failures
    assert summary.skipped >= done_before and summary.executed + summary.skipped == len(plan.actions)
    assert {r.status for r in read_journal(journal)} == {"confirmed"}
    report = await verify_plan(plan, cluster.client)
    assert report.ok, report.mismatches[:5]
    await assert_migrated_once(cluster.client, plan)
