"""Integration fixtures: one localnet per session and backend, reached over real HTTP and websockets
(`backend` lives in tests/conftest.py, shared with the migration tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest
import pytest_asyncio
from akash_bme.localnet import Backend, Localnet, LocalnetConfig


class LocalnetUrls(NamedTuple):
    rpc_url: str
    ws_url: str


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def localnet(backend: Backend) -> AsyncIterator[Localnet]:
    """A started localnet on `backend`, stopped at the end of the session."""
    async with Localnet(LocalnetConfig(backend=backend)) as net:
        yield net


@pytest.fixture(scope="session")
def localnet_urls(localnet: Localnet) -> LocalnetUrls:
    return LocalnetUrls(localnet.rpc_url, localnet.ws_url)
