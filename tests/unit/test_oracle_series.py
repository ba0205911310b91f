"""Price series for the oracle keeper: exact units, CSV rows read strictly, errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from akash_bme.oracle import PriceSeries, PriceSeriesError, usd_to_units


def test_usd_to_units_is_exact_and_refuses_what_it_cannot_represent() -> None:
    assert usd_to_units("1.75", -8) == 175_000_000
    assert usd_to_units("2", 0) == 2
    for bad in ("1.123", "abc", "0", "-1", "NaN", "Infinity"):
        with pytest.raises(PriceSeriesError):
            usd_to_units(bad, -2)


def test_a_fixed_series_holds_its_price() -> None:
    series = PriceSeries.fixed("1.9")
    assert [series.price_at(t) for t in (0, 5, 1e9)] == [190_000_000] * 3


def test_a_csv_series_steps_and_its_last_price_holds(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("seconds,usd\n0,2.00\n\n10, 1.86\n20.5,1.75\n")
    series = PriceSeries.from_csv(path)
    assert series.points == ((0.0, 200_000_000), (10.0, 186_000_000), (20.5, 175_000_000))
    assert [series.price_at(t) for t in (0, 9.99, 10, 20.4, 20.5, 1e6)] == [
        200_000_000, 200_000_000, 186_000_000, 186_000_000, 175_000_000, 175_000_000,
    ]  # fmt: skip
    assert PriceSeries.from_csv(path, expo=-2).points[1] == (10.0, 186)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,1\n5\n", r"prices.csv:2: expected `seconds,usd`, got 1 columns"),
        ("0,1\n-5,2\n", r"prices.csv:2: '-5' is not a non-negative number of seconds"),
        ("0,1\nsoon,2\n", r"prices.csv:2: 'soon' is not a non-negative number of seconds"),
        ("3,1\n", r"prices.csv:1: the first row must be at 0 seconds"),
        ("0,1\n5,2\n5,3\n", r"prices.csv:3: seconds must increase \(5 after 5\)"),
        ("0,1\n5,0\n", r"prices.csv:2: 0 is not a positive price"),
        ("0,1.123456789\n", r"prices.csv:1: 1.123456789 has more decimals than expo -8 allows"),
        ("seconds,usd\n", r"prices.csv: no price rows"),
    ],
)
def test_bad_csv_rows_are_refused_naming_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(text)
    with pytest.raises(PriceSeriesError, match=message):
        PriceSeries.from_csv(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PriceSeriesError, match=r"absent.csv: cannot read"):
        PriceSeries.from_csv(tmp_path / "absent.csv")
