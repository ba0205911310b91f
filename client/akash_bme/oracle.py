"""Posting AKT/USD prices: one post (`post_price`) and a keeper that keeps the feed fresh.

The program halts minting once the feed is older than `max_price_age_secs` (60 s by default), so a
localnet that should stay usable needs someone posting. The keeper posts a fixed value or a CSV
series (`seconds,usd` rows, the price at a moment being the last row at or before it; the last row
holds forever) every `interval` seconds, survives a node that stops answering for a while, and stops
on the first program error other than a lost race (`PriceNotNewer`), which means it is misconfigured.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from solders.keypair import Keypair

from ._client import BmeClient, TxResult
from ._errors import BlockhashExpired, ConfirmationTimeout, RpcError
from .generated.errors import PriceNotNewer

__all__ = [
    "DEFAULT_CONF_BPS",
    "DEFAULT_EXPO",
    "KeeperReport",
    "OracleKeeper",
    "PostedPrice",
    "PriceSeries",
    "PriceSeriesError",
    "post_price",
    "usd_to_units",
]

DEFAULT_EXPO = -8
DEFAULT_CONF_BPS = 5
MAX_LEAD_SECONDS = 60
"""How far ahead of the chain clock the program accepts a publish time (DESIGN §4)."""


class PriceSeriesError(ValueError):
    """A price or a price file that cannot be used; the message names the file and line."""


def usd_to_units(usd: str | Decimal, expo: int) -> int:
    """`usd` as an integer price at `expo`, exactly; refuses rounding and non-positive prices."""
    try:
        value = Decimal(usd).scaleb(-expo)
    except InvalidOperation:
        raise PriceSeriesError(f"{usd!r} is not a decimal price") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise PriceSeriesError(f"{usd} has more decimals than expo {expo} allows")
    if value <= 0:
        raise PriceSeriesError(f"{usd} is not a positive price")
    return int(value)


@dataclass(frozen=True)
class PriceSeries:
    """Prices over time since the keeper started: `points` are (seconds, price units), the first at 0."""

    points: tuple[tuple[float, int], ...]
    expo: int

    @classmethod
    def fixed(cls, usd: str | Decimal, expo: int = DEFAULT_EXPO) -> PriceSeries:
        return cls(((0.0, usd_to_units(usd, expo)),), expo)

    @classmethod
    def from_csv(cls, path: Path, expo: int = DEFAULT_EXPO) -> PriceSeries:
        """Reads `seconds,usd` rows (a header row and blank lines are allowed); seconds start at 0 and
        strictly increase."""
        try:
            text = path.read_text()
        except OSError as exc:
            raise PriceSeriesError(f"{path}: cannot read ({exc.strerror or exc})") from None
        points: list[tuple[float, int]] = []
        for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells) or (line_no == 1 and cells and not _is_number(cells[0])):
                continue
            where = f"{path}:{line_no}"
            if len(cells) != 2:
                raise PriceSeriesError(f"{where}: expected `seconds,usd`, got {len(cells)} columns")
            if not _is_number(cells[0]) or float(cells[0]) < 0:
                raise PriceSeriesError(f"{where}: {cells[0]!r} is not a non-negative number of seconds")
            seconds = float(cells[0])
            if not points and seconds != 0:
                raise PriceSeriesError(f"{where}: the first row must be at 0 seconds")
            if points and seconds <= points[-1][0]:
                raise PriceSeriesError(
                    f"{where}: seconds must increase ({seconds:g} after {points[-1][0]:g})"
                )
            try:
                points.append((seconds, usd_to_units(cells[1], expo)))
            except PriceSeriesError as exc:
                raise PriceSeriesError(f"{where}: {exc}") from None
        if not points:
            raise PriceSeriesError(f"{path}: no price rows")
        return cls(tuple(points), expo)

    def price_at(self, elapsed: float) -> int:
        current = self.points[0][1]
        for seconds, price in self.points:
            if seconds > elapsed:
                break
            current = price
        return current


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class PostedPrice:
    price: int
    expo: int
    conf: int
    publish_time: int
    result: TxResult


async def post_price(
    client: BmeClient,
    oracle: Keypair,
    price: int,
    *,
    expo: int = DEFAULT_EXPO,
    conf_bps: int = DEFAULT_CONF_BPS,
    only_if_fresher: bool = False,
) -> PostedPrice | None:
    """Posts `price` stamped with the chain clock, or one second past the feed's stamp when the clock has
    not moved past it (publish times must strictly increase; the program allows a 60 s lead).

    Returns None without sending when the post would be refused for running more than 60 s ahead of
    the chain clock, or, with `only_if_fresher`, when it would say nothing new: same price, and the
    clock has not passed the feed's stamp. A chain whose clock moves only with its slots (Surfpool's
    transaction mode, LiteSVM) would otherwise see a keeper run ahead of it until refused.
    """
    if not 0 <= conf_bps <= 10_000:
        raise ValueError(f"conf_bps must be within 0..=10000, got {conf_bps}")
    now = await client.connection.get_unix_time()
    feed = await client.price_feed()
    if only_if_fresher and now <= feed.publish_time and (feed.price, feed.expo) == (price, expo):
        return None
    publish_time = max(now, feed.publish_time + 1)
    if publish_time > now + MAX_LEAD_SECONDS:
        return None
    conf = price * conf_bps // 10_000
    result = await client.update_price(oracle, price=price, expo=expo, conf=conf, publish_time=publish_time)
    return PostedPrice(price=price, expo=expo, conf=conf, publish_time=publish_time, result=result)


@dataclass
class KeeperReport:
    """`skipped`: ticks with nothing fresher to post (the chain clock had not moved)."""

    posted: int = 0
    skipped: int = 0
    failed: int = 0
    last: PostedPrice | None = None


TRANSIENT = (RpcError, BlockhashExpired, ConfirmationTimeout, PriceNotNewer)
"""Failures the keeper rides out: the node away for a while, a post that did not land, another oracle
posting first. Anything else (Unauthorized, OracleInvalid, ...) stops it."""


class OracleKeeper:
    """Posts `series` every `interval` seconds; `run` returns after `count` rounds (posted, skipped or
    failed) or once `stop` is set."""

    def __init__(
        self,
        client: BmeClient,
        oracle: Keypair,
        series: PriceSeries,
        *,
        interval: float = 5.0,
        conf_bps: int = DEFAULT_CONF_BPS,
        on_post: Callable[[PostedPrice], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.client = client
        self.oracle = oracle
        self.series = series
        self.interval = interval
        self.conf_bps = conf_bps
        self.on_post = on_post
        self.on_failure = on_failure

    async def run(self, *, count: int | None = None, stop: asyncio.Event | None = None) -> KeeperReport:
        stop = stop or asyncio.Event()
        report = KeeperReport()
        started = time.monotonic()
        tick = 0
        while not stop.is_set() and (count is None or tick < count):
            price = self.series.price_at(time.monotonic() - started)
            try:
                posted = await post_price(
                    self.client, self.oracle, price, expo=self.series.expo, conf_bps=self.conf_bps,
                    only_if_fresher=True,
                )  # fmt: skip
            except TRANSIENT as exc:
                report.failed += 1
                if self.on_failure is not None:
                    self.on_failure(exc)
            else:
                if posted is None:
                    report.skipped += 1
                else:
                    report.posted += 1
                    report.last = posted
                    if self.on_post is not None:
                        self.on_post(posted)
            tick += 1
            delay = started + tick * self.interval - time.monotonic()
            if delay > 0 and (count is None or tick < count):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return report
