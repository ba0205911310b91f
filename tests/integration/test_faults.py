"""Faults survived: the JSON-RPC connection and the transaction pipeline behind a fault-injecting proxy.

Surfpool sits behind `FaultProxy` (127.0.0.1 only), which answers 429 with Retry-After and 500s, drops
connections before or after the node acted, and delays answers. The pipeline must retry within its
policy, execute each transaction exactly once (checked on chain: balances, the lease, the AKT supply),
and give up with a clear `RpcError` when nothing gets through. A node stopped and restarted under a
running client gives a clear error, then the same client recovers.

Run with `-s` to see the figures (requests retried, faults injected, executions).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from akash_bme._client import BmeClient
from akash_bme._errors import RpcError
from akash_bme._pipeline import TransactionPipeline
from akash_bme.bootstrap import Bootstrapped, bootstrap, create_akt_accounts
from akash_bme.connection import RetryPolicy, RpcConnection
from akash_bme.localnet import Localnet, LocalnetConfig
from akash_bme.oracle import OracleKeeper, PriceSeries
from faultproxy import Fault, FaultProxy
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SOL = 1_000_000_000
AKT = ACT = 1_000_000
FAST = RetryPolicy(attempts=6, base_delay=0.05, max_delay=1.0)
FIGURES: list[str] = []


@dataclass
class Node:
    net: Localnet
    direct: RpcConnection
    proxy: FaultProxy
    conn: RpcConnection
    booted: Bootstrapped
    tenant: Keypair
    owner: Keypair


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def node(surfpool_launcher: None) -> AsyncIterator[Node]:
    async with (
        Localnet() as net,
        RpcConnection(net.rpc_url, net.ws_url) as direct,
        FaultProxy(net.rpc_url) as proxy,
        RpcConnection(proxy.url, net.ws_url, retry=FAST) as conn,
    ):
        tenant, owner = Keypair(), Keypair()
        booted = await bootstrap(direct, net.payer, balances={tenant.pubkey(): 1_000 * AKT})
        await booted.client.send(
            [
                transfer(TransferParams(from_pubkey=net.payer.pubkey(), to_pubkey=k.pubkey(), lamports=SOL))
                for k in (tenant, owner)
            ]
        )
        await create_akt_accounts(booted.client, [owner.pubkey()])
        await booted.client.register_provider(owner, "https://provider.example.com")
        yield Node(net, direct, proxy, conn, booted, tenant, owner)
    print("\n== fault figures ==\n" + "\n".join(FIGURES))


def record(name: str, proxy: FaultProxy, executed: int) -> None:
    injected = sum(proxy.faults.values())
    retried = (
        sum(proxy.requests.values())
        - sum(proxy.forwarded.values())
        + sum(n for (kind, _), n in proxy.faults.items() if kind == "drop_after")
    )
    line = (
        f"{name}: requests={sum(proxy.requests.values())} faults={injected} "
        f"retried={retried} executed={executed} "
        f"faults_by_kind={dict(sorted((f'{k}:{m}', n) for (k, m), n in proxy.faults.items()))}"
    )
    FIGURES.append(line)
    print(line)


def pay(payer: Keypair, to: Pubkey, lamports: int) -> list:  # type: ignore[type-arg]
    return [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))]


async def test_transient_faults_are_retried_and_the_transfer_executes_once(node: Node) -> None:
    node.proxy.reset_counts()
    node.proxy.plan(
        Fault("status", "sendTransaction", times=2, status=429, retry_after=0.2),
        Fault("status", "getSignatureStatuses", times=2, status=500),
        Fault("drop", "getLatestBlockhash", times=1),
        Fault("delay", "simulateTransaction", times=1, delay=0.3),
        Fault("status", "getTransaction", times=1, status=503),
    )
    recipient = Keypair().pubkey()
    result = await TransactionPipeline(node.conn, node.net.payer).send(
        pay(node.net.payer, recipient, 1_234_567)
    )
    assert result.attempts == 1  # retries happened per request, not by re-signing
    assert await node.direct.get_balance(recipient) == 1_234_567
    assert node.proxy.forwarded["sendTransaction"] == 1
    assert node.proxy.faults[("status", "sendTransaction")] == 2
    assert node.proxy.faults[("status", "getSignatureStatuses")] == 2
    assert node.proxy.faults[("drop", "getLatestBlockhash")] == 1
    record("transfer with 429/500/503/drop/delay", node.proxy, executed=1)


async def test_reply_lost_after_the_node_executed_the_send(node: Node) -> None:
    """The node executed sendTransaction but the answer never came: the retry resends the same bytes."""
    node.proxy.reset_counts()
    node.proxy.plan(Fault("drop_after", "sendTransaction", times=2))
    recipient = Keypair().pubkey()
    result = await TransactionPipeline(node.conn, node.net.payer).send(
        pay(node.net.payer, recipient, 1_000_777)
    )
    assert await node.direct.get_balance(recipient) == 1_000_777
    status = await node.direct.get_signature_status(result.signature)
    assert status is not None and status.err is None
    record("transfer with the send reply lost after execution", node.proxy, executed=1)


async def test_create_lease_through_faults_executes_once(node: Node) -> None:
    booted, tenant, owner = node.booted, node.tenant, node.owner
    client = BmeClient(node.conn, node.net.payer, akt_mint=booted.akt_mint, program_id=booted.program_id)
    before = await booted.client.config()
    tenant_akt = await akt_balance(node.direct, client.akt_account(tenant.pubkey()))
    supply = await mint_supply(node.direct, booted.akt_mint)
    quote = await booted.client.quote_burn(10 * ACT)

    node.proxy.reset_counts()
    node.proxy.plan(
        Fault("status", "sendTransaction", times=1, status=429, retry_after=0.1),
        Fault("drop_after", "sendTransaction", times=1),
        Fault("status", "getSignatureStatuses", times=3, status=500),
        Fault("drop", "getAccountInfo", times=1),
        Fault("delay", "getTransaction", times=1, delay=0.2),
    )
    result = await client.create_lease(
        tenant, provider_owner=owner.pubkey(), dseq=9, rate_uact_per_hour=ACT, deposit_uact=10 * ACT
    )
    node.proxy.plan()
    leases = await booted.client.leases_by_tenant(tenant.pubkey())
    assert [a for a, _ in leases] == [
        client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 9)
    ]
    assert await akt_balance(node.direct, client.akt_account(tenant.pubkey())) == tenant_akt - quote.burn_uakt
    assert await mint_supply(node.direct, booted.akt_mint) == supply - quote.burn_uakt
    after = await booted.client.config()
    assert after.total_akt_burned - before.total_akt_burned == quote.burn_uakt
    assert after.act_outstanding_uact - before.act_outstanding_uact == 10 * ACT
    assert len(result.events) >= 2
    record("create_lease with 429/drop-after-send/500/drop/delay", node.proxy, executed=len(leases))


async def test_gives_up_clearly_when_nothing_gets_through(node: Node) -> None:
    node.proxy.reset_counts()
    node.proxy.plan(Fault("status", None, times=None, status=500))
    policy = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
    async with RpcConnection(node.proxy.url, node.net.ws_url, retry=policy) as conn:
        with pytest.raises(RpcError) as raised:
            await conn.get_slot()
        assert str(raised.value) == "getSlot: HTTP 500"
        assert raised.value.http_status == 500 and raised.value.retryable
        assert node.proxy.requests["getSlot"] == policy.attempts

        recipient = Keypair().pubkey()
        node.proxy.plan(Fault("status", "sendTransaction", times=None, status=503))
        with pytest.raises(RpcError, match="sendTransaction: HTTP 503"):
            await TransactionPipeline(conn, node.net.payer).send(pay(node.net.payer, recipient, SOL // 1000))
        assert node.proxy.requests["sendTransaction"] == policy.attempts
        assert node.proxy.forwarded["sendTransaction"] == 0
        assert await node.direct.get_balance(recipient) == 0

        node.proxy.plan(Fault("drop", None, times=None))
        with pytest.raises(RpcError, match="getBalance: RemoteProtocolError") as dropped:
            await conn.get_balance(recipient)
        assert dropped.value.retryable and dropped.value.http_status is None
        assert node.proxy.requests["getBalance"] == policy.attempts
    node.proxy.plan()
    record("all requests failing (gave up after 4 attempts each)", node.proxy, executed=0)


async def test_oracle_keeper_rides_out_a_node_that_stops_answering(node: Node) -> None:
    booted = node.booted
    client = BmeClient(node.conn, node.net.payer, akt_mint=booted.akt_mint, program_id=booted.program_id)
    node.proxy.reset_counts()
    node.proxy.plan(Fault("status", "getAccountInfo", times=FAST.attempts, status=503))
    failures: list[Exception] = []
    keeper = OracleKeeper(
        client, booted.oracle, PriceSeries.fixed("2.05"), interval=0.05, on_failure=failures.append
    )
    report = await keeper.run(count=3)
    assert [type(f) for f in failures] == [RpcError] and report.failed == 1
    assert report.posted >= 1 and report.posted + report.skipped == 2
    feed = await booted.client.price_feed()
    assert report.last is not None and (feed.price, feed.publish_time) == (
        205_000_000,
        report.last.publish_time,
    )
    record("oracle keeper: a round lost to 503s, the next posted", node.proxy, executed=report.posted)


async def test_node_restarted_under_a_running_client(surfpool_launcher: None) -> None:
    payer = Keypair()
    config = LocalnetConfig(payer=payer)
    first = Localnet(config)
    await first.start()
    try:
        async with (
            FaultProxy(first.rpc_url) as proxy,
            RpcConnection(proxy.url, first.ws_url, retry=FAST) as conn,
        ):
            pipeline = TransactionPipeline(conn, payer)
            recipient = Keypair().pubkey()
            await pipeline.send(pay(payer, recipient, 1_001_000))

            await first.stop()
            with pytest.raises(RpcError) as raised:
                await conn.get_balance(recipient)
            assert raised.value.retryable and str(raised.value).startswith("getBalance: ")
            assert proxy.faults[("upstream-down", "getBalance")] == FAST.attempts

            # A call in flight while the node comes back on the same address: it completes.
            conn.retry = RetryPolicy(attempts=200, base_delay=0.05, max_delay=0.2)
            pending = asyncio.create_task(conn.get_slot())
            await asyncio.sleep(0.3)
            assert not pending.done()
            async with Localnet(config) as second:
                proxy.upstream = second.rpc_url
                assert await asyncio.wait_for(pending, 60) >= 0
                conn.retry = FAST
                # A fresh chain: the transfer of the first one is gone, a new one lands once.
                assert await conn.get_balance(recipient) == 0
                await pipeline.send(pay(payer, recipient, 1_002_000))
                assert await conn.get_balance(recipient) == 1_002_000
            record("node stopped and restarted under a running client", proxy, executed=2)
    finally:
        await first.stop()


async def akt_balance(conn: RpcConnection, account: Pubkey) -> int:
    data = await conn.get_account_data(account)
    return 0 if data is None else int.from_bytes(data[64:72], "little")


async def mint_supply(conn: RpcConnection, mint: Pubkey) -> int:
    data = await conn.get_account_data(mint)
    assert data is not None
    return int.from_bytes(data[36:44], "little")
