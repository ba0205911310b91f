"""`akash-bme demo`: the BME story on a fresh localnet (or in-process), reported from chain state."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from ..demo import AKT, DemoReport, Mode, run_demo
from ._common import Output, add_command


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "demo", "play a BME story on a fresh localnet and chart it", _demo)
    parser.add_argument("--in-process", action="store_true", help="use the in-process LiteSVM runtime")
    parser.add_argument(
        "--validator",
        choices=("surfpool", "solana-test-validator"),
        help="which node to start (default: Surfpool when Node.js is there, else in-process)",
    )
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="where the chart goes")


async def _demo(args: argparse.Namespace) -> Output:
    mode: Mode = "in-process" if args.in_process else (args.validator or "auto")
    report = await run_demo(mode=mode, out_dir=args.out)
    return Output(report.to_json(), render(report))


def _akt(uakt: int, *, sign: bool = False) -> str:
    return f"{uakt / AKT:{'+' if sign else ''},.6f} AKT"


def render(report: DemoReport) -> Group:
    where = report.backend if report.rpc_url is None else f"{report.backend} at {report.rpc_url}"
    notes = []
    if report.fallback_reason is not None:
        notes.append(
            f"[yellow]Surfpool unavailable ({report.fallback_reason}): "
            "ran on the in-process LiteSVM runtime instead.[/]"
        )
    timeline = Table(title="The story, read back from chain after each step", title_justify="left")
    for column, justify in (
        ("step", "left"), ("t (h)", "right"), ("AKT/USD", "right"), ("AKT supply", "right"),
        ("ACT outstanding", "right"), ("remint credits", "right"), ("CR", "right"), ("status", "left"),
    ):  # fmt: skip
        timeline.add_column(column, justify=justify)  # type: ignore[arg-type]
    colors = {"Healthy": "green", "Warning": "yellow", "HaltCr": "red", "HaltOracle": "magenta"}
    for s in report.timeline:
        timeline.add_row(
            s.step,
            f"{s.chain_seconds / 3600:.2f}",
            f"{s.price_usd:.4f}",
            f"{s.akt_supply_uakt / AKT:,.2f}",
            f"{s.act_outstanding_uact / 10**6:,.2f}",
            f"{s.remint_credits_uakt / AKT:,.2f}",
            "∞" if s.collateral_ratio_bps is None else f"{s.collateral_ratio_bps / 100:.2f}%",
            f"[{colors.get(s.status, 'white')}]{s.status}[/]",
        )
    totals = Table(show_header=False, title="Totals (config and mint, on chain)", title_justify="left")
    totals.add_column(style="bold cyan")
    totals.add_column(justify="right")
    refusal = report.refusal
    for key, value in (
        ("AKT burned (tenants + vault funding)", _akt(report.total_akt_burned)),
        ("AKT minted (providers + refunds)", _akt(report.total_akt_minted)),
        (
            "AKT supply before → after",
            f"{_akt(report.initial_supply_uakt)} → {_akt(report.final_supply_uakt)}",
        ),
        ("net supply change", _akt(report.net_supply_change_uakt, sign=True)),
        ("ACT outstanding", f"{report.act_outstanding_uact / 10**6:,.6f} ACT"),
        ("remint credits left", _akt(report.remint_credits_uakt)),
        (
            "lease under the circuit breaker",
            "accepted (!)"
            if refusal is None
            else f"refused: {refusal.name} ({refusal.code}) under {refusal.status}",
        ),
        ("transactions in the story", str(report.transactions)),
        ("localnet start / deploy", f"{report.startup_seconds:.2f} s / {report.deploy_seconds:.2f} s"),
        ("story / wall time", f"{report.story_seconds:.2f} s / {report.wall_seconds:.2f} s"),
        ("chart", report.chart or "-"),
    ):
        totals.add_row(key, value)
    header = Panel(
        f"akash-bme demo on [bold]{where}[/]\nprogram {report.program_id}\nAKT mint {report.akt_mint}",
        expand=False,
    )
    return Group(*notes, header, timeline, totals)
