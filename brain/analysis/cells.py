"""The statistics of one hot-spot cell (a village, or a town, × a type, a group of related types or all types):
its place condition, its distinct-matter counts, the county prior, the gamma posterior of its rate and the
negative-binomial tail. :mod:`brain.analysis.hotspot` runs the tests on them.

A cell's types are a :data:`Cell`: a tuple of type names (one type, or a group such as 合同/债务/生产经营),
or ``None`` for all types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from scipy.stats import nbinom

from brain.analysis.alerting import AnalysisParams
from brain.analysis.models import CaseRecord
from brain.analysis.store import cases, cases_with_features, features, matter_key

Cell = tuple[str, ...] | None


def type_cond(cell: Cell) -> list[Any]:
    """The condition on ``cases.type`` of a cell (none for all types)."""
    if cell is None:
        return []
    return [cases.c.type == cell[0]] if len(cell) == 1 else [cases.c.type.in_(cell)]


def place_cond(case: CaseRecord) -> list[Any]:
    """The case's cell place: its village within its town, or its town when it names no village."""
    cond = [cases.c.town == case.town] if case.town else []  # a village without its town: the village alone
    return [*cond, cases.c.village == case.village] if case.village else cond


def _counted(*cond: Any) -> sa.Select[Any]:
    """Distinct matters: a repeat or duplicate counts with its first case, a text cluster or a counterparty
    group once."""
    return sa.select(sa.func.count(sa.distinct(matter_key))).select_from(cases_with_features).where(*cond)


def distinct_matters(conn: sa.Connection, cond: list[Any], t0: datetime, t1: datetime) -> int:
    """``_counted(*cond, t0 ≤ received_at ≤ t1)`` — distinct ``coalesce(matter, id)`` — without joining every
    row of a long history to ``analysis_features``: the rows are counted from the case indices, and only the
    few cases that count with another (``matter`` set: partial index ``ix_features_matter_time``) are read.
    Distinct keys = rows without a matter + the matters not already counted as such a row's own id."""
    rng = [cases.c.received_at >= t0, cases.c.received_at <= t1]
    n = conn.execute(sa.select(sa.func.count()).select_from(cases).where(*cond, *rng)).scalar_one()
    if not n:
        return 0
    linked = conn.execute(
        sa.select(features.c.case_id, features.c.matter)
        .join(cases, cases.c.id == features.c.case_id)
        .where(features.c.matter.is_not(None), features.c.received_at >= t0, features.c.received_at <= t1)
        .where(*cond, *rng)
    ).all()
    if not linked:
        return int(n)
    matters = {m for _, m in linked}
    own = set(
        conn.execute(sa.select(cases.c.id).where(cases.c.id.in_(sorted(matters)), *cond, *rng)).scalars()
    ) - {c for c, _ in linked}
    return int(n) - len(linked) + len(matters - own)


_PRIOR: dict[tuple[str, str, str | None, str], float] = {}


def prior_rate(
    conn: sa.Connection,
    case: CaseRecord,
    cell: Cell,
    hist_start: datetime,
    start: datetime,
    e: float,
) -> float:
    """County-wide rate of the cell's types per village and window over the history period (a group's rate is
    the sum of its types'). It moves slowly, so it is counted once per county and day, all types in one
    grouped scan (a county-wide scan per case would grow with the ledger)."""
    # villages are counted with their town (two towns may each have a 新村)
    unit = (cases.c.town + "|" + cases.c.village) if case.village else cases.c.town
    day = f"{start:%Y-%m-%d}|{'village' if case.village else 'town'}"
    base = (str(conn.engine.url), case.county)
    key = (*base, None, day)  # the all-types entry: present once the day's scan ran
    if key not in _PRIOR:  # one grouped scan fills every type of the county and day (and the all-types key)
        hist_range = (cases.c.received_at >= hist_start, cases.c.received_at <= start)
        by_type = conn.execute(
            sa.select(cases.c.type, sa.func.count(sa.distinct(matter_key)))
            .select_from(cases_with_features)
            .where(cases.c.county == case.county, *hist_range)
            .group_by(cases.c.type)
        ).all()
        county_all = conn.execute(_counted(cases.c.county == case.county, *hist_range)).scalar_one()
        villages = conn.execute(  # or towns, for a town cell
            sa.select(sa.func.count(sa.distinct(unit))).where(cases.c.county == case.county, *hist_range)
        ).scalar_one()
        if len(_PRIOR) > 100_000:
            _PRIOR.clear()
        days = max((start - hist_start).total_seconds() / 86400, 1e-9)
        per = max(villages, 1) * days  # per village and day
        _PRIOR[key] = county_all / per
        for typ, n in by_type:
            if typ is not None:
                _PRIOR[(*base, typ, day)] = n / per
    window_days = (start - hist_start).total_seconds() / 86400 / max(e, 1e-9)
    if cell is None:
        return _PRIOR[key] * window_days
    # a type the county had none of in the history has rate 0
    return sum(_PRIOR.get((*base, t, day), 0.0) for t in cell) * window_days


def nb_tail(count: int, shape: float, rate: float) -> float:
    """P(X ≥ count) for the gamma-Poisson predictive."""
    if count <= 0:
        return 1.0
    return float(nbinom.sf(count - 1, max(shape, 1e-6), rate / (rate + 1.0)))


@dataclass(frozen=True)
class Posterior:
    """The gamma posterior of a cell's rate per window: ``h`` matters in ``e`` windows of history, the county
    prior ``m`` per window worth ``hotspot_prior_windows`` windows."""

    start: datetime  # where the window (and so the history) ends
    h: int
    e: float
    m: float
    shape: float
    rate: float


Memo = dict[tuple[Cell, float], "Posterior | None"]


def posterior(
    conn: sa.Connection,
    case: CaseRecord,
    params: AnalysisParams,
    *,
    cell: Cell,
    data_start: datetime,
    window_days: float,
    memo: Memo,
) -> Posterior | None:
    """The cell's posterior for a window of ``window_days`` ending at the case, or None with less history
    than ``hotspot_min_history_days``. Kept in ``memo`` per (cell, window): the fixed 7-day test and the
    scan of one case share the village's history count (the costly query on a busy village)."""
    key = (cell, window_days)
    if key not in memo:
        w = timedelta(days=window_days)
        start = case.received_at - w
        hist_start = max(data_start, start - timedelta(days=params.hotspot_history_days))
        memo[key] = None
        if (start - hist_start).days >= params.hotspot_min_history_days:
            e = (start - hist_start) / w
            h = distinct_matters(conn, [*place_cond(case), *type_cond(cell)], hist_start, start)
            m = prior_rate(conn, case, cell, hist_start, start, e)
            a0 = params.hotspot_prior_windows
            memo[key] = Posterior(start, int(h), e, m, a0 * m + h, a0 + e)
    return memo[key]


def cell_ids(conn: sa.Connection, case: CaseRecord, cell: Cell, after: Any) -> list[str]:
    """The cell's cases from ``after`` (a condition on ``received_at``) up to the case, oldest first."""
    return list(
        conn.execute(
            sa.select(cases.c.id)
            .where(*place_cond(case), *type_cond(cell), after, cases.c.received_at <= case.received_at)
            .order_by(cases.c.received_at)
        ).scalars()
    )


def cell_name(cell: Cell, group: str | None = None) -> str:
    """How a cell is named to a reader: its type, its group with the types, or 全部类型."""
    if cell is None:
        return "全部类型"
    return f"{group}（{'、'.join(cell)}）" if group and len(cell) > 1 else cell[0]


def cell_figures(post: Posterior, name: str, **figures: Any) -> dict[str, Any]:
    return {
        "type": name,
        **figures,
        "history_count": post.h,
        "history_windows": round(post.e, 2),
        "prior_rate": round(post.m, 3),
    }
