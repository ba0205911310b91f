"""Integration fixtures: one Surfpool localnet per session, reached over real HTTP and websockets
(`surfpool_launcher` lives in tests/conftest.py, shared with the migration tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest
import pytest_asyncio
from akash_bme.localnet import Localnet


class SurfpoolUrls(NamedTuple):
    rpc_url: str
    ws_url: str


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def localnet(surfpool_launcher: None) -> AsyncIterator[Localnet]:
    """A started Surfpool localnet (transaction-mode blocks), stopped at the end of the session."""
    async with Localnet() as net:
        yield net


@pytest.fixture(scope="session")
def surfpool_urls(localnet: Localnet) -> SurfpoolUrls:
    return SurfpoolUrls(localnet.rpc_url, localnet.ws_url)
