"""Off-chain quotes with exactly the program's integer math (program/src/math.rs and the status rules).

Every function mirrors its on-chain twin bit for bit, including rounding and overflow: a quote that the
program would refuse with MathOverflow raises `QuoteOverflow` here. Tests compare them on thousands of
random cases against the real program.
"""

from __future__ import annotations

from dataclasses import dataclass

from .generated.types import MintStatus

BPS = 10_000
U64_MAX = 2**64 - 1
SECONDS_PER_HOUR = 3600


class QuoteOverflow(ArithmeticError):
    """The program would fail with MathOverflow (or refuse the price) for these inputs."""


def _u64(value: int) -> int:
    if value > U64_MAX:
        raise QuoteOverflow(f"{value} does not fit in u64")
    return value


def scale_for_expo(expo: int) -> int:
    """10^(-expo) for a Pyth exponent in -12..=0."""
    if not -12 <= expo <= 0:
        raise QuoteOverflow(f"expo {expo} outside -12..=0")
    return int(10 ** (0 - expo))


def _price(price: int) -> int:
    if price <= 0:
        raise QuoteOverflow(f"price {price} is not positive")
    return price


def akt_to_uact(uakt: int, price: int, expo: int) -> int:
    """floor(uakt × price / 10^-expo)."""
    return _u64(uakt * _price(price) // scale_for_expo(expo))


def uact_to_akt(uact: int, price: int, expo: int) -> int:
    """floor(uact × 10^-expo / price)."""
    return _u64(uact * scale_for_expo(expo) // _price(price))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class BurnQuote:
    """AKT burned for exactly `deposit_uact` of ACT, and the ACT value of the protocol's spread."""

    deposit_uact: int
    burn_uakt: int
    spread_uact: int


def quote_burn(deposit_uact: int, mint_spread_bps: int, price: int, expo: int) -> BurnQuote:
    """burn = ceil(ceil(deposit × 10000 / (10000 − spread)) × 10^-expo / price)."""
    keep = BPS - mint_spread_bps
    if keep <= 0:
        raise QuoteOverflow("spread of 100% or more")
    gross = _u64(_ceil_div(deposit_uact * BPS, keep))
    burn = _u64(_ceil_div(gross * scale_for_expo(expo), _price(price)))
    return BurnQuote(deposit_uact=deposit_uact, burn_uakt=burn, spread_uact=gross - deposit_uact)


@dataclass(frozen=True)
class RedeemQuote:
    """AKT paid for redeeming `uact` of ACT: gross at the oracle price, minus the settle spread."""

    uact: int
    gross_uakt: int
    paid_uakt: int


def quote_redeem(uact: int, settle_spread_bps: int, price: int, expo: int) -> RedeemQuote:
    """paid = gross − floor(gross × settle_spread_bps / 10000)."""
    gross = uact_to_akt(uact, price, expo)
    return RedeemQuote(uact=uact, gross_uakt=gross, paid_uakt=gross - gross * settle_spread_bps // BPS)


def collateral_ratio_bps(remint_credits_uakt: int, act_outstanding_uact: int, price: int, expo: int) -> int:
    """akt_to_uact(credits) × 10000 / outstanding; U64_MAX stands for infinity (and saturates)."""
    if act_outstanding_uact == 0:
        return U64_MAX
    value = remint_credits_uakt * _price(price) // scale_for_expo(expo)
    if value > U64_MAX:
        return U64_MAX
    return min(value * BPS // act_outstanding_uact, U64_MAX)


def confidence_too_wide(conf: int, price: int, max_conf_bps: int) -> bool:
    """conf × 10000 > price × max_conf_bps."""
    return conf * BPS > price * max_conf_bps


@dataclass(frozen=True)
class StatusInputs:
    """What the program's status evaluation reads: the price feed, the params and the vault totals."""

    price: int
    expo: int
    conf: int
    publish_time: int
    remint_credits_uakt: int
    act_outstanding_uact: int
    circuit_breaker_warn_bps: int
    circuit_breaker_halt_bps: int
    max_price_age_secs: int
    max_conf_bps: int


def mint_status(inputs: StatusInputs, now: int) -> tuple[MintStatus, int]:
    """(status, collateral ratio in bps) as the program evaluates them at unix time `now`."""
    valid = inputs.price > 0 and -12 <= inputs.expo <= 0
    price = inputs.price if valid else 0
    cr = (
        collateral_ratio_bps(inputs.remint_credits_uakt, inputs.act_outstanding_uact, price, inputs.expo)
        if valid
        else 0
    )
    if not valid or confidence_too_wide(inputs.conf, price, inputs.max_conf_bps):
        return MintStatus.HaltOracle, cr
    if now - inputs.publish_time > inputs.max_price_age_secs:
        return MintStatus.HaltOracle, cr
    if cr <= inputs.circuit_breaker_halt_bps:
        return MintStatus.HaltCr, cr
    if cr <= inputs.circuit_breaker_warn_bps:
        return MintStatus.Warning, cr
    return MintStatus.Healthy, cr


def accrue(rate_uact_per_hour: int, elapsed_secs: int, remainder: int) -> tuple[int, int]:
    """(due, remainder) of lazy accrual: owed = rate × elapsed + remainder, split by 3600."""
    due, rest = divmod(rate_uact_per_hour * elapsed_secs + remainder, SECONDS_PER_HOUR)
    return _u64(due), rest
