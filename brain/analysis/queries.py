"""The report's and the hot-spot view's figures, each one SQL aggregate over the case view.

Every figure is returned as a :class:`Figure` with the SQL text and the parameters it ran with, so every
number in a report can be traced to (and re-run as) its query. Dates are bucketed with the dialect's own
function (SQLite ``date()``, PostgreSQL ``date_trunc``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from brain.analysis.alerting import AnalysisParams
from brain.analysis.cells import nb_tail
from brain.analysis.hotspot import level_for
from brain.analysis.models import HotspotCell, HotspotQuery, HotspotResult
from brain.analysis.store import alerts, cases, cases_with_features, matter_key

# GROUP BY by position: an expression with a bound parameter (coalesce(type, '未分类')) is a different
# expression to PostgreSQL in GROUP BY than in SELECT.
G1, G2 = sa.text("1"), sa.text("2")


@dataclass
class Figure:
    value: Any
    sql: str
    params: dict[str, Any]


UNKNOWN_PLACE = "（未标明）"


def _sql(conn: sa.Connection, stmt: Any) -> str:
    return str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": False}))


def run(conn: sa.Connection, stmt: Any, params: dict[str, Any], *, scalar: bool = False) -> Figure:
    res = conn.execute(stmt)
    value = res.scalar() if scalar else [tuple(r) for r in res.all()]
    return Figure(value, _sql(conn, stmt), params)


def day_expr(conn: sa.Connection) -> Any:
    if conn.dialect.name == "sqlite":
        return sa.func.date(cases.c.received_at)
    return sa.func.to_char(sa.func.date_trunc("day", cases.c.received_at), "YYYY-MM-DD")


def days_between(conn: sa.Connection, a: Any, b: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return sa.func.julianday(b) - sa.func.julianday(a)
    return sa.func.extract("epoch", b - a) / 86400.0


def place_cond(level: str, place: str) -> Any:
    return cases.c.town == place if level == "镇" else cases.c.county == place


def figures(conn: sa.Connection, level: str, place: str, start: datetime, end: datetime) -> dict[str, Figure]:
    """All figures of one report, in one read transaction (the caller's connection)."""
    where = (place_cond(level, place), cases.c.received_at >= start, cases.c.received_at < end)
    p = {"level": level, "place": place, "start": start.isoformat(), "end": end.isoformat()}
    span = end - start
    prev = (place_cond(level, place), cases.c.received_at >= start - span, cases.c.received_at < start)
    unit = cases.c.village if level == "镇" else cases.c.town
    typ = sa.func.coalesce(cases.c.type, "未分类")
    out = {
        "total": run(conn, sa.select(sa.func.count()).select_from(cases).where(*where), p, scalar=True),
        "previous_total": run(
            conn, sa.select(sa.func.count()).select_from(cases).where(*prev), p, scalar=True
        ),
        "matters": run(
            conn,
            sa.select(sa.func.count(sa.distinct(matter_key))).select_from(cases_with_features).where(*where),
            p,
            scalar=True,
        ),
        "by_type": run(
            conn,
            sa.select(typ, sa.func.count()).where(*where).group_by(G1).order_by(sa.func.count().desc()),
            p,
        ),
        "previous_by_type": run(conn, sa.select(typ, sa.func.count()).where(*prev).group_by(G1), p),
        "by_risk": run(
            conn, sa.select(cases.c.risk, sa.func.count()).where(*where).group_by(cases.c.risk), p
        ),
        "by_unit": run(conn, sa.select(unit, sa.func.count()).where(*where).group_by(unit).order_by(unit), p),
        "unit_type": run(conn, sa.select(unit, typ, sa.func.count()).where(*where).group_by(G1, G2), p),
        "daily_type": run(
            conn,
            sa.select(day_expr(conn), typ, sa.func.count()).where(*where).group_by(G1, G2),
            p,
        ),
        "resolved": run(
            conn,
            sa.select(sa.func.count()).where(
                *where, cases.c.resolved_at.is_not(None), cases.c.resolved_at < end
            ),
            p,
            scalar=True,
        ),
        "resolved_on_time": run(
            conn,
            sa.select(sa.func.count()).where(
                *where,
                cases.c.resolved_at.is_not(None),
                cases.c.resolved_at < end,
                sa.or_(cases.c.due_at.is_(None), cases.c.resolved_at <= cases.c.due_at),
            ),
            p,
            scalar=True,
        ),
        "cycle_days": run(
            conn,
            sa.select(sa.func.avg(days_between(conn, cases.c.received_at, cases.c.resolved_at))).where(
                *where, cases.c.resolved_at.is_not(None), cases.c.resolved_at < end
            ),
            p,
            scalar=True,
        ),
        "overdue": run(
            conn,
            sa.select(sa.func.count()).where(
                *where,
                cases.c.due_at.is_not(None),
                cases.c.due_at < end,
                sa.or_(cases.c.resolved_at.is_(None), cases.c.resolved_at > cases.c.due_at),
            ),
            p,
            scalar=True,
        ),
        "channels": run(
            conn,
            sa.select(cases.c.source, sa.func.count(), sa.func.count(cases.c.resolved_at))
            .where(*where, cases.c.source.in_(["诉情", "警情", "访情"]))
            .group_by(cases.c.source),
            p,
        ),
    }
    acond = [alerts.c.created_at >= start, alerts.c.created_at < end]
    acond.append(alerts.c.town == place if level == "镇" else alerts.c.county == place)
    out["alerts"] = run(
        conn,
        sa.select(alerts.c.id, alerts.c.kind, alerts.c.level, alerts.c.title, alerts.c.rule)
        .where(*acond)
        .order_by(alerts.c.created_at),
        p,
    )
    return out


def hotspot_cells(conn: sa.Connection, query: HotspotQuery, params: AnalysisParams) -> HotspotResult:
    """Counts per place × type in [since, until) against each place's own history before ``since``."""
    until = query.until or (
        conn.execute(sa.select(sa.func.max(cases.c.received_at))).scalar() or datetime.now()
    )
    until = until + timedelta(seconds=1) if query.until is None else until
    since = query.since or until - timedelta(days=params.hotspot_window_days)
    unit = {"县": cases.c.county, "镇": cases.c.town, "村": cases.c.village}[query.level]
    hist_start = since - timedelta(days=params.hotspot_history_days)
    cond = [cases.c.received_at >= since, cases.c.received_at < until]
    hcond = [cases.c.received_at >= hist_start, cases.c.received_at < since]
    if query.place:
        scope = sa.or_(
            cases.c.county == query.place, cases.c.town == query.place, cases.c.village == query.place
        )
        cond.append(scope)
        hcond.append(scope)
    typ = sa.func.coalesce(cases.c.type, "未分类")
    # a village is one cell per town (two towns may each have a 新村); towns and counties are their own
    by_town = query.level == "村"
    g3 = sa.text("3")
    if by_town:
        now_q = sa.select(unit, cases.c.town, typ, sa.func.count()).where(*cond).group_by(G1, G2, g3)
        hist_q = sa.select(unit, cases.c.town, typ, sa.func.count()).where(*hcond).group_by(G1, G2, g3)
        hist = {(u, tw, t): n for u, tw, t, n in conn.execute(hist_q).all()}
    else:
        now_q = sa.select(unit, sa.func.min(cases.c.town), typ, sa.func.count()).where(*cond).group_by(G1, g3)
        hist_q = sa.select(unit, typ, sa.func.count()).where(*hcond).group_by(G1, G2)
        hist = {(u, None, t): n for u, t, n in conn.execute(hist_q).all()}
    windows = max((since - hist_start) / (until - since), 1e-9)
    cells = []
    for u, town, t, n in conn.execute(now_q).all():
        h = hist.get((u, town if by_town else None, t), 0)
        shape, rate = params.hotspot_prior_windows * 0.5 + h, params.hotspot_prior_windows + windows
        pv = nb_tail(int(n), shape, rate)
        cells.append(
            HotspotCell(  # a case registered without a village (or town) is counted under 未标明
                place=u or UNKNOWN_PLACE,
                town=town or UNKNOWN_PLACE,
                type=t,
                count=int(n),
                expected=round(shape / rate, 3),
                p_value=pv,
                level=level_for(pv, params.hotspot_alpha) if pv < params.hotspot_alpha else None,
            )
        )
    cells.sort(key=lambda c: c.p_value)
    return HotspotResult(since=since, until=until, cells=cells, sql=_sql(conn, now_q))
