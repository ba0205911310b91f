"""The public surface: every `__all__` is sorted and every name in it imports."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.unit

MODULES = ["akash_bme", "akash_bme.cli", "akash_bme.demo", "akash_bme.localnet", "akash_bme.connection"]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n)) or exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert getattr(module, attribute) is not None, attribute


def test_top_level_names_the_core_api() -> None:
    import akash_bme

    for name in (
        "BmeClient",
        "TxResult",
        "VaultStatus",
        "DEFAULT_PARAMS",
        "TransactionPipeline",
        "PriorityFeePolicy",
        "deploy_program",
        "upgrade_program",
        "bootstrap",
        "errors",
        "quotes",
    ):
        assert name in akash_bme.__all__
    assert akash_bme.errors.CircuitBreakerActive.code == 6008
