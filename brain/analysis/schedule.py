"""Scheduled 研判报告: the weekly town and monthly county reports, written to state_dir and listed.

``analysis.schedule`` names what is due (``[{level, place, period, formats}]``; ``place`` empty = every town
(镇) or every county (县) that has cases). A report is due for the last *completed* calendar period before
now: a week is Monday 00:00 to Monday 00:00, a half-month the 1st–15th or the 16th–end, a month the calendar
month. Idempotent per period: the report id is a hash of (level, place, start, end), so a period whose
report.json is already written (by the schedule or by hand) is not written again; a claim file made with
O_EXCL keeps two workers from writing the same one at once. Runs in the service's lifespan
(:func:`report_loop`, every ``analysis.schedule_interval_s``) and once from cron with ``brain report schedule
run-due``. The clock is injected (``now``) so tests can move it."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from brain.analysis.models import ReportRequest, ReportResult
from brain.analysis.report import build_report, report_dir, report_id
from brain.analysis.store import AnalysisStore, cases
from brain.errors import BrainError
from brain.settings import ReportSchedule, Settings

log = logging.getLogger(__name__)
CLAIM_STALE_S = 3600  # a claim older than this (a worker died mid-report) may be taken again


def last_period(period: str, now: datetime) -> tuple[datetime, datetime]:
    """The last completed calendar period before ``now``: (start, end), end exclusive."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        end = day - timedelta(days=day.weekday())
        return end - timedelta(days=7), end
    first = day.replace(day=1)
    prev_first = (first - timedelta(days=1)).replace(day=1)
    if period == "half-month":
        if day.day >= 16:
            return first, first.replace(day=16)
        return prev_first.replace(day=16), first
    if period == "month":
        return prev_first, first
    raise ValueError(f"unknown scheduled period {period!r}")


def _places(conn: sa.Connection, entry: ReportSchedule) -> list[str]:
    if entry.place:
        return [entry.place]
    col = cases.c.town if entry.level == "镇" else cases.c.county
    return sorted(p for p in conn.execute(sa.select(col).distinct()).scalars() if p)


def due(store: AnalysisStore, settings: Settings, now: datetime) -> list[ReportRequest]:
    """The scheduled reports whose last completed period has no report yet."""
    out = []
    with store.engine.connect() as conn:
        for entry in settings.analysis.schedule:
            start, end = last_period(entry.period, now)
            for place in _places(conn, entry):
                if (
                    report_dir(settings) / report_id(entry.level, place, start, end) / "report.json"
                ).exists():
                    continue
                out.append(
                    ReportRequest(
                        level=entry.level,
                        place=place,
                        period=entry.period,
                        start=start,
                        end=end,
                        formats=list(entry.formats),
                    )
                )
    return out


def _claim(path: Path) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        if time.time() - path.stat().st_mtime > CLAIM_STALE_S:
            path.unlink(missing_ok=True)
            return _claim(path)
        return False


def run_due(store: AnalysisStore, settings: Settings, now: datetime) -> list[ReportResult]:
    """Write every due report once; a report that fails is logged and tried again next time."""
    written = []
    for req in due(store, settings, now):
        assert req.start is not None and req.end is not None
        rid = report_id(req.level, req.place, req.start, req.end)
        claim = report_dir(settings) / ".schedule" / f"{rid}.claim"
        if not _claim(claim):
            continue
        try:
            written.append(build_report(store, req, settings, scheduled=True))
        except BrainError as e:
            log.warning("scheduled report %s %s %s failed: %s", req.level, req.place, req.period, e)
        finally:
            claim.unlink(missing_ok=True)
    return written


async def report_loop(
    run: Callable[[datetime], object], interval_s: float, clock: Callable[[], datetime] = datetime.now
) -> None:
    """The lifespan's background task: run the due reports now and every ``interval_s`` (in a thread, so
    rendering never blocks the event loop); an error is logged, never kills the loop."""
    import anyio

    while True:
        try:
            await anyio.to_thread.run_sync(run, clock())
        except Exception:
            log.exception("scheduled reports failed")
        await asyncio.sleep(interval_s)
