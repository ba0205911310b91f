"""Fixtures shared by the test tiers that need a localnet (integration, migration), and the hypothesis
profiles: `ci` (the default, short) and `long` (nightly: `--hypothesis-profile long`).

`backend` runs those tiers on Surfpool, and again on a real Agave `solana-test-validator` in the opt-in
`agave` tier (`AKASH_BME_AGAVE=1`, the validator on PATH): the same tests, another node."""

from __future__ import annotations

import os
import shutil

import pytest
from akash_bme.localnet import Backend, LocalnetError, ensure_node_modules
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


BACKENDS = [
    "surfpool",
    pytest.param(
        "solana-test-validator",
        marks=[
            pytest.mark.agave,
            pytest.mark.skipif(
                os.environ.get("AKASH_BME_AGAVE") != "1", reason="opt-in tier: set AKASH_BME_AGAVE=1"
            ),
        ],
    ),
]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """The node a test runs on (each test that takes it runs once per backend)."""
    name: Backend = request.param
    if name == "surfpool":
        request.getfixturevalue("surfpool_launcher")
    elif shutil.which(name) is None:
        pytest.fail(f"AKASH_BME_AGAVE=1 but {name} is not on PATH (README: Other clusters)")
    return name
