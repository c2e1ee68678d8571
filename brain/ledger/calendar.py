"""The working-day calendar (configs/holidays.yaml) and the deadline arithmetic built on it.

A deadline is stored as the moment the case *becomes* late: 00:00 of the first working day after the last
allowed one. So a case is overdue exactly when ``now >= due_at``, which can only start on a working day: a
5-day case received on a Monday is overdue from 00:00 of the 6th working day after it, never during a
holiday or weekend in between (docs/ledger.md).
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml

from brain.errors import ConfigError


@dataclass
class WorkCalendar:
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    provisional: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path) -> WorkCalendar:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError("无法读取节假日日历", where=str(path), hint=str(e)) from e
        out = cls(
            years={int(y) for y in raw.get("years", [])},
            provisional={int(y) for y in raw.get("provisional", []) or []},
        )
        for i, item in enumerate(raw.get("holidays", []) or []):
            if isinstance(item, list):
                if len(item) != 2 or not all(isinstance(d, date) for d in item) or item[1] < item[0]:
                    raise ConfigError(
                        "节假日区间应为 [开始日期, 结束日期]",
                        where=f"{path} holidays[{i}]",
                        hint="例如 [2025-10-01, 2025-10-08]",
                    )
                d = item[0]
                while d <= item[1]:
                    out.holidays.add(d)
                    d += timedelta(days=1)
            elif isinstance(item, date):
                out.holidays.add(item)
            else:
                raise ConfigError(
                    "节假日应为日期或日期区间", where=f"{path} holidays[{i}]", hint="例如 2025-01-01"
                )
        for i, item in enumerate(raw.get("workdays", []) or []):
            if not isinstance(item, date):
                raise ConfigError("调休上班日应为日期", where=f"{path} workdays[{i}]", hint="例如 2025-09-28")
            out.workdays.add(item)
        return out

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def gaps(self, years: tuple[int, ...]) -> list[str]:
        """A Chinese line per year of ``years`` the calendar does not fully know (empty when it does)."""
        out = []
        for y in years:
            if y in self.years:
                continue
            if y in self.provisional:
                out.append(f"{y} 年只含法定节假日，调休安排待国务院公布后补入 configs/holidays.yaml")
            else:
                out.append(f"节假日日历未包含 {y} 年（configs/holidays.yaml），期限只按周末计算")
        return out

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself is not counted)."""
        while n > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def due_after(self, received: datetime, *, working_days: int = 0, months: int = 0) -> datetime:
        """When a case received at ``received`` becomes late: the limit counts from the first working day of
        receipt (a call on a Saturday counts from Monday); ``working_days`` working days after it (0 = the same
        day), or ``months`` calendar months after it moved to a working day; late from 00:00 of the next
        working day."""
        base = self.next_working_day(received.date())
        if months:
            y, m = divmod(base.month - 1 + months, 12)
            year, month = base.year + y, m + 1
            last = self.next_working_day(date(year, month, min(base.day, _cal.monthrange(year, month)[1])))
        else:
            last = self.add_working_days(base, working_days)
        return datetime.combine(self.add_working_days(last, 1), time.min)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days from ``start``'s date (exclusive) to ``end``'s date (inclusive); negative if reversed."""
        a, b, sign = start.date(), end.date(), 1
        if b < a:
            a, b, sign = b, a, -1
        n, d = 0, a
        while d < b:
            d += timedelta(days=1)
            n += self.is_working_day(d)
        return sign * n
