"""The main job: the demo story runs end to end and its report's totals are what the chain holds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from akash_bme.cli import main
from akash_bme.demo import Cluster, DemoReport, open_cluster, play_story, surfpool_availability, write_chart
from solders.pubkey import Pubkey

pytestmark = pytest.mark.integration


async def check_report_matches_chain(cluster: Cluster, report: DemoReport) -> None:
    config = await cluster.client.config()
    assert report.total_akt_burned == config.total_akt_burned > 0
    assert report.total_akt_minted == config.total_akt_minted > 0
    assert report.act_outstanding_uact == config.act_outstanding_uact == 0  # every lease closed
    assert report.remint_credits_uakt == config.remint_credits_uakt
    assert report.final_supply_uakt == await cluster.akt_supply()
    # burns and mints are the only supply changes, and the report's timeline agrees with the mint
    assert report.net_supply_change_uakt == config.total_akt_minted - config.total_akt_burned
    assert report.timeline[0].akt_supply_uakt == report.initial_supply_uakt
    assert report.timeline[-1].akt_supply_uakt == report.final_supply_uakt
    for name in report.leases:
        assert await cluster.client.lease(Pubkey.from_string(name)) is None
    statuses = [s.status for s in report.timeline]
    assert {"Healthy", "Warning", "HaltCr"} <= set(statuses)
    assert statuses[-1] == "Healthy"
    assert report.refusal is not None
    assert (report.refusal.name, report.refusal.code, report.refusal.status) == (
        "CircuitBreakerActive",
        6008,
        "HaltCr",
    )


async def test_demo_in_process_matches_chain(tmp_path: Path) -> None:
    async with open_cluster("in-process") as cluster:
        report = await play_story(cluster)
        await check_report_matches_chain(cluster, report)
    chart = write_chart(report, tmp_path / "bme-demo.png")
    assert chart.read_bytes().startswith(b"\x89PNG")


async def test_demo_on_surfpool_matches_chain() -> None:
    reason = surfpool_availability()
    if reason is not None:
        pytest.skip(f"no Surfpool localnet: {reason}")
    async with open_cluster("surfpool") as cluster:
        report = await play_story(cluster)
        assert report.backend == "surfpool" and report.rpc_url is not None
        await check_report_matches_chain(cluster, report)


def test_demo_command_prints_report_and_writes_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--in-process", "--out", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backend"] == "in-process"
    assert report["net_supply_change_uakt"] == report["total_akt_minted"] - report["total_akt_burned"]
    assert Path(report["chart"]).read_bytes().startswith(b"\x89PNG")


@pytest.mark.agave
@pytest.mark.skipif(os.environ.get("AKASH_BME_AGAVE") != "1", reason="opt-in tier: set AKASH_BME_AGAVE=1")
async def test_demo_on_solana_test_validator_matches_chain() -> None:
    """The same story on a real Agave validator: real loader deploy, real clock (no time travel)."""
    if shutil.which("solana-test-validator") is None:
        pytest.fail("AKASH_BME_AGAVE=1 but solana-test-validator is not on PATH")
    async with open_cluster("solana-test-validator") as cluster:
        report = await play_story(cluster)
        assert report.backend == "solana-test-validator"
        await check_report_matches_chain(cluster, report)
