"""Figures <-> Chinese capitals (大写金额): known pairs, the bank-format rules, a property test both ways,
and finding amounts (with the capitals written beside them) in free text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brain.agreements.amounts import find_amounts, format_amount, parse_chinese_amount, to_capital

KNOWN = [
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.5", "伍角"),
    ("0.55", "伍角伍分"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("101", "壹佰零壹元整"),
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("1000.05", "壹仟元零伍分"),
    ("1010.50", "壹仟零壹拾元伍角"),
    ("15000", "壹万伍仟元整"),
    ("10500", "壹万零伍佰元整"),
    ("105000", "壹拾万伍仟元整"),
    ("100000", "壹拾万元整"),
    ("1000001", "壹佰万零壹元整"),
    ("10010000", "壹仟零壹万元整"),
    ("100000000", "壹亿元整"),
    ("100010000.05", "壹亿零壹万元零伍分"),
    ("100000001", "壹亿零壹元整"),
    ("120005000.9", "壹亿贰仟万伍仟元玖角"),
]


@pytest.mark.parametrize(("figure", "capital"), KNOWN)
def test_known_pairs_both_ways(figure: str, capital: str) -> None:
    assert to_capital(Decimal(figure)) == capital
    assert parse_chinese_amount(capital) == Decimal(figure)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一万五千元", "15000"),
        ("三千五百元", "3500"),
        ("两万元整", "20000"),
        ("壹万伍仟圆正", "15000"),
        ("十五元", "15"),
        ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),
        ("壹佰元伍角整", "100.5"),
        ("人民币捌佰元整", "800"),
    ],
)
def test_variants_are_read(text: str, value: str) -> None:
    assert parse_chinese_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    "bad", ["", "壹壹元", "伍万", "仟佰元", "壹佰拾元", "壹万伍仟", "壹元伍", "元整", "壹拾伍X元"]
)
def test_malformed_capitals_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_chinese_amount(bad)


@pytest.mark.parametrize("bad", ["-1", "1.005", "abc", "99999999999999999"])
def test_bad_figures_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        to_capital(bad)


cents = st.integers(min_value=0, max_value=10**14).map(lambda c: Decimal(c) / 100)


@settings(max_examples=1500, deadline=None, database=None)
@given(cents)
def test_roundtrip_figure_capital_figure(amount: Decimal) -> None:
    capital = to_capital(amount)
    assert parse_chinese_amount(capital) == amount
    assert ("零零" not in capital and not capital.startswith("零")) or amount == 0
    assert capital.endswith(("整", "角", "分"))
    assert capital.endswith("整") == (amount == amount.to_integral_value())


@settings(max_examples=300, deadline=None, database=None)
@given(cents, cents)
def test_distinct_amounts_have_distinct_capitals(a: Decimal, b: Decimal) -> None:
    assert (to_capital(a) == to_capital(b)) == (a == b)


def test_find_amounts_reads_figures_capitals_and_their_pairs() -> None:
    text = "赔偿15000元（壹万叁仟元整），另付1.5万元、三千五百元，壹仟元整（¥1000.00），共计¥3,000元"
    found = find_amounts(text)
    assert [m.value for m in found] == [Decimal(x) for x in ("15000", "15000", "3500", "1000", "3000")]
    assert [m.consistent for m in found] == [False, True, True, True, True]
    assert found[0].capital_value == Decimal("13000")


def test_dates_and_numbers_without_yuan_are_not_amounts() -> None:
    assert find_amounts("2026年3月31日前，第3号，伤残等级十级，5幢302室，数万元") == []


def test_format_amount_writes_both() -> None:
    assert format_amount(Decimal("15000")) == "人民币15000元（大写：壹万伍仟元整）"
    assert format_amount(Decimal("0.5")) == "人民币0.50元（大写：伍角）"
