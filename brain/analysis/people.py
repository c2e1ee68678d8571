"""Detectors keyed by who and against whom: 群体性苗头 (collective), 重复访 (repeat), 民转刑 (escalation)
and 易反弹 (rebound). Each counts in SQL over ``analysis_features`` / ``case_persons`` and says its rule.

* collective: at least ``collective_min_people`` different complainants (person clusters; a case without
  parties counts as one) name the same counterparty (an organisation or object with a proper name: 某某建筑
  劳务公司, 某某小区) in one town within ``collective_window_days``; red at 8 people or when a case speaks of a
  group acting (我们…集体上访/堵路/拉横幅), orange at 5;
* repeat: one person (any of their ID number or phone hashes, joined across cases) with at least
  ``repeat_min_cases`` cases within ``repeat_window_days``, whatever the channel; later cases are linked to
  the first one and not counted again in statistics;
* escalation: a new case shares two parties with an earlier one (the same two families again) and its risk
  colour is higher or it carries threat words the earlier did not → 民转刑 warning (red);
* rebound: a case reopened from a resolved one (``reopened_from``), or the same person with the same type
  within ``rebound_window_days`` of a resolved case.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from brain.analysis.alerting import AnalysisParams, title_for, upsert_alert
from brain.analysis.models import RISK_RANK, AlertChange, AlertLevel, CaseRecord, Place
from brain.analysis.store import AnalysisStore, case_people, cases, features


def _place(case: CaseRecord, *, village: bool = True) -> Place:
    return Place(county=case.county, town=case.town, village=case.village if village else "")


def detect_collective(
    store: AnalysisStore,
    conn: sa.Connection,
    case: CaseRecord,
    params: AnalysisParams,
    *,
    counterparty: str | None,
    words: list[str],
    name: str | None = None,
) -> list[AlertChange]:
    """``counterparty`` is the grouping key (:func:`brain.analysis.text.counterparty_key`), ``name`` the
    words of this case (shown in the title)."""
    if not counterparty and not words:
        return []
    at = case.received_at
    if counterparty:
        start = at - timedelta(days=params.collective_window_days)
        rows = conn.execute(
            sa.select(features.c.case_id, features.c.person_root, features.c.collective_words)
            .where(
                features.c.town == case.town,
                features.c.counterparty == counterparty,
                features.c.received_at >= start,
                features.c.received_at <= at,
            )
            .order_by(features.c.received_at)
        ).all()
        people = {r.person_root or f"case:{r.case_id}" for r in rows}
        lang = sorted({w for r in rows if r.collective_words for w in r.collective_words.split(",")})
        n = len(people)
        if n < params.collective_min_people and not lang:
            return []
        level: AlertLevel = "红" if n >= 8 or lang else ("橙" if n >= 5 else "蓝")
        key = f"{case.county}|{case.town}|cp:{counterparty}"
        what = f"{case.town} {n} 名不同投诉人反映同一对象「{name or counterparty}」"
        rule = (
            f"{params.collective_window_days:g}日内同一乡镇、同一被投诉对象的不同投诉人 {n} 人"
            f"（阈值 {params.collective_min_people} 人；≥5 橙，≥8 或出现群体行动用语为红）"
        )
        ids = [r.case_id for r in rows]
        place = _place(case, village=False)
        if _inside_emerging(conn, ids):
            return []
    else:
        n, lang, ids = 1, words, [case.id]
        level, key = "红", f"{case.county}|{case.town}|{case.village}|lang:{case.id}"
        what = f"{case.town}{case.village} 投诉中出现群体行动用语"
        rule = "文本出现群体主体（我们/村民/工友/多名…）与群体行动用语（集体上访/堵路/拉横幅…）"
        place = _place(case)
    if lang:
        rule += f"；群体行动用语：{'、'.join(lang)}"
    evidence = {"counterparty": name, "counterparty_key": counterparty, "people": n, "language": lang}
    return [
        upsert_alert(
            store,
            conn,
            kind="collective",
            key=key,
            at=at,
            level=level,
            place=place,
            title=title_for("collective", level, what),
            rule=rule,
            evidence=evidence,
            case_ids=ids,
            active_days=params.collective_window_days,
        )
    ]


def mostly_in(conn: sa.Connection, ids: list[str], kind: str) -> bool:
    """At least half of ``ids`` already belong to an alert of ``kind``."""
    from brain.analysis.store import alert_cases, alerts

    n = conn.execute(
        sa.select(sa.func.count(sa.distinct(alert_cases.c.case_id)))
        .join(alerts, alerts.c.id == alert_cases.c.alert_id)
        .where(alert_cases.c.case_id.in_(ids), alerts.c.kind == kind)
    ).scalar_one()
    return n * 2 >= len(ids)


def _inside_emerging(conn: sa.Connection, ids: list[str]) -> bool:
    """One event, one alert: a counterparty group that is mostly one text cluster is reported as the
    cluster (苗头), with its counterparty named there (and a cluster that is mostly a 群体 group already
    reported stays that group: ``AnalysisService.register``)."""
    return mostly_in(conn, ids, "emerging")


def person_cases(conn: sa.Connection, root: str, case: CaseRecord, days: float) -> list[Any]:
    start = case.received_at - timedelta(days=days)
    return list(
        conn.execute(
            sa.select(features.c.case_id, cases.c.received_at, cases.c.type, cases.c.source)
            .join(cases, cases.c.id == features.c.case_id)
            .where(features.c.person_root == root, features.c.received_at >= start)
            .order_by(features.c.received_at)
        ).all()
    )


def detect_repeat(
    store: AnalysisStore, conn: sa.Connection, case: CaseRecord, params: AnalysisParams, *, root: str | None
) -> tuple[list[AlertChange], str | None]:
    """(alerts, the first case this one repeats)."""
    if not root:
        return [], None
    rows = person_cases(conn, root, case, params.repeat_window_days)
    earlier = [r for r in rows if r.case_id != case.id]
    first = next((r.case_id for r in earlier if r.type == case.type), None)
    if len(rows) < params.repeat_min_cases:
        return [], first
    channels = sorted({r.source for r in rows if r.source})
    n = len(rows)
    level: AlertLevel = "红" if n >= 5 else ("橙" if n >= 4 or len(channels) >= 3 else "蓝")
    what = f"同一当事人 {params.repeat_window_days:g} 日内第 {n} 次反映（渠道：{'、'.join(channels)}）"
    rule = (
        f"按身份证号/电话的加密哈希归并同一人：{params.repeat_window_days:g}日内 {n} 件"
        f"（阈值 {params.repeat_min_cases} 件；≥4 件或 3 个渠道为橙，≥5 件为红）；后续件关联首件，统计中不重复计数"
    )
    change = upsert_alert(
        store,
        conn,
        kind="repeat",
        key=f"person:{root}",
        at=case.received_at,
        level=level,
        place=_place(case),
        title=title_for("repeat", level, what),
        rule=rule,
        evidence={"cases": n, "channels": channels, "first_case": rows[0].case_id},
        case_ids=[r.case_id for r in rows],
        active_days=params.repeat_window_days,
    )
    return [change], first


def detect_escalation(
    store: AnalysisStore,
    conn: sa.Connection,
    case: CaseRecord,
    params: AnalysisParams,
    *,
    threats: list[str],
    roots: list[str],
) -> list[AlertChange]:
    people = sorted(set(roots))
    if len(people) < 2:
        return []
    start = case.received_at - timedelta(days=params.escalation_window_days)
    shared = (
        sa.select(case_people.c.case_id)
        .where(case_people.c.person_root.in_(people), case_people.c.case_id != case.id)
        .group_by(case_people.c.case_id)
        .having(sa.func.count() >= 2)
    )
    rows = conn.execute(
        sa.select(cases.c.id, cases.c.risk, features.c.threat_words)
        .join(features, features.c.case_id == cases.c.id, isouter=True)
        .where(cases.c.id.in_(shared), cases.c.received_at >= start)
        .order_by(cases.c.received_at)
    ).all()
    if not rows:
        return []
    before = max(RISK_RANK.get(r.risk or "", 0) for r in rows)
    now = RISK_RANK.get(case.risk or "", 0)
    had_threat = any(r.threat_words for r in rows)
    rising = now > before or (threats and not had_threat)
    if not rising:
        return []
    why = []
    if now > before:
        was = next((k for k, v in RISK_RANK.items() if v == before), "无")
        why.append(f"风险由{was}色升至{case.risk}色")
    if threats and not had_threat:
        why.append(f"新出现威胁用语：{'、'.join(threats)}")
    return [
        upsert_alert(
            store,
            conn,
            kind="escalation",
            key="pair:" + "|".join(people[:2]),
            at=case.received_at,
            level="红",
            place=_place(case),
            title=title_for("escalation", "红", f"同一双方第 {len(rows) + 1} 次纠纷，风险上升"),
            rule="同一组当事人（≥2 人相同）的关联案件风险信号上升 → 民转刑预警：" + "；".join(why),
            evidence={"earlier_cases": [r.id for r in rows], "threats": threats},
            case_ids=[*(r.id for r in rows), case.id],
            active_days=params.escalation_window_days,
        )
    ]


def detect_rebound(
    store: AnalysisStore, conn: sa.Connection, case: CaseRecord, params: AnalysisParams, *, root: str | None
) -> list[AlertChange]:
    source_id: str | None = case.reopened_from
    why = "由已化解案件反弹重开" if source_id else ""
    if not source_id and root:
        start = case.received_at - timedelta(days=params.rebound_window_days)
        source_id = conn.execute(
            sa.select(cases.c.id)
            .join(features, features.c.case_id == cases.c.id)
            .where(
                features.c.person_root == root,
                cases.c.type == case.type,
                cases.c.resolved_at.is_not(None),
                cases.c.resolved_at >= start,
                cases.c.resolved_at <= case.received_at,
                cases.c.id != case.id,
            )
            .order_by(cases.c.resolved_at.desc())
            .limit(1)
        ).scalar()
        why = f"同一当事人同类纠纷在化解后 {params.rebound_window_days:g} 日内再次发生"
    if not source_id:
        return []
    level: AlertLevel = "橙" if case.reopened_from else "蓝"
    return [
        upsert_alert(
            store,
            conn,
            kind="rebound",
            key=f"case:{source_id}",
            at=case.received_at,
            level=level,
            place=_place(case),
            title=title_for("rebound", level, f"已化解案件 {source_id} 反弹"),
            rule=why,
            evidence={"resolved_case": source_id},
            case_ids=[source_id, case.id],
            active_days=params.rebound_window_days,
        )
    ]
