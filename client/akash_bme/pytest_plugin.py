"""pytest plugin shipped with akash-bme (entry point ``pytest11``): fixtures for downstream users.

- ``bme_world``: a fresh in-process `World` (LiteSVM, program deployed through the real loader) per test,
  with the wallets of ``bme_world_balances`` (override that fixture to choose names and uakt).
- ``bme_localnet``: one Surfpool localnet per session with the program deployed and bootstrapped, as a
  `akash_bme.demo.Cluster` (``.client``, ``.wallets``, ``await .advance(seconds)``); skipped, with the
  reason, when Node.js or the pinned Surfpool addon is missing. Tests using it run in the session loop:
  ``@pytest.mark.asyncio(loop_scope="session")``.
- ``bme_funded_wallets``: the localnet's named wallets (SOL and AKT), by name.

The fixtures need pytest-asyncio (the ``test`` extra); without it the plugin registers nothing.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator

import pytest
from solders.keypair import Keypair

from .connection import RpcConnection
from .demo import DEMO_BALANCES, Cluster, bootstrap_cluster, surfpool_availability, surfpool_travel
from .localnet import Localnet, LocalnetConfig
from .testing import World, in_process_world

AKT = 10**6

if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest.fixture
    def bme_world_balances() -> dict[str, int]:
        """Named wallets of `bme_world` and their initial uakt; override to change them."""
        return {"tenant": 10_000 * AKT, "provider": 0}

    @pytest_asyncio.fixture
    async def bme_world(bme_world_balances: dict[str, int]) -> AsyncIterator[World]:
        world = await in_process_world(bme_world_balances)
        async with world.connection:
            yield world

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def bme_localnet() -> AsyncIterator[Cluster]:
        reason = surfpool_availability()
        if reason is not None:
            pytest.skip(f"no Surfpool localnet: {reason}")
        async with (
            Localnet(LocalnetConfig(block_production="transaction")) as net,
            RpcConnection(net.rpc_url, net.ws_url) as connection,
        ):
            yield await bootstrap_cluster(
                connection,
                net.payer,
                DEMO_BALANCES,
                backend="surfpool",
                rpc_url=net.rpc_url,
                travel=surfpool_travel(net.rpc_url),
            )

    @pytest.fixture(scope="session")
    def bme_funded_wallets(bme_localnet: Cluster) -> dict[str, Keypair]:
        return dict(bme_localnet.wallets)
