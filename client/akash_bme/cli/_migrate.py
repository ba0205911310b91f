"""`akash-bme migrate ...`: the Cosmos migration stages. The CLI only parses arguments and calls them."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..migration import (
    HeightTime,
    MigrationInputError,
    Plan,
    build_plan,
    load_address_map,
    plan_digest,
    plan_from_json,
    plan_to_json,
    read_source,
)
from ..migration.apply import ApplyProgress, apply_plan
from ..migration.verify import VerifyReport, finalize, verify_plan
from ._common import (
    EXIT_FAILURE,
    EXIT_OK,
    Failure,
    Output,
    add_command,
    group,
    jsonable,
    kv_table,
    session,
    stderr_console,
)

_MISMATCHES_SHOWN = 50


def _height_time(text: str) -> HeightTime:
    """`HEIGHT:UNIX`, e.g. `25880666:1767225600`."""
    height, sep, unix = text.partition(":")
    if not sep or not height.isdigit() or not unix.lstrip("-").isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not HEIGHT:UNIX (two integers)")
    return HeightTime(int(height), int(unix))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "migrate", "migrate Akash's Cosmos state (plan, then apply and verify)")
    parser = add_command(commands, "plan", "build the deterministic migration plan (no network)", _plan)
    parser.add_argument(
        "--source", type=Path, required=True, help="a genesis export file or a directory of saved REST pages"
    )
    parser.add_argument("--address-map", type=Path, required=True, help="CSV akash_address,solana_pubkey")
    parser.add_argument("--blocks-per-hour", type=Decimal, required=True, help="converts per-block rates")
    parser.add_argument(
        "--height-time",
        type=_height_time,
        required=True,
        metavar="HEIGHT:UNIX",
        help="a height and its unix time",
    )
    parser.add_argument("--block-time-ms", type=int, required=True, help="block time for other heights")
    parser.add_argument("--out", type=Path, help="write the plan JSON here")
    parser = add_command(commands, "apply", "apply a plan (journaled, resumable)", _apply, cluster=True)
    _plan_and_authority(parser)
    parser.add_argument("--journal", type=Path, required=True, help="sqlite journal (created or resumed)")
    parser.add_argument("--concurrency", type=int, default=8, help="transactions in flight (default 8)")
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="send without the node's simulation (faster; failures land)",
    )
    parser = add_command(
        commands, "verify", "reconcile the chain with a plan (exit 1 on mismatch)", _verify, cluster=True
    )
    parser.add_argument("--plan", type=Path, required=True, help="the plan JSON `migrate plan` wrote")
    parser = add_command(
        commands, "finalize", "close the migration after a clean verify", _finalize, cluster=True
    )
    _plan_and_authority(parser)


def _plan_and_authority(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", type=Path, required=True, help="the plan JSON `migrate plan` wrote")
    parser.add_argument("--authority", dest="keypair", help="the config authority's keypair file")


async def _plan(args: argparse.Namespace) -> Output:
    try:
        plan = build_plan(
            read_source(args.source),
            load_address_map(args.address_map),
            blocks_per_hour=args.blocks_per_hour,
            height_time=args.height_time,
            block_time_ms=args.block_time_ms,
        )
    except MigrationInputError as exc:
        raise Failure(str(exc)) from None
    if args.out is not None:
        args.out.write_text(plan_to_json(plan))
    data = {"digest": plan_digest(plan), "out": args.out, "totals": jsonable(plan.totals)}
    return Output(
        data, kv_table(f"migration plan {data['digest']}", {**data["totals"], "written to": args.out})
    )


def _load_plan(path: Path) -> Plan:
    try:
        return plan_from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Failure(f"{path}: not a usable migration plan: {exc}") from None


async def _apply(args: argparse.Namespace) -> Output:
    plan = _load_plan(args.plan)
    async with session(args) as s:
        with Progress(
            TextColumn("{task.description:>15}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            disable=args.json,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(update: ApplyProgress) -> None:
                if update.phase not in tasks:
                    tasks[update.phase] = bar.add_task(str(update.phase), total=update.total)
                bar.update(tasks[update.phase], completed=update.done, total=update.total)

            summary = await apply_plan(
                plan,
                s.client,
                s.signer,
                args.journal,
                concurrency=args.concurrency,
                progress=progress,
                skip_preflight=args.skip_preflight,
            )
    data = {
        "digest": plan_digest(plan),
        **{k: v for k, v in jsonable(summary).items() if k != "failures"},
        "actions_per_second": round(summary.actions_per_second, 1),
        "transactions_per_second": round(summary.transactions_per_second, 1),
        "failures": jsonable(summary.failures),
    }
    view = kv_table("migration apply", {k: v for k, v in data.items() if k != "failures"})
    for failure in summary.failures[:_MISMATCHES_SHOWN]:
        view.add_row(f"failed {failure.action_id}", failure.error)
    return Output(data, view, EXIT_OK if summary.ok else EXIT_FAILURE)


def _report_output(report: VerifyReport) -> Output:
    table = Table(title="migration verify", title_justify="left")
    for column in ("kind", "quantity", "plan", "chain", "ok"):
        table.add_column(column, justify="right" if column in ("plan", "chain") else "left")
    for row in report.rows:
        table.add_row(
            row.kind, row.quantity, str(row.plan), str(row.chain), "ok" if row.ok else "[red]MISMATCH[/]"
        )
    for mismatch in report.mismatches[:_MISMATCHES_SHOWN]:
        table.add_row(
            mismatch.kind, mismatch.field, mismatch.expected, mismatch.actual, f"[red]{mismatch.account}[/]"
        )
    if len(report.mismatches) > _MISMATCHES_SHOWN:
        table.caption = f"{len(report.mismatches) - _MISMATCHES_SHOWN} more mismatches (--json lists all)"
    data = {"ok": report.ok, "rows": jsonable(report.rows), "mismatches": jsonable(report.mismatches)}
    return Output(data, table, EXIT_OK if report.ok else EXIT_FAILURE)


async def _verify(args: argparse.Namespace) -> Output:
    plan = _load_plan(args.plan)
    async with session(args, signs=False) as s:
        return _report_output(await verify_plan(plan, s.client))


async def _finalize(args: argparse.Namespace) -> Output:
    plan = _load_plan(args.plan)
    async with session(args) as s:
        result = await finalize(plan, s.client, s.signer)
    return Output({"signature": result.signature, "finalized": True})
