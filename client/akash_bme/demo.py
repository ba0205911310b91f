"""The project's main job: a real BME story played on a real runtime, reported from chain state.

A Surfpool localnet is started and the program deployed through the BPF Upgradeable Loader; without
Node.js (or with `in_process=True`) the same story runs on the in-process LiteSVM runtime. Hours pass
in a few milliseconds: Surfpool's `surfnet_timeTravel` cheatcode (JSON-RPC) or LiteSVM's clock moves
the Clock sysvar, then the oracle posts a fresh price. A backend without time travel (a real
`solana-test-validator`) waits a few real seconds instead, so its accruals are smaller; every figure in
the report is read back from chain (config totals, mint supply, clock), never from the script's intent.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx2
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from ._client import BmeClient
from .bootstrap import bootstrap, load_program, load_program_keypair
from .connection import Connection, RpcConnection
from .deploy import ProgressCallback, deploy_program
from .idl import ProgramError
from .localnet import Backend, BlockProduction, Localnet, LocalnetConfig, LocalnetError, ensure_node_modules
from .oracle import DEFAULT_EXPO
from .quotes import scale_for_expo
from .testing import DEFAULT_CONF, DEFAULT_PRICE, in_process_world

__all__ = [
    "DEMO_BALANCES",
    "Cluster",
    "DemoReport",
    "Mode",
    "Refusal",
    "Snapshot",
    "bootstrap_cluster",
    "open_cluster",
    "play_story",
    "run_demo",
    "surfpool_availability",
    "surfpool_travel",
    "write_chart",
]

AKT = 10**6
ACT = 10**6
HOUR = 3600
DEMO_BALANCES: Mapping[str, int] = {
    "alice": 20_000 * AKT,
    "bob": 20_000 * AKT,
    "provider-a": 0,
    "provider-b": 0,
    "treasury": 50_000 * AKT,
}
"""The demo's named wallets and their initial AKT (minted before the mint is handed to the program)."""
WALLET_LAMPORTS = 10**9 // 2
SHOCK_PRICES = (186_000_000, 175_000_000)
"""The AKT price shock at expo -8: $1.86 brings the CR under 95% (Warning), $1.75 under 90% (HaltCr)."""
REAL_WAIT_CAP_SECONDS = 3.0
"""Without time travel, `advance` waits this long at most (real seconds)."""
SURFPOOL_BLOCK_PRODUCTION: BlockProduction = "transaction"
"""A block per transaction: each confirms as soon as it lands (`clock` waits for the next slot)."""

Mode = Literal["auto", "surfpool", "solana-test-validator", "in-process"]
Travel = Callable[[int], Awaitable[bool]]
"""Moves the chain clock to an absolute unix time; False when the backend cannot."""


@dataclass
class Cluster:
    """A bootstrapped cluster with named, funded wallets. `advance` moves its clock, then the oracle
    posts a fresh price (publish times must strictly increase)."""

    client: BmeClient
    authority: Keypair
    oracle: Keypair
    wallets: dict[str, Keypair]
    backend: str
    rpc_url: str | None
    travel: Travel
    price: int = DEFAULT_PRICE
    expo: int = DEFAULT_EXPO
    conf: int = DEFAULT_CONF
    startup_seconds: float = 0.0
    deploy_seconds: float = 0.0
    fallback_reason: str | None = None

    @property
    def connection(self) -> Connection:
        return self.client.connection

    async def advance(self, seconds: int, *, price: int | None = None) -> None:
        now = await self.connection.get_unix_time()
        if not await self.travel(now + seconds):
            await asyncio.sleep(min(seconds, REAL_WAIT_CAP_SECONDS))
        if price is not None:
            self.price = price
        publish_time = await self.connection.get_unix_time()
        feed = await self.client.price_feed()
        while publish_time <= feed.publish_time:  # a clock that did not move: wait for the next second
            await asyncio.sleep(0.25)
            publish_time = await self.connection.get_unix_time()
        await self.client.update_price(
            self.oracle, price=self.price, expo=self.expo, conf=self.conf, publish_time=publish_time
        )

    async def akt_supply(self) -> int:
        data = await self.connection.get_account_data(self.client.akt_mint)
        if data is None:
            raise LookupError(f"AKT mint {self.client.akt_mint} not found")
        return int.from_bytes(data[36:44], "little")

    async def akt_balance(self, owner: Pubkey) -> int:
        data = await self.connection.get_account_data(self.client.akt_account(owner))
        return 0 if data is None else int.from_bytes(data[64:72], "little")


def surfpool_travel(rpc_url: str) -> Travel:
    """`surfnet_timeTravel` (Surfpool's JSON-RPC cheatcode; milliseconds, forward only)."""

    async def travel(unix_time: int) -> bool:
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "surfnet_timeTravel",
            "params": [{"absoluteTimestamp": unix_time * 1000}],
        }
        async with httpx2.AsyncClient(timeout=10.0) as http:
            reply = (await http.post(rpc_url, json=body)).json()
        if "error" in reply:
            raise LocalnetError(f"surfnet_timeTravel failed: {reply['error']}")
        return True

    return travel


async def _no_travel(unix_time: int) -> bool:
    return False


async def bootstrap_cluster(
    connection: Connection,
    payer: Keypair,
    balances: Mapping[str, int],
    *,
    wallets: Mapping[str, Keypair] | None = None,
    backend: str,
    rpc_url: str | None,
    travel: Travel = _no_travel,
    progress: ProgressCallback | None = None,
) -> Cluster:
    """Over any RPC: fund the named wallets with SOL from `payer`, deploy the program with real loader
    transactions (unless it is already there), create the AKT mint with `balances`, initialize (payer is
    authority and oracle) and post a first price."""
    keys = {name: (wallets or {}).get(name) or Keypair() for name in balances}
    client = BmeClient(connection, payer)
    for names in _batches(sorted(keys), 8):
        funding = [
            transfer(
                TransferParams(
                    from_pubkey=payer.pubkey(), to_pubkey=keys[n].pubkey(), lamports=WALLET_LAMPORTS
                )
            )
            for n in names
        ]
        await client.pipeline.send(funding)
    program = load_program_keypair()
    clock = time.monotonic()
    existing = await connection.get_account(program.pubkey())
    if existing is None or not existing.executable:
        await deploy_program(connection, payer, program, load_program(), progress=progress)
    deployed = time.monotonic() - clock
    booted = await bootstrap(
        connection,
        payer,
        balances={keys[name].pubkey(): amount for name, amount in balances.items()},
        price=DEFAULT_PRICE,
        expo=DEFAULT_EXPO,
        conf=DEFAULT_CONF,
        program_keypair=program,
    )
    return Cluster(
        client=booted.client,
        authority=payer,
        oracle=booted.oracle,
        wallets=keys,
        backend=backend,
        rpc_url=rpc_url,
        travel=travel,
        deploy_seconds=deployed,
    )


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def surfpool_availability() -> str | None:
    """None when a Surfpool localnet can start here, else why not."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    try:
        ensure_node_modules()
    except LocalnetError as exc:
        return str(exc).splitlines()[0]
    return None


@contextlib.asynccontextmanager
async def open_cluster(
    mode: Mode = "auto",
    *,
    balances: Mapping[str, int] = DEMO_BALANCES,
    progress: ProgressCallback | None = None,
) -> AsyncIterator[Cluster]:
    """A fresh cluster for the story, stopped on exit. `auto` is Surfpool when Node.js is there, else
    the in-process runtime (the cluster's `fallback_reason` says why)."""
    reason = None
    if mode == "auto":
        reason = surfpool_availability()
        mode = "in-process" if reason else "surfpool"
    if mode == "in-process":
        clock = time.monotonic()
        world = await in_process_world(dict(balances))

        async def travel(unix_time: int) -> bool:
            world.connection.set_unix_time(unix_time)
            world.connection.expire_blockhash()
            return True

        cluster = Cluster(
            client=world.client,
            authority=world.authority,
            oracle=world.oracle,
            wallets=dict(world.wallets),
            backend="in-process",
            rpc_url=None,
            travel=travel,
            startup_seconds=time.monotonic() - clock,
            fallback_reason=reason,
        )
        async with world.connection:
            yield cluster
        return
    backend: Backend = mode
    config = LocalnetConfig(
        backend=backend, block_production=SURFPOOL_BLOCK_PRODUCTION if backend == "surfpool" else None
    )
    async with Localnet(config) as net, RpcConnection(net.rpc_url, net.ws_url) as connection:
        cluster = await bootstrap_cluster(
            connection,
            net.payer,
            balances,
            backend=backend,
            rpc_url=net.rpc_url,
            travel=surfpool_travel(net.rpc_url) if backend == "surfpool" else _no_travel,
            progress=progress,
        )
        cluster.startup_seconds = net.info.startup_seconds
        yield cluster


# -- the story ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Chain state after one step of the story, read back from the config, price feed, mint and clock."""

    step: str
    chain_seconds: int
    price_usd: float
    akt_supply_uakt: int
    remint_credits_uakt: int
    act_outstanding_uact: int
    collateral_ratio_bps: int | None
    """None when no ACT is outstanding (the ratio is infinite)."""
    status: str


@dataclass(frozen=True)
class Refusal:
    """The typed program error that refused a lease under the circuit breaker."""

    name: str
    code: int
    status: str


@dataclass(frozen=True)
class DemoReport:
    backend: str
    fallback_reason: str | None
    rpc_url: str | None
    program_id: str
    akt_mint: str
    initial_supply_uakt: int
    final_supply_uakt: int
    total_akt_burned: int
    total_akt_minted: int
    act_outstanding_uact: int
    remint_credits_uakt: int
    refusal: Refusal | None
    timeline: tuple[Snapshot, ...]
    transactions: int
    startup_seconds: float
    deploy_seconds: float
    story_seconds: float
    wall_seconds: float
    chart: str | None = None
    leases: tuple[str, ...] = field(default=())

    @property
    def net_supply_change_uakt(self) -> int:
        return self.final_supply_uakt - self.initial_supply_uakt

    def to_json(self) -> dict[str, object]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("timeline", "refusal")}
        data["net_supply_change_uakt"] = self.net_supply_change_uakt
        data["refusal"] = None if self.refusal is None else self.refusal.__dict__
        data["timeline"] = [s.__dict__ for s in self.timeline]
        data["leases"] = list(self.leases)
        return json.loads(json.dumps(data))  # type: ignore[no-any-return]


class _Story:
    """Plays the steps and records a snapshot after each."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.client = cluster.client
        self.timeline: list[Snapshot] = []
        self.transactions = 0
        self.start_time = 0

    def wallet(self, name: str) -> Keypair:
        return self.cluster.wallets[name]

    async def snapshot(self, step: str) -> None:
        vault = await self.client.vault_status()
        now = await self.cluster.connection.get_unix_time()
        self.timeline.append(
            Snapshot(
                step=step,
                chain_seconds=now - self.start_time,
                price_usd=vault.price / scale_for_expo(vault.expo),
                akt_supply_uakt=await self.cluster.akt_supply(),
                remint_credits_uakt=vault.remint_credits_uakt,
                act_outstanding_uact=vault.act_outstanding_uact,
                collateral_ratio_bps=None if vault.act_outstanding_uact == 0 else vault.collateral_ratio_bps,
                status=vault.stored_status.name,
            )
        )

    async def lease(self, tenant: str, provider: str, dseq: int, rate_act: int, deposit_act: int) -> Pubkey:
        owner = self.wallet(provider).pubkey()
        await self.client.create_lease(
            self.wallet(tenant),
            provider_owner=owner,
            dseq=dseq,
            rate_uact_per_hour=rate_act * ACT,
            deposit_uact=deposit_act * ACT,
        )
        self.transactions += 1
        return self.client.lease_address(
            self.wallet(tenant).pubkey(), self.client.provider_address(owner), dseq
        )

    async def fund_to(self, target_bps: int) -> None:
        """The treasury burns just enough AKT into remint credits to lift the CR to `target_bps`."""
        vault = await self.client.vault_status()
        needed_uact = -(-vault.act_outstanding_uact * target_bps // 10_000)
        needed_uakt = -(-needed_uact * scale_for_expo(vault.expo) // vault.price)
        await self.client.fund_vault(self.wallet("treasury"), max(needed_uakt - vault.remint_credits_uakt, 1))
        self.transactions += 1


async def play_story(cluster: Cluster) -> DemoReport:
    """Runs the BME story on `cluster`; the report's totals are read back from chain afterwards."""
    story = _Story(cluster)
    client = cluster.client
    clock = time.monotonic()
    story.start_time = await cluster.connection.get_unix_time()
    initial_supply = await cluster.akt_supply()
    await story.snapshot("genesis")

    for name, host in (
        ("provider-a", "https://provider-a.example"),
        ("provider-b", "https://provider-b.example"),
    ):
        await client.register_provider(story.wallet(name), host)
        story.transactions += 1
    leases = [
        await story.lease("alice", "provider-a", 1, rate_act=50, deposit_act=1_000),
        await story.lease("bob", "provider-b", 2, rate_act=30, deposit_act=600),
        await story.lease("alice", "provider-b", 3, rate_act=20, deposit_act=400),
    ]
    await story.snapshot("3 leases: tenants burn AKT")

    await cluster.advance(6 * HOUR)
    story.transactions += 1
    await story.snapshot("6 h of compute")
    for lease, owner in zip(leases, ("provider-a", "provider-b", "provider-b"), strict=True):
        await client.withdraw(story.wallet(owner), lease)
        story.transactions += 1
    await story.snapshot("providers withdraw: AKT minted")

    await cluster.advance(30, price=SHOCK_PRICES[0])
    story.transactions += 1
    await story.snapshot("AKT 2.00 → 1.86 USD")
    await cluster.advance(30, price=SHOCK_PRICES[1])
    story.transactions += 1
    await story.snapshot("AKT → 1.75 USD")
    refusal = None
    try:
        await story.lease("bob", "provider-a", 4, rate_act=40, deposit_act=500)
    except ProgramError as exc:
        status = (await client.vault_status()).stored_status.name
        refusal = Refusal(name=exc.name, code=exc.code, status=status)
    await story.fund_to(11_000)
    await story.snapshot("treasury funds the vault")
    leases.append(await story.lease("bob", "provider-a", 4, rate_act=40, deposit_act=500))
    await story.snapshot("new lease accepted")

    await cluster.advance(2 * HOUR)
    story.transactions += 1
    tenants = ("alice", "bob", "alice", "bob")
    for lease, tenant in zip(leases, tenants, strict=True):
        await client.close_lease(story.wallet(tenant), lease)
        story.transactions += 1
    await story.snapshot("leases closed: refunds")
    story_seconds = time.monotonic() - clock

    config = await client.config()
    return DemoReport(
        backend=cluster.backend,
        fallback_reason=cluster.fallback_reason,
        rpc_url=cluster.rpc_url,
        program_id=str(client.program_id),
        akt_mint=str(client.akt_mint),
        initial_supply_uakt=initial_supply,
        final_supply_uakt=await cluster.akt_supply(),
        total_akt_burned=config.total_akt_burned,
        total_akt_minted=config.total_akt_minted,
        act_outstanding_uact=config.act_outstanding_uact,
        remint_credits_uakt=config.remint_credits_uakt,
        refusal=refusal,
        timeline=tuple(story.timeline),
        transactions=story.transactions,
        startup_seconds=cluster.startup_seconds,
        deploy_seconds=cluster.deploy_seconds,
        story_seconds=story_seconds,
        wall_seconds=story_seconds,
        leases=tuple(str(lease) for lease in leases),
    )


async def run_demo(
    *,
    mode: Mode = "auto",
    out_dir: Path | None = Path("demo-out"),
    progress: ProgressCallback | None = None,
) -> DemoReport:
    """Starts a cluster, plays the story, writes the chart (unless `out_dir` is None), stops the cluster."""
    clock = time.monotonic()
    async with open_cluster(mode, progress=progress) as cluster:
        report = await play_story(cluster)
    chart = None if out_dir is None else str(write_chart(report, out_dir / "bme-demo.png"))
    return dataclasses.replace(report, chart=chart, wall_seconds=time.monotonic() - clock)


def _ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values computed in Python: matplotlib's locator and default formatter divide with numpy,
    whose scalar floor division returns NaN once the in-process runtime has left this thread's x87 FPU
    state dirty (the chart's labels are formatted in Python too)."""
    raw = (high - low) / count or 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 2)]


def write_chart(report: DemoReport, path: Path) -> Path:
    """Supply and collateral ratio over the story, as a PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    steps = [f"{s.step}\nt = {s.chain_seconds / HOUR:.2f} h" for s in report.timeline]
    x = list(range(len(steps)))
    supply = [s.akt_supply_uakt / AKT for s in report.timeline]
    cr = [None if s.collateral_ratio_bps is None else s.collateral_ratio_bps / 100 for s in report.timeline]
    colors = {"Healthy": "#2e7d32", "Warning": "#f9a825", "HaltCr": "#c62828", "HaltOracle": "#6a1b9a"}

    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 7), height_ratios=[1, 1.2])
    fig.suptitle(f"akash-bme demo on {report.backend}: AKT supply and collateral ratio", fontsize=13)
    top.plot(x, supply, marker="o", color="#1565c0")
    top.axhline(
        report.initial_supply_uakt / AKT, color="grey", linestyle=":", linewidth=1, label="initial supply"
    )
    top.set_yticks(_ticks(min(supply), max(supply)))
    top.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    top.set_ylabel("AKT supply")
    top.legend(loc="lower left", fontsize=9)
    top.grid(alpha=0.3)

    shown = [(i, v) for i, v in zip(x, cr, strict=True) if v is not None]
    bottom.plot([i for i, _ in shown], [v for _, v in shown], color="black", linewidth=1, zorder=1)
    for i, v in shown:
        bottom.scatter(i, v, color=colors[report.timeline[i].status], s=60, zorder=2)
    for i, ratio in zip(x, cr, strict=True):
        if ratio is None:
            bottom.annotate(
                "∞\n(no ACT\noutstanding)",
                (i, 0.6),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="center",
                fontsize=9,
                color="#2e7d32",
            )
    bottom.axhline(95, color=colors["Warning"], linestyle="--", linewidth=1, label="warn 95%")
    bottom.axhline(90, color=colors["HaltCr"], linestyle="--", linewidth=1, label="halt 90%")
    handles, _ = bottom.get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="o", linestyle="", color=color, label=status)
        for status, color in colors.items()
        if any(s.status == status for s in report.timeline)
    ]
    bottom.set_ylabel("collateral ratio (%)")
    low, high = min([80.0, *(v for _, v in shown)]) - 2, max([115.0, *(v for _, v in shown)]) + 5
    bottom.set_yticks(_ticks(low, high))
    bottom.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    bottom.set_ylim(low, high)
    bottom.legend(handles=handles, loc="lower left", fontsize=8, ncol=5)
    bottom.grid(alpha=0.3)
    bottom.set_xticks(x, steps, rotation=25, ha="right", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
