"""Dates and deadlines in agreed terms: 于2026年3月31日前, 于二〇二六年三月五日前, 协议签订之日起十日内, 当场.

Dates are read with :mod:`ingest.zh` (any numerals); a date that no calendar has (2月30日) is reported, never
moved to a nearby day; a relative deadline keeps its words and gets a day only when the signing date is known.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ingest.zh import FULL_DATE_RE, ISO_DATE_RE, date_parts, parse_int

DATE_RE = FULL_DATE_RE
_ISO_DATE_RE = ISO_DATE_RE
RELATIVE_RE = re.compile(
    r"(?:本协议|协议|调解协议)?(?:签订|签署|签字|生效)(?:之日|后)?起?(?P<n>\d+|[一二三四五六七八九十两]{1,3})(?:个)?(?P<unit>工作日|日|天)内"
)
_SPOT_RE = re.compile(r"当场|当即|即时|签订协议时|签字时|当日")
# Conditional deadlines: 于收到退款时, 于出院之日起十五日内, 付清后三日内.
CONDITION_RE = re.compile(
    r"于?(?P<w>(?:收到|付清|结清|出院|完工|交付|验收)[^，,。；;]{0,10}?"
    r"(?:时|当日|之日起[^，,。；;]{1,6}?(?:日|天)内|后[^，,。；;]{1,4}?(?:日|天)内))"
)


def parse_date(text: str) -> tuple[date | None, str | None]:
    """First date in ``text`` -> (date, None), or (None, reason) when a date is written but cannot exist."""
    m = DATE_RE.search(text) or _ISO_DATE_RE.search(text)
    if not m:
        return None, None
    y, mo, d = date_parts(m)
    try:
        return date(y, mo, d), None
    except ValueError:
        return (
            None,
            f"日期“{m.group(0)}”不存在（{y}年{mo}月没有{d}日）"
            if 1 <= mo <= 12
            else f"日期“{m.group(0)}”不存在",
        )


def invalid_dates(text: str) -> list[str]:
    """Every written date in ``text`` that no calendar has (2月30日, 13月1日)."""
    bad = []
    for m in DATE_RE.finditer(text):
        try:
            date(*date_parts(m))
        except ValueError:
            bad.append(m.group(0))
    return bad


def parse_deadline(text: str, signing: date | None) -> tuple[date | None, str | None, str | None]:
    """A deadline in a clause -> (date or None, the words used, an error message or None).

    Absolute dates (``于2026年3月31日前``) become dates; relative ones (``协议签订之日起十日内``) keep their
    words and get a date only when the signing date is known; ``当场`` means on signing.
    """
    m = DATE_RE.search(text) or _ISO_DATE_RE.search(text)
    if m:
        tail = text[m.end() : m.end() + 3]
        words = m.group(0) + ("前" if tail.startswith(("前", "之前", "以前")) else "")
        d, err = parse_date(m.group(0))
        return d, words, err
    r = RELATIVE_RE.search(text)
    if r:
        days = parse_int(r["n"], lenient=True)
        d = signing + timedelta(days=days) if signing and r["unit"] != "工作日" else None
        return d, r.group(0), None
    c = CONDITION_RE.search(text)
    if c:
        return None, c["w"], None
    s = _SPOT_RE.search(text)
    if s:
        return signing, "签订协议时当场", None
    return None, None, None
