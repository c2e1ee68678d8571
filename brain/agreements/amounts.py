"""Money amounts: figures <-> Chinese capitals (大写金额), and finding amounts in free text.

A 协议书 states every sum twice, in figures and in capitals, because a mismatch between the two is the
classic way a settlement goes wrong at the bank or in court. So the converter has to be exact in both
directions: :func:`to_capital` writes the canonical form used by banks (中国人民银行《支付结算办法》 rules:
``元`` followed by ``整`` when there are no 角/分, one ``零`` for any run of zeros, ``零`` before a section
that starts with zeros, ``壹拾`` rather than ``拾``), and :func:`parse_chinese_amount` reads that form and the
usual variants (lower-case numerals 一二三, ``两``, ``圆``, an optional ``零`` after ``元``, ``角整``), so that
``parse(to_capital(x)) == x`` for every amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_SECTION_UNITS = ["", "万", "亿", "万亿"]
MAX_AMOUNT = Decimal("9999999999999999.99")  # 万亿 sections cover 16 integer digits

_DIGIT_VALUES = {c: i for i, c in enumerate(CAPITAL_DIGITS)}
_DIGIT_VALUES.update({c: i for i, c in enumerate("〇一二三四五六七八九")})
_DIGIT_VALUES["两"] = 2
_UNIT_VALUES = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CHINESE_NUMBER_CHARS = "".join(_DIGIT_VALUES) + "".join(_UNIT_VALUES) + "万亿"


def _cents(amount: Decimal | int | float | str) -> int:
    try:
        value = Decimal(str(amount))
    except InvalidOperation as e:
        raise ValueError(f"金额“{amount}”不是数字") from e
    if value < 0:
        raise ValueError(f"金额不能为负数：{amount}")
    if value > MAX_AMOUNT:
        raise ValueError(f"金额过大：{amount}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"金额“{amount}”超过两位小数（只到分）")
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _section(n: int) -> str:
    """Write 0 < n < 10000 with 仟佰拾; inner zero runs become one 零, trailing zeros vanish."""
    out: list[str] = []
    zero_pending = False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(CAPITAL_DIGITS[d] + _SMALL_UNITS[pos])
    return "".join(out)


def to_capital(amount: Decimal | int | float | str) -> str:
    """15000 -> 壹万伍仟元整; 100010000.05 -> 壹亿零壹万元零伍分; 0.5 -> 伍角."""
    cents = _cents(amount)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        sections = []
        n = yuan
        while n:
            sections.append(n % 10000)
            n //= 10000
        zero_pending = False
        for idx in range(len(sections) - 1, -1, -1):
            sec = sections[idx]
            if sec == 0:
                zero_pending = True
                continue
            if parts and (zero_pending or sec < 1000):
                parts.append("零")
            zero_pending = False
            parts.append(_section(sec) + _SECTION_UNITS[idx])
        parts.append("元")
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


def _parse_section(s: str, where: str) -> int:
    """Parse a run below 万 (e.g. 壹仟零伍拾, 十五, 三)."""
    total, digit, last_unit = 0, None, 10_000
    for ch in s:
        if ch in ("零", "〇"):
            if digit is not None:
                raise ValueError(f"“{where}”中“零”的位置不对")
            continue
        if ch in _DIGIT_VALUES:
            if digit is not None:
                raise ValueError(f"“{where}”中有两个相连的数字")
            digit = _DIGIT_VALUES[ch]
        elif ch in _UNIT_VALUES:
            unit = _UNIT_VALUES[ch]
            if unit >= last_unit:
                raise ValueError(f"“{where}”中数位顺序不对")
            if digit is None:
                if total or unit != 10:
                    raise ValueError(f"“{where}”中“{ch}”前缺少数字")
                digit = 1  # 拾伍 = 15
            total += digit * unit
            digit, last_unit = None, unit
        else:
            raise ValueError(f"“{where}”中有无法识别的字“{ch}”")
    if digit is not None:
        total += digit
    return total


def _parse_integer(s: str, where: str) -> int:
    for unit_char, unit in (("亿", 10**8), ("万", 10**4)):
        if unit_char in s:
            high, low = s.split(unit_char, 1)
            if not high:
                raise ValueError(f"“{where}”中“{unit_char}”前缺少数字")
            return _parse_integer(high, where) * unit + _parse_integer(low, where)
    return _parse_section(s, where)


def parse_chinese_amount(text: str) -> Decimal:
    """Read a sum written in Chinese numerals: 壹万伍仟元整 -> 15000; 三千五百元 -> 3500; 伍角 -> 0.5.

    Raises ValueError with a Chinese message for anything that is not a well-formed amount.
    """
    s = re.sub(r"\s", "", text).removeprefix("人民币").removeprefix("（大写）").removeprefix("大写：")
    s = s.replace("圆", "元").replace("正", "整")
    if not s:
        raise ValueError("金额为空")
    if s.endswith("整"):
        s = s[:-1]
    yuan_part, frac = s.split("元", 1) if "元" in s else ("", s)
    if "元" not in s and not re.fullmatch(r".*[角分]", s):
        raise ValueError(f"“{text}”没有“元/角/分”单位")
    if "元" in s and not yuan_part:
        raise ValueError(f"“{text}”中“元”前缺少数字")
    yuan = _parse_integer(yuan_part, text) if yuan_part else 0
    jiao = fen = 0
    m = re.fullmatch(
        r"零?(?:([零壹贰叁肆伍陆柒捌玖〇一二三四五六七八九两])角)?零?(?:([零壹贰叁肆伍陆柒捌玖〇一二三四五六七八九两])分)?",
        frac,
    )
    if m is None:
        raise ValueError(f"“{text}”中角分部分“{frac}”无法识别")
    if m.group(1):
        jiao = _DIGIT_VALUES[m.group(1)]
    if m.group(2):
        fen = _DIGIT_VALUES[m.group(2)]
    return (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_figure(amount: Decimal) -> str:
    """15000 -> 15000; 15000.5 -> 15000.50 (what goes before 元 in the document)."""
    q = amount.quantize(Decimal("0.01"))
    return str(q.quantize(Decimal(1))) if q == q.to_integral_value() else str(q)


def format_amount(amount: Decimal) -> str:
    """The form used in the document: 人民币15000元（大写：壹万伍仟元整）."""
    return f"人民币{format_figure(amount)}元（大写：{to_capital(amount)}）"


@dataclass(frozen=True)
class AmountMention:
    """One sum found in text. ``capital`` is the capitals written right next to it, when there were any."""

    value: Decimal
    start: int
    end: int
    text: str
    capital: str | None = None
    capital_value: Decimal | None = None

    @property
    def consistent(self) -> bool:
        return self.capital_value is None or self.capital_value == self.value


_FIGURE = r"(?P<fig>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
_FIGURE_RE = re.compile(
    r"(?:人民币|¥|￥|RMB)?\s*" + _FIGURE + r"\s*(?P<wan>万|亿)?\s*(?P<unit>元|块)"
    r"(?:\s*[（(]\s*(?:大写\s*[:：]?\s*)?(?:人民币)?(?P<cap>["
    + _CHINESE_NUMBER_CHARS
    + r"元圆角分整正]+)\s*[）)])?"
)
_CHINESE_RE = re.compile(
    r"(?:人民币)?(?P<cn>["
    + _CHINESE_NUMBER_CHARS
    + r"]+[元圆](?:[零〇]?["
    + "".join(_DIGIT_VALUES)
    + r"]角)?(?:[零〇]?["
    + "".join(_DIGIT_VALUES)
    + r"]分)?[整正]?)"
    r"(?:\s*[（(]\s*(?:小写\s*[:：]?\s*)?(?:人民币|¥|￥)?\s*(?P<fig>[\d,]+(?:\.\d{1,2})?)\s*元?\s*[）)])?"
)


def find_amounts(text: str) -> list[AmountMention]:
    """Every sum of money in ``text``: figures (15000元, 1.5万元, ¥3,000元) and Chinese (壹万伍仟元整,
    三千元), each with the capitals or figures written beside it in brackets, in order of appearance."""
    found: list[AmountMention] = []
    taken: list[tuple[int, int]] = []
    for m in _FIGURE_RE.finditer(text):
        value = Decimal(m.group("fig").replace(",", ""))
        if m.group("wan"):
            value *= 10_000 if m.group("wan") == "万" else 10**8
        cap = m.group("cap")
        cap_value = None
        if cap:
            try:
                cap_value = parse_chinese_amount(cap)
            except ValueError:
                cap_value = Decimal(-1)  # capitals present but unreadable: never equal to the figure
        found.append(
            AmountMention(value.quantize(Decimal("0.01")), m.start(), m.end(), m.group(0), cap, cap_value)
        )
        taken.append((m.start(), m.end()))
    for m in _CHINESE_RE.finditer(text):
        if any(a <= m.start("cn") < b for a, b in taken):
            continue
        cn = m.group("cn")
        try:
            value = parse_chinese_amount(cn)
        except ValueError:
            continue
        fig = m.group("fig")
        fig_value = Decimal(fig.replace(",", "")).quantize(Decimal("0.01")) if fig else None
        # Here the capitals lead; report the figures beside them as the "other" spelling to compare.
        found.append(AmountMention(value, m.start(), m.end(), m.group(0), fig, fig_value))
    found.sort(key=lambda a: a.start)
    return found
