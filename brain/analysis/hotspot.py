"""Hot spots: a place's count of one type in the last window against that place's own history.

The statistic is a gamma-Poisson (negative binomial) predictive tail. For village ``v`` and type ``t``:
``h`` cases in the history period (``hotspot_history_days`` before the window, or since the data begins),
``e`` = history length in windows; the county-wide rate of ``t`` per village and window ``m`` is the prior,
worth ``a0 = hotspot_prior_windows`` windows. The posterior rate is Gamma(a0·m + h, a0 + e), so the count in
the next window is NegBin(r = a0·m + h, p = (a0 + e) / (a0 + e + 1)), and the alert fires when
``P(X ≥ c) < alpha`` and ``c ≥ hotspot_min_count``. A village that always has many land disputes has a
large ``h`` and does not alarm at its usual count; one that suddenly has five does. Cases linked to an
earlier case (repeats, duplicates) are not counted again. The same test runs on the village's total over all
types, so a burst split by the classifier across neighbouring types is still seen, and — when
``hotspot_group_alpha`` is set (off by default) — on the type's group of related types (``hotspot_groups``:
合同/债务/生产经营 …, the types intake most often confuses).

The village's total is also tested in a temporal scan: every window that ends at the new case and starts at
one of the village's cases of the last window (a burst over four days is sharper in a 4-day window than in
the 7- or 3-day ones), its smallest tail multiplied by the number of windows scanned (:func:`scan_tail`).

A village is named by its town too (two towns may each have a 新村). A case that names a town but no village
(a hotline record often does) is tested in its town's cell instead, against the town's history and the
county rate per town.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from brain.analysis.alerting import AnalysisParams, title_for, upsert_alert
from brain.analysis.cells import (
    Cell,
    Memo,
    cell_figures,
    cell_ids,
    cell_name,
    nb_tail,
    place_cond,
    posterior,
    type_cond,
)
from brain.analysis.models import AlertChange, AlertLevel, CaseRecord, Place
from brain.analysis.store import AnalysisStore, alert_cases, alerts, cases, cases_with_features, matter_key

OTHER_KINDS = ("emerging", "collective", "repeat", "duplicate")


def level_for(p: float, alpha: float) -> AlertLevel:
    return "红" if p < alpha * 1e-3 else ("橙" if p < alpha * 3e-2 else "蓝")


def group_of(case: CaseRecord, params: AnalysisParams) -> tuple[str, tuple[str, ...]] | None:
    """The case's group of related types (its name and types), if its type is in one of several types."""
    if not case.type or not params.hotspot_group_alpha:
        return None
    for name, members in params.hotspot_groups.items():
        if case.type in members and len(members) > 1:
            return name, tuple(members)
    return None


def window_counts(
    conn: sa.Connection, case: CaseRecord, windows: list[tuple[Cell, float]]
) -> dict[tuple[Cell, float], int]:
    """Distinct matters in each (cell, window days) ending at the case, in one query (one round trip per
    case instead of one per cell: ``count(DISTINCT …) FILTER (WHERE …)`` on SQLite and PostgreSQL)."""
    at = case.received_at
    cols = []
    for cell, days in windows:
        cond = [cases.c.received_at > at - timedelta(days=days), *type_cond(cell)]
        cols.append(sa.func.count(sa.distinct(matter_key)).filter(sa.and_(*cond)))
    widest = max(d for _, d in windows)
    row = conn.execute(
        sa.select(*cols)
        .select_from(cases_with_features)
        .where(
            *place_cond(case),
            cases.c.received_at > at - timedelta(days=widest),
            cases.c.received_at <= at,
        )
    ).one()
    return {w: int(c or 0) for w, c in zip(windows, row, strict=True)}


def cell_test(
    conn: sa.Connection,
    case: CaseRecord,
    params: AnalysisParams,
    *,
    cell: Cell,
    data_start: datetime,
    count: int,
    window_days: float | None = None,
    memo: Memo | None = None,
    group: str | None = None,
) -> dict[str, Any] | None:
    """The NB tail of one cell whose window count (``count``, distinct matters) is already known. Alpha by
    the cell: one type ``hotspot_alpha`` (``hotspot_small_alpha`` for a small count), a group of types
    ``hotspot_group_alpha``, all types ``hotspot_all_alpha`` (the more cells a count mixes, the more often
    it is high by chance)."""
    days = window_days or params.hotspot_window_days
    c = count
    single = cell is not None and len(cell) == 1
    small = single and params.hotspot_small_count <= c < params.hotspot_min_count
    if c < params.hotspot_min_count and not small:
        return None
    post = posterior(
        conn,
        case,
        params,
        cell=cell,
        data_start=data_start,
        window_days=days,
        memo={} if memo is None else memo,
    )
    if post is None:
        return None
    p = nb_tail(int(c), post.shape, post.rate)
    if cell is None:
        alpha = params.hotspot_all_alpha
    elif not single:
        alpha = params.hotspot_group_alpha
    else:
        alpha = params.hotspot_small_alpha if small else params.hotspot_alpha
    if p >= alpha:
        return None
    return {
        **cell_figures(
            post,
            cell_name(cell, group),
            window_days=days,
            count=int(c),  # distinct matters
            expected=round(post.shape / post.rate, 3),
        ),
        "p_value": p,
        "alpha": alpha,
        "case_ids": cell_ids(conn, case, cell, cases.c.received_at > post.start),
    }


def scan_tail(
    times: list[datetime], at: datetime, shape: float, rate: float, params: AnalysisParams
) -> tuple[float, int, float]:
    """(penalised smallest tail, its count, its window days) over the windows that end at ``at`` and start at
    one of the cell's cases (``times``: one per distinct matter, within the last ``hotspot_window_days``) —
    the temporal scan statistic. ``shape`` / ``rate`` are the gamma posterior of the rate per
    ``hotspot_window_days`` window; a window of ``w`` days has rate ``rate · window_days / w``. The smallest
    tail is multiplied by ``hotspot_scan_penalty`` (0: by the number of windows scanned)."""
    best, count, days, n = 1.0, 0, 0.0, 0
    for j, t in enumerate(sorted(times, reverse=True)):  # the window from the j-th latest case up to ``at``
        c = j + 1
        if c < params.hotspot_min_count:
            continue
        w = max((at - t).total_seconds() / 86400, params.hotspot_scan_min_days)
        n += 1
        p = nb_tail(c, shape, rate * params.hotspot_window_days / w)
        if p < best:
            best, count, days = p, c, w
    factor = params.hotspot_scan_penalty or max(n, 1)
    return min(best * factor, 1.0), count, days


def scan_test(
    conn: sa.Connection, case: CaseRecord, params: AnalysisParams, *, data_start: datetime, memo: Memo
) -> dict[str, Any] | None:
    """The scan over the village's last window, all types (see :func:`scan_tail`), against the same history
    and county prior as the fixed window (shared through ``memo``). (Scanning the type cells as well found
    nothing more on the tuning streams: docs/analysis.md, fifth pass.)"""
    at = case.received_at
    window = params.hotspot_window_days
    post = posterior(conn, case, params, cell=None, data_start=data_start, window_days=window, memo=memo)
    if post is None:
        return None
    rows = conn.execute(  # one time per distinct matter: its first case in the window
        sa.select(matter_key, sa.func.min(cases.c.received_at))
        .select_from(cases_with_features)
        .where(*place_cond(case), cases.c.received_at > post.start, cases.c.received_at <= at)
        .group_by(matter_key)
    ).all()
    if len(rows) < params.hotspot_min_count:
        return None
    p, c, days = scan_tail([r[1] for r in rows], at, post.shape, post.rate, params)
    if p >= params.hotspot_all_alpha:
        return None
    return {
        **cell_figures(
            post,
            cell_name(None),
            window_days=round(days, 2),
            count=int(c),
            expected=round(post.shape / post.rate * days / window, 3),
        ),
        "p_value": p,
        "alpha": params.hotspot_all_alpha,
        "scan": True,
        "case_ids": cell_ids(conn, case, None, cases.c.received_at >= at - timedelta(days=days)),
    }


def _explained(conn: sa.Connection, ids: list[str]) -> bool:
    """Most of the cells' cases already belong to a more specific alert (苗头, 群体, 重复)."""
    if not ids:
        return False
    n = conn.execute(
        sa.select(sa.func.count(sa.distinct(alert_cases.c.case_id)))
        .join(alerts, alerts.c.id == alert_cases.c.alert_id)
        .where(alert_cases.c.case_id.in_(ids), alerts.c.kind.in_(OTHER_KINDS))
    ).scalar_one()
    return n * 2 >= len(ids)


def detect_hotspot(
    store: AnalysisStore,
    conn: sa.Connection,
    case: CaseRecord,
    params: AnalysisParams,
    *,
    linked: bool,
    data_start: datetime,
) -> list[AlertChange]:
    if linked or not (case.village or case.town):
        return []
    group = group_of(case, params)
    windows: list[tuple[Cell, float]] = []
    for days in (params.hotspot_window_days, params.hotspot_short_window_days):
        if not days:  # the short window (a burst of a few days shows more sharply) may be off
            continue
        if case.type:
            windows.append(((case.type,), days))
        if group:
            windows.append((group[1], days))
        if params.hotspot_all_types:
            windows.append((None, days))
    if not windows:
        return []
    counts = window_counts(conn, case, windows)
    lowest = min(params.hotspot_min_count, params.hotspot_small_count)
    memo: Memo = {}
    tests = [
        cell_test(
            conn,
            case,
            params,
            cell=cell,
            data_start=data_start,
            count=counts[(cell, d)],
            window_days=d,
            memo=memo,
            group=group[0] if group else None,
        )
        for cell, d in windows
        if counts[(cell, d)] >= lowest
    ]
    scanning = params.hotspot_scan and params.hotspot_all_types  # the village total: a burst intake split
    n7 = counts.get((None, params.hotspot_window_days), 0)
    if scanning and params.hotspot_min_count <= n7 <= params.hotspot_scan_max_count:
        tests.append(scan_test(conn, case, params, data_start=data_start, memo=memo))
    fired = [t for t in tests if t]
    if not fired:
        return []
    best = min(fired, key=lambda t: t["p_value"])
    ids = list(dict.fromkeys(i for t in fired for i in t["case_ids"]))
    if _explained(conn, ids):
        return []
    level = level_for(best["p_value"], params.hotspot_alpha)
    days = best["window_days"]  # the window that gave the lowest tail (the short one for a sharp burst)
    unit = params.hotspot_window_days if best.get("scan") else days  # the window the prior is counted per
    shown = f"{days:g}" if float(days).is_integer() else f"{days:.1f}"
    what = f"{case.town}{case.village} 近{shown}日{best['type']} {best['count']} 件（本地历史预期 {best['expected']:.1f} 件）"
    scan = ""
    if best.get("scan"):
        factor = f"{params.hotspot_scan_penalty:g}" if params.hotspot_scan_penalty else "窗口数"
        scan = f"（扫描近{params.hotspot_window_days:g}日内以各案为起点的窗口，最小尾概率已乘以{factor}）"
    rule = (
        f"负二项（伽马-泊松）预测尾概率 P(X≥{best['count']}) = {best['p_value']:.2e} < α = {best['alpha']:g}{scan}；"
        f"先验为全县同类每村每{unit:g}日 {best['prior_rate']:.2f} 件，"
        f"本村近{best['history_windows']:.1f}个周期历史 {best['history_count']} 件"
    )
    evidence = {"cells": [{k: v for k, v in t.items() if k != "case_ids"} for t in fired]}
    return [
        upsert_alert(
            store,
            conn,
            kind="hotspot",
            key=f"{case.county}|{case.town}|{case.village}",
            at=case.received_at,
            level=level,
            place=Place(county=case.county, town=case.town, village=case.village),
            title=title_for("hotspot", level, what),
            rule=rule,
            evidence=evidence,
            case_ids=ids,
            active_days=params.hotspot_window_days,
        )
    ]
