"""Dates as Chinese documents write them: 2026年3月5日, 二〇二六年三月五日, 2026-03-05, 2026年3月, 去年3月.

Every match keeps its span (a clerk sees where a date came from; an agreement keeps the words as typed).
Year, month and day are read with :func:`ingest.zh.numerals.parse_int` (lenient, so 二〇二六 and 二零二六 are
2026); a date that no calendar has (2月30日) is still found, with ``valid`` False, so callers can report it.
Relative words (今年, 上个月, 昨天 …) are found and marked relative; they are not resolved to a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ingest.zh.numerals import parse_int

_CN_DIGIT = "〇○零一二三四五六七八九"
YEAR = rf"(?:(?:19|20)\d{{2}}|[{_CN_DIGIT}]{{4}})"
_ANY_YEAR = rf"(?:\d{{4}}|[{_CN_DIGIT}]{{4}})"
MONTH = r"(?:\d{1,2}|十[一二]?|[一二三四五六七八九])"
DAY = r"(?:\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
# A full date (year, month, day), spaces allowed between the parts: what agreements and deadlines need.
FULL_DATE_RE = re.compile(rf"(?P<y>{_ANY_YEAR})\s*年\s*(?P<m>{MONTH})\s*月\s*(?P<d>{DAY})\s*[日号]")
ISO_DATE_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_RELATIVE_WORDS = "今年|去年|前年|上个?月|本月|这个月|上周|昨天|前天|今天|近日|最近"
_ANY_DATE_RE = re.compile(
    rf"(?=[\d{_CN_DIGIT}十今去前上本这昨近最])(?:"
    rf"(?P<ymd>(?P<y>{YEAR})年(?P<m>{MONTH})月(?:(?P<d>{DAY})[日号])?)"
    r"|(?P<sep>(?P<sy>(?:19|20)\d{2})[-/.](?P<sm>\d{1,2})[-/.](?P<sd>\d{1,2}))"
    rf"|(?P<yo>(?P<oy>{YEAR})年)"
    rf"|(?P<md>(?P<mm>{MONTH})月(?P<md_d>{DAY})[日号])"
    rf"|(?P<rel>(?:{_RELATIVE_WORDS})(?:\d{{1,2}}月)?(?:\d{{1,2}}[日号])?))"
)


@dataclass(frozen=True)
class DateMatch:
    """One date mention. ``year``/``month``/``day`` are None where the text does not say them."""

    text: str
    start: int
    end: int
    year: int | None = None
    month: int | None = None
    day: int | None = None
    relative: bool = False

    @property
    def valid(self) -> bool:
        """False when the stated parts cannot exist (13月, 2月30日)."""
        if self.month is not None and not 1 <= self.month <= 12:
            return False
        if self.day is not None:
            try:
                date(self.year or 2000, self.month or 1, self.day)  # 2000: a leap year, so 2月29日 passes
            except ValueError:
                return False
        return True

    @property
    def date(self) -> date | None:
        """The calendar day, when year, month and day are all stated and exist."""
        if self.year is None or self.month is None or self.day is None or not self.valid:
            return None
        return date(self.year, self.month, self.day)

    @property
    def iso(self) -> str | None:
        """'2023-05-12', '2023-05' for a month, None for a bare year, a relative or an impossible date."""
        if self.relative or self.year is None or self.month is None or not self.valid:
            return None
        return f"{self.year}-{self.month:02d}" + (f"-{self.day:02d}" if self.day is not None else "")


def _int(s: str | None) -> int | None:
    return parse_int(s, lenient=True) if s else None


def date_parts(m: re.Match[str]) -> tuple[int, int, int]:
    """(year, month, day) of a :data:`FULL_DATE_RE` or :data:`ISO_DATE_RE` match."""
    return parse_int(m["y"], lenient=True), parse_int(m["m"], lenient=True), parse_int(m["d"], lenient=True)


def find_dates(text: str) -> list[DateMatch]:
    """Every date mention in order: absolute (any numerals), year-only, month-day, and relative words."""
    out: list[DateMatch] = []
    for m in _ANY_DATE_RE.finditer(text):
        span = (m[0], m.start(), m.end())
        if m["ymd"]:
            out.append(DateMatch(*span, year=_int(m["y"]), month=_int(m["m"]), day=_int(m["d"])))
        elif m["sep"]:
            out.append(DateMatch(*span, year=_int(m["sy"]), month=_int(m["sm"]), day=_int(m["sd"])))
        elif m["yo"]:
            out.append(DateMatch(*span, year=_int(m["oy"])))
        elif m["md"]:
            out.append(DateMatch(*span, month=_int(m["mm"]), day=_int(m["md_d"])))
        else:
            out.append(DateMatch(*span, relative=True))
    return out
