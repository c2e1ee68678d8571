"""Money amounts in agreements: figures with their capitals (大写金额) beside them, and the document form.

A 协议书 states every sum twice, in figures and in capitals, because a mismatch between the two is the
classic way a settlement goes wrong at the bank or in court. The conversions are exact both ways and live in
:mod:`ingest.zh` (``to_capital`` writes the banks' canonical form, ``parse_amount`` reads it and the usual
variants, so ``parse(to_capital(x)) == x``); this module finds a sum and the spelling written beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ingest.zh import MAX_AMOUNT, NUMERAL_CHARS, format_figure, parse_number, to_capital
from ingest.zh import parse_amount as parse_chinese_amount

__all__ = [
    "MAX_AMOUNT",
    "AmountMention",
    "find_amounts",
    "format_amount",
    "format_figure",
    "parse_chinese_amount",
    "to_capital",
]

_DIGITS = "零壹贰叁肆伍陆柒捌玖〇一二三四五六七八九两"


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
    r"(?:\s*[（(]\s*(?:大写\s*[:：]?\s*)?(?:人民币)?(?P<cap>[" + NUMERAL_CHARS + r"元圆角分整正]+)\s*[）)])?"
)
_CHINESE_RE = re.compile(
    r"(?:人民币)?(?P<cn>["
    + NUMERAL_CHARS
    + r"]+[元圆](?:[零〇]?["
    + _DIGITS
    + r"]角)?(?:[零〇]?["
    + _DIGITS
    + r"]分)?[整正]?)"
    r"(?:\s*[（(]\s*(?:小写\s*[:：]?\s*)?(?:人民币|¥|￥)?\s*(?P<fig>[\d,]+(?:\.\d{1,2})?)\s*元?\s*[）)])?"
)


def find_amounts(text: str) -> list[AmountMention]:
    """Every sum of money in ``text``: figures (15000元, 1.5万元, ¥3,000元) and Chinese (壹万伍仟元整,
    三千元), each with the capitals or figures written beside it in brackets, in order of appearance."""
    found: list[AmountMention] = []
    taken: list[tuple[int, int]] = []
    for m in _FIGURE_RE.finditer(text):
        value = parse_number(m.group("fig") + (m.group("wan") or ""))
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
