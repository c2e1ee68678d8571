"""Sums of money: Decimal <-> 大写金额, and finding sums in free text.

:func:`to_capital` writes the canonical form banks use (中国人民银行《支付结算办法》: ``元`` then ``整`` when
there are no 角/分, one ``零`` for any run of zeros, ``零`` before a section that starts with zeros, ``壹拾``
rather than ``拾``); :func:`parse_amount` reads that form and the usual variants (lower-case numerals, ``两``,
``圆``, ``正``, an optional ``零`` after ``元``, a 人民币/大写 prefix), so ``parse_amount(to_capital(x)) == x``.
Both are exact (Decimal, cents). :func:`find_money` is the lenient reader for complaints: figures, mixed
(3.5万元), Chinese (两千多块), each with its span and whether it was approximate (多/余).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ingest.zh.numerals import (
    CAPITAL_DIGITS,
    NUMERAL_CHARS,
    NUMERAL_PATTERN,
    parse_int,
    parse_number,
    to_chinese,
)

MAX_AMOUNT = Decimal("9999999999999999.99")  # 万亿 sections cover 16 integer digits
_JIAO_FEN_DIGITS = "零壹贰叁肆伍陆柒捌玖〇一二三四五六七八九两"
_DIGIT_VALUE = {c: i for i, c in enumerate(CAPITAL_DIGITS)} | {
    c: i for i, c in enumerate("〇一二三四五六七八九")
}
_DIGIT_VALUE["两"] = 2
_FRACTION_RE = re.compile(rf"零?(?:([{_JIAO_FEN_DIGITS}])角)?零?(?:([{_JIAO_FEN_DIGITS}])分)?")


def cents(amount: Decimal | int | float | str) -> int:
    """The amount in 分; ValueError (in Chinese) for a negative, too large or sub-分 amount."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as e:
        raise ValueError(f"金额“{amount}”不是数字") from e
    if not value.is_finite():
        raise ValueError(f"金额“{amount}”不是数字")
    if value < 0:
        raise ValueError(f"金额不能为负数：{amount}")
    if value > MAX_AMOUNT:
        raise ValueError(f"金额过大：{amount}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"金额“{amount}”超过两位小数（只到分）")
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def to_capital(amount: Decimal | int | float | str) -> str:
    """15000 -> 壹万伍仟元整; 100010000.05 -> 壹亿零壹万元零伍分; 0.5 -> 伍角."""
    c = cents(amount)
    yuan, jiao, fen = c // 100, c // 10 % 10, c % 10
    if c == 0:
        return "零元整"
    parts = [to_chinese(yuan, capital=True) + "元"] if yuan else []
    if jiao == 0 and fen == 0:
        parts.append("整")
    else:
        if jiao:
            parts.append(CAPITAL_DIGITS[jiao] + "角")
        elif yuan:
            parts.append("零")
        if fen:
            parts.append(CAPITAL_DIGITS[fen] + "分")
    return "".join(parts)


def parse_amount(text: str) -> Decimal:
    """Read a sum written in Chinese numerals: 壹万伍仟元整 -> 15000; 三千五百元 -> 3500; 伍角 -> 0.5.

    Raises ValueError with a Chinese message for anything that is not a well-formed amount (the integer
    part must be a strict numeral: 壹佰拾元 and 壹壹元 are refused, as a bank would refuse them).
    """
    s = re.sub(r"\s", "", text).removeprefix("人民币").removeprefix("（大写）").removeprefix("大写：")
    s = s.replace("圆", "元").replace("正", "整")
    if not s:
        raise ValueError("金额为空")
    s = s.removesuffix("整")
    if "元" not in s and not re.fullmatch(r".*[角分]", s):
        raise ValueError(f"“{text}”没有“元/角/分”单位")
    yuan_part, frac = s.split("元", 1) if "元" in s else ("", s)
    if "元" in s and not yuan_part:
        raise ValueError(f"“{text}”中“元”前缺少数字")
    try:
        yuan = parse_int(yuan_part) if yuan_part else 0
    except ValueError as e:
        raise ValueError(f"“{text}”中“{yuan_part}”不是规范的大写数字") from e
    m = _FRACTION_RE.fullmatch(frac)
    if m is None:
        raise ValueError(f"“{text}”中角分部分“{frac}”无法识别")
    jiao = _DIGIT_VALUE[m[1]] if m[1] else 0
    fen = _DIGIT_VALUE[m[2]] if m[2] else 0
    return (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_figure(amount: Decimal) -> str:
    """15000 -> 15000; 15000.5 -> 15000.50 (what goes before 元 in a document)."""
    q = amount.quantize(Decimal("0.01"))
    return str(q.quantize(Decimal(1))) if q == q.to_integral_value() else str(q)


@dataclass(frozen=True)
class Money:
    """One sum found in free text: its exact value in 元, where it is, and whether it was 多/余 (a floor)."""

    text: str
    value: Decimal
    start: int
    end: int
    approximate: bool = False


_FIGURE = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A leading 百/千 means one of it (百万元, 千余元); after 数/几 a numeral is a vague "several", not a sum.
_CN = rf"(?<![数几])(?:{NUMERAL_PATTERN}|[百千佰仟][{NUMERAL_CHARS}]*)"
_NUM = rf"(?:{_FIGURE}|{_CN})"
_MONEY_RE = re.compile(
    rf"(?=[\d{NUMERAL_CHARS}])(?P<num>{_NUM})\s*(?P<a1>多|余)?(?P<big>万亿|万|亿|千)?(?P<a2>多|余)?"
    rf"(?:(?:元|圆|块钱|块)(?:零?(?P<jiao>[\d{_JIAO_FEN_DIGITS}])角)?(?:零?(?P<fen>[\d{_JIAO_FEN_DIGITS}])分)?"
    # 两万的工钱, 130余万的货款: a sum in 万/亿 with no 元 when a money word follows
    r"|(?:(?<=[万亿])|(?<=[万亿][多余]))(?=[的工货欠借赔补款钱]))"
)
# 五六百元, 三五块钱: two rising digits are a range; the sum is its floor, marked approximate.
_RANGE_RE = re.compile(r"([一二三四五六七八九])([一二三四五六七八九])(?=[十百千万亿拾佰仟]|$)")


def find_money(text: str) -> list[Money]:
    """Every sum in a complaint, in order: 3.5万元, 两千多块, 12,000元, 130余万元, 两万的工钱."""
    out: list[Money] = []
    for m in _MONEY_RE.finditer(text):
        num, approx = m["num"], bool(m["a1"] or m["a2"])
        if (r := _RANGE_RE.match(num)) and r[1] < r[2]:
            num, approx = r[1] + num[2:], True
        try:
            value = parse_number(num + (m["big"] or ""))
        except ValueError:
            continue
        for group, scale in (("jiao", 10), ("fen", 100)):
            if m[group]:
                value += Decimal(int(m[group]) if m[group].isdigit() else _DIGIT_VALUE[m[group]]) / scale
        out.append(Money(m[0], value, m.start(), m.end(), approx))
    return out
