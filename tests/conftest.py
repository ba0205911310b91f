"""Fixtures shared by the test tiers that need a Surfpool localnet (integration, migration), and the
hypothesis profiles: `ci` (the default, short) and `long` (nightly: `--hypothesis-profile long`)."""

from __future__ import annotations

import shutil

import pytest
from akash_bme.localnet import LocalnetError, ensure_node_modules
from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow]
settings.register_profile(
    "ci", max_examples=15, stateful_step_count=25, deadline=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "long", max_examples=500, stateful_step_count=100, deadline=None, suppress_health_check=_SLOW_OK
)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def surfpool_launcher() -> None:
    """Skip (with the reason) when the Surfpool launcher cannot run here."""
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: the Surfpool localnet needs Node.js 20 or newer")
    try:
        ensure_node_modules()
    except LocalnetError as exc:
        pytest.skip(f"cannot install the pinned Surfpool addon with npm ci: {exc}")
