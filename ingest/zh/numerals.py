"""Chinese numerals <-> integers and mixed numbers ("3.5万", "12,000", "两千").

Reading is cn2an's (strict mode for well-formed numerals, normal mode for the lenient reading), with input
repairs and one guard for what it gets wrong (:func:`_repair`, :func:`_parse_chinese`); writing is ours, because cn2an drops the
``零`` after an all-zero 万 section (905000001670 -> 九千零五十亿一千六百七十, which its own strict mode then
refuses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

LOWER_DIGITS = "零一二三四五六七八九"
CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_LOWER_UNITS = ("", "十", "百", "千")
_CAPITAL_UNITS = ("", "拾", "佰", "仟")
MAX_INT = 10**16 - 1  # 万亿 sections cover 16 digits

# Every character a Chinese numeral may be written with, traditional and OCR variants (○ for 〇) included.
NUMERAL_CHARS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟貳參陸兩萬億"
# A numeral starts with a digit or with 十/拾 (十五); never with a bare 百/千/万/亿.
NUMERAL_PATTERN = f"[零〇○一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾貳參陸兩][{NUMERAL_CHARS}]*"
_UNIT_CHARS = "十百千万亿拾佰仟萬億"
_FIGURE_RE = re.compile(r"(?P<fig>\d+(?:[,，]\d{3})*(?:\.\d+)?)\s*(?P<big>万亿|万|亿|千)?")
_MULTIPLIERS = {"": 1, "千": 1000, "万": 10**4, "亿": 10**8, "万亿": 10**12}


@lru_cache(maxsize=1)
def _cn2an() -> Callable[[str, str], Any]:
    # Imported on first use: building its patterns takes ~0.2 s, which `import ingest` should not pay.
    import cn2an

    fn: Callable[[str, str], Any] = cn2an.cn2an
    return fn


def _repair(s: str, lenient: bool) -> str:
    """Input repairs for cn2an: ○ is 〇; 零拾 is 零壹拾 (cn2an strict reads 壹仟零拾 as 1000, not 1010);
    两 before a unit is 二 (strict refuses 两, which is correct in 两万); in strict mode 〇 inside a numeral
    with units is 零 (一千〇一), while a digit-by-digit string (二〇二六) stays lenient-only."""
    s = s.replace("○", "〇")
    s = s.replace("零拾", "零壹拾").replace("零十", "零一十")
    if lenient:
        s = "一" + s if s[0] in "百千万亿佰仟萬億" else s  # 百零一, 千余: a bare leading unit is one of it
        return s.replace("两", "二").replace("兩", "二")
    s = re.sub(f"[两兩](?=[{_UNIT_CHARS}])", "二", s)
    return s.replace("〇", "零") if any(ch in _UNIT_CHARS for ch in s) else s


@lru_cache(maxsize=8192)
def _parse_chinese(s: str, lenient: bool) -> int:
    if any(ch not in NUMERAL_CHARS for ch in s):
        raise ValueError(f"“{s}”不是中文数字")
    if s in ("两", "兩"):
        return 2
    if not lenient and re.search("零[百千万亿佰仟萬億]", s):  # cn2an strict reads 二亿零百 as 200000100
        raise ValueError(f"“{s}”中“零”后不能直接跟数位")
    try:
        value = _cn2an()(_repair(s, lenient), "normal" if lenient else "strict")
    except ValueError as e:
        raise ValueError(f"“{s}”不是规范的中文数字") from e
    if not isinstance(value, int):
        raise ValueError(f"“{s}”不是整数")
    return value


def parse_int(text: str, *, lenient: bool = False) -> int:
    """'一千零七十九' -> 1079, '壹仟零拾' -> 1010, '两万' -> 20000, '1079' -> 1079.

    Strict reads well-formed numerals only (lower case or capitals, 零 for a run of zeros); lenient also
    reads the colloquial and digit-by-digit forms: '一千二' -> 1200, '三万五' -> 35000, '百零一' -> 101,
    '二〇二六' -> 2026.
    Raises ValueError with a Chinese message for anything else ('第一', '十十', '仟佰').
    """
    s = text.strip()
    if not s:
        raise ValueError("数字为空")
    if s.isdecimal():  # Arabic, full-width included
        return int(s)
    return _parse_chinese(s, lenient)


def parse_number(text: str) -> Decimal:
    """A number as complaints write it, exactly: '3.5万' -> 35000, '12,000' -> 12000, '两千' -> 2000,
    '1.5亿' -> 150000000, '三万五' -> 35000. Raises ValueError when it is not a number."""
    s = text.strip()
    m = _FIGURE_RE.fullmatch(s)
    if m:
        try:
            value = Decimal(re.sub("[,，]", "", m["fig"]))
        except InvalidOperation as e:  # pragma: no cover - the pattern admits only decimals
            raise ValueError(f"“{text}”不是数字") from e
        return value * _MULTIPLIERS[m["big"] or ""]
    return Decimal(parse_int(s, lenient=True))


def _section(n: int, capital: bool, lead: bool) -> str:
    """0 < n < 10000 with 千百十: inner zero runs become one 零, trailing zeros vanish. ``lead`` (the first
    section of a lower-case numeral) writes 10-19 as 十X rather than 一十X."""
    digits, units = (CAPITAL_DIGITS, _CAPITAL_UNITS) if capital else (LOWER_DIGITS, _LOWER_UNITS)
    out: list[str] = []
    zero_pending = False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append(digits[0])
            zero_pending = False
        if pos == 1 and d == 1 and not out and lead and not capital:
            out.append(units[1])
        else:
            out.append(digits[d] + units[pos])
    return "".join(out)


def _below_yi(n: int, capital: bool, lead: bool) -> str:
    """0 < n < 10**8 as [X万][零]Y."""
    high, low = divmod(n, 10000)
    out = _section(high, capital, lead) + "万" if high else ""
    if low:
        if high and low < 1000:
            out += CAPITAL_DIGITS[0]
        out += _section(low, capital, lead and not high)
    return out


def to_chinese(n: int, *, capital: bool = False) -> str:
    """1010 -> 一千零一十 (capital: 壹仟零壹拾); 12 -> 十二; 100010000 -> 一亿零一万; 0 -> 零.

    One 零 for any run of zeros, 零 before a part that starts with zeros; above 亿 the count of 亿 is itself
    a numeral (5182万2791亿, 1万亿), which is how cn2an and the banks read it.
    """
    if n < 0 or n > MAX_INT:
        raise ValueError(f"数字超出范围：{n}")
    if n == 0:
        return CAPITAL_DIGITS[0]
    if n < 10**8:
        return _below_yi(n, capital, lead=True)
    high, low = divmod(n, 10**8)
    out = _below_yi(high, capital, lead=True) + "亿"
    if low:
        out += (CAPITAL_DIGITS[0] if low < 10**7 else "") + _below_yi(low, capital, lead=False)
    return out
