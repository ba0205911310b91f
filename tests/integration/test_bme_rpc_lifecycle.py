"""A whole lease lifecycle over JSON-RPC and websockets on Surfpool, with `BmeClient` over `RpcConnection`.

The program is deployed through the real BPF Upgradeable Loader by `bootstrap`. Its id is fixed (the
localnet keypair) and `initialize` runs once per cluster, so this module starts its own localnet rather
than sharing the session's. Time moves with Surfpool's `surfnet_timeTravel` cheatcode. Events are taken
from `BmeClient.events()` (logsSubscribe) in a background task and compared with what each transaction's
logs decode to.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx2
import pytest
import pytest_asyncio
from akash_bme import generated as g
from akash_bme._client import BmeClient, TxResult
from akash_bme.bootstrap import Bootstrapped, bootstrap, create_akt_accounts
from akash_bme.connection import RpcConnection
from akash_bme.generated.events import (
    AktBurned,
    LeaseClosed,
    LeaseCreated,
    LeaseDeposited,
    LeaseSettled,
    ProviderRegistered,
    RewardsMinted,
    TenantRefunded,
)
from akash_bme.generated.types import LeaseState
from akash_bme.localnet import Localnet
from akash_bme.quotes import quote_redeem
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SOL = 1_000_000_000
AKT = ACT = 1_000_000
TENANT_AKT = 1_000 * AKT
RATE = 36 * ACT  # per hour
DEPOSIT = 100 * ACT
PRICE, EXPO, CONF = 200_000_000, -8, 100_000
WAIT = 60.0  # a safety net against hanging, never a timing assertion
Received = list[tuple[Signature, g.Event]]


class Cluster:
    def __init__(
        self, net: Localnet, conn: RpcConnection, booted: Bootstrapped, tenant: Keypair, owner: Keypair
    ):
        self.net, self.conn, self.booted, self.tenant, self.owner = net, conn, booted, tenant, owner
        self.client: BmeClient = booted.client

    async def time_travel(self, seconds: int) -> int:
        """Moves the cluster clock forward (Surfpool cheatcode, milliseconds) and returns the new time."""
        target = await self.conn.get_unix_time() + seconds
        async with httpx2.AsyncClient() as http:
            response = await http.post(
                self.net.rpc_url,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "surfnet_timeTravel",
                    "params": [{"absoluteTimestamp": target * 1000}],
                },
            )
        assert "error" not in response.json(), response.text
        now = await self.conn.get_unix_time()
        assert now >= target
        return now

    async def post_price(self, price: int = PRICE) -> TxResult:
        """A fresh price: publish times only move forward, and stay within the program's 60 s lead."""
        stored = (await self.client.price_feed()).publish_time
        publish_time = max(stored + 1, await self.conn.get_unix_time())
        return await self.client.update_price(
            self.booted.oracle, price=price, expo=EXPO, conf=CONF, publish_time=publish_time
        )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cluster(surfpool_launcher: None) -> AsyncIterator[Cluster]:
    async with Localnet() as net, RpcConnection(net.rpc_url, net.ws_url) as conn:
        tenant, owner, oracle = Keypair(), Keypair(), Keypair()
        payer = net.payer
        funding = [
            transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=key.pubkey(), lamports=SOL))
            for key in (tenant, owner, oracle)
        ]
        booted = await bootstrap(
            conn,
            payer,
            balances={tenant.pubkey(): TENANT_AKT},
            price=PRICE,
            expo=EXPO,
            conf=CONF,
            oracle=payer,
        )
        await booted.client.send(funding)
        await create_akt_accounts(booted.client, [owner.pubkey()])
        await booted.client.set_oracle_authority(payer, oracle.pubkey())
        booted = Bootstrapped(booted.program_id, booted.akt_mint, payer, oracle, booted.client)
        yield Cluster(net, conn, booted, tenant, owner)


async def akt_balance(cluster: Cluster, owner: Pubkey) -> int:
    data = await cluster.conn.get_account_data(cluster.client.akt_account(owner))
    return 0 if data is None else int.from_bytes(data[64:72], "little")


async def subscribed(cluster: Cluster, received: Received) -> asyncio.Task[None]:
    """Starts consuming `events()` and returns once the subscription demonstrably delivers."""

    async def consume() -> None:
        async for signature, event in cluster.client.events():
            received.append((signature, event))

    task = asyncio.create_task(consume())
    async with asyncio.timeout(WAIT):
        while True:  # a price update is harmless; repeat until one comes back over the websocket
            sent = await cluster.post_price()
            for _ in range(20):
                if any(sig == sent.signature for sig, _ in received):
                    return task
                await asyncio.sleep(0.1)


async def test_lease_lifecycle_over_rpc_and_websockets(cluster: Cluster) -> None:
    client, tenant, owner = cluster.client, cluster.tenant, cluster.owner
    received: Received = []
    consumer = await subscribed(cluster, received)
    received.clear()
    sent: list[TxResult] = []

    sent.append(await client.register_provider(owner, "https://provider.example.com"))
    quote = await client.quote_burn(DEPOSIT)
    sent.append(
        await client.create_lease(
            tenant, provider_owner=owner.pubkey(), dseq=42, rate_uact_per_hour=RATE, deposit_uact=DEPOSIT
        )
    )
    lease_address = client.lease_address(tenant.pubkey(), client.provider_address(owner.pubkey()), 42)
    assert sent[-1].event(LeaseCreated).lease == lease_address  # type: ignore[attr-defined]
    assert await akt_balance(cluster, tenant.pubkey()) == TENANT_AKT - quote.burn_uakt

    # getProgramAccounts with memcmp filters on the tenant and the provider.
    by_tenant = await client.leases_by_tenant(tenant.pubkey())
    by_provider = await client.leases_by_provider(owner.pubkey())
    assert [a for a, _ in by_tenant] == [a for a, _ in by_provider] == [lease_address]
    assert by_tenant[0][1].escrow_uact == DEPOSIT and by_tenant[0][1].dseq == 42
    assert await client.leases_by_tenant(owner.pubkey()) == []

    created = await client.lease(lease_address)
    assert created is not None
    await cluster.time_travel(2 * 3600)
    sent.append(await cluster.post_price())
    lease_now = await cluster.conn.get_unix_time()
    sent.append(await client.withdraw(owner, lease_address))
    minted = sent[-1].event(RewardsMinted)
    settle = sent[-1].event(LeaseSettled)
    # The clock keeps running between our read and the withdraw: at least the two hours travelled are due.
    assert settle.due_uact >= RATE * (lease_now - created.settled_at) // 3600 >= 2 * RATE  # type: ignore[attr-defined]
    assert minted.redeemed_uact == settle.unwithdrawn_uact  # type: ignore[attr-defined]
    assert minted.minted_uakt == quote_redeem(minted.redeemed_uact, 0, PRICE, EXPO).paid_uakt  # type: ignore[attr-defined]
    assert await akt_balance(cluster, owner.pubkey()) == minted.minted_uakt  # type: ignore[attr-defined]

    sent.append(await client.deposit(tenant, lease_address, 10 * ACT))
    assert sent[-1].event(LeaseDeposited).deposit_uact == 10 * ACT  # type: ignore[attr-defined]
    lease = await client.lease(lease_address)
    assert lease is not None and lease.state == LeaseState.Active and lease.unwithdrawn_uact < RATE

    sent.append(await client.close_lease(tenant, lease_address, reason=1))
    assert sent[-1].event(LeaseClosed).closed_by == tenant.pubkey()  # type: ignore[attr-defined]
    refunded = sent[-1].event(TenantRefunded)
    assert await client.lease(lease_address) is None
    assert await client.leases_by_tenant(tenant.pubkey()) == []
    assert await client.leases_by_provider(owner.pubkey()) == []
    config = await client.config()
    assert config.act_outstanding_uact == 0
    assert refunded.refunded_uact > 0  # type: ignore[attr-defined]

    # Every event each transaction logged arrived over the websocket, in order, with its signature.
    expected = [(r.signature, e) for r in sent for e in r.events]
    async with asyncio.timeout(WAIT):
        while len(received) < len(expected):
            await asyncio.sleep(0.1)
    consumer.cancel()
    assert received[: len(expected)] == expected
    # Settlement events appear whenever time accrued since the last touch (the cluster clock decides):
    # the lifecycle's milestones must come in this order either way.
    kinds = [type(e).__name__ for _, e in received]
    core = [k for k in kinds if k not in ("PriceUpdated", "MintStatusChanged", "LeaseSettled")]
    opened = [
        "ProviderRegistered",
        "AktBurned",
        "LeaseCreated",
        "RewardsMinted",
        "AktBurned",
        "LeaseDeposited",
    ]
    assert core in (
        [*opened, "TenantRefunded", "LeaseClosed"],
        [*opened, "RewardsMinted", "TenantRefunded", "LeaseClosed"],  # accrual after the deposit paid out
    ), " ".join(kinds)
    assert kinds.count("LeaseSettled") >= 1
    registered = next(e for _, e in received if isinstance(e, ProviderRegistered))
    assert registered.owner == owner.pubkey()  # type: ignore[attr-defined]
    burned = next(e for _, e in received if isinstance(e, AktBurned))
    assert (burned.burned_uakt, burned.credited_uact) == (quote.burn_uakt, DEPOSIT)  # type: ignore[attr-defined]
