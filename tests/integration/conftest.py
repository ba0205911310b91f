"""Integration fixtures: one Surfpool localnet per session, reached over real HTTP and websockets."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest
import pytest_asyncio
from akash_bme.localnet import Localnet, LocalnetError, ensure_node_modules


class SurfpoolUrls(NamedTuple):
    rpc_url: str
    ws_url: str


@pytest.fixture(scope="session")
def surfpool_launcher() -> None:
    """Skip (with the reason) when the Surfpool launcher cannot run here."""
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: the Surfpool localnet needs Node.js 20 or newer")
    try:
        ensure_node_modules()
    except LocalnetError as exc:
        pytest.skip(f"cannot install the pinned Surfpool addon with npm ci: {exc}")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def localnet(surfpool_launcher: None) -> AsyncIterator[Localnet]:
    """A started Surfpool localnet (transaction-mode blocks), stopped at the end of the session."""
    async with Localnet() as net:
        yield net


@pytest.fixture(scope="session")
def surfpool_urls(localnet: Localnet) -> SurfpoolUrls:
    return SurfpoolUrls(localnet.rpc_url, localnet.ws_url)
