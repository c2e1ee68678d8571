"""Alerts (预警) and the suggested 督办, stored so they can be acknowledged and listed.

Kinds, checked by :func:`scan` (run before every listing, and by ``brain cases alerts``):

========== ========================================================================================
分流超时    still 登记 at its routing deadline (1个工作日内分流, graph rule 分流)
办理超时    still open (登记/已分流/调处中) at its due date (graph difficulty rule)
临期预警    red or orange and open within ``ledger.early_warning_hours`` of its due date
========== ========================================================================================

One alert per case, kind and deadline (a unique constraint): a case moved to a new deadline can warn again,
a scan run twice raises nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, insert, select, update

from brain.errors import NotFoundError
from brain.ledger.access import Actor, area_filter
from brain.ledger.calendar import WorkCalendar
from brain.ledger.deadlines import supervisor_for
from brain.ledger.models import OPEN_STATUSES, Alert, Case
from brain.ledger.schema import AlertAck, AlertPage, AlertQuery, AlertView

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from brain.ledger.ports import Ledger

WHAT = {"分流超时": "分流时限", "办理超时": "办理时限", "临期预警": "办理时限"}


def late_text(calendar: WorkCalendar, deadline: datetime, now: datetime) -> str:
    """How late (or how early) in the words of a 督办 notice: hours on the first day, then working days."""
    if now < deadline:
        return f"距期限还有 {(deadline - now).total_seconds() / 3600:.0f} 小时"
    days = calendar.working_days_between(deadline, now)
    if now - deadline < timedelta(hours=24) or days < 1:
        return f"已超期 {(now - deadline).total_seconds() / 3600:.0f} 小时"
    return f"已超期 {days} 个工作日"


def _candidates(s: Session, kind: str, now: datetime, early_hours: float) -> list[Case]:
    deadline_col = Case.routing_due_at if kind == "分流超时" else Case.due_at
    conds: list[Any] = [deadline_col.is_not(None)]
    if kind == "分流超时":
        conds += [Case.status == "登记", Case.routing_due_at <= now]
    elif kind == "办理超时":
        conds += [Case.status.in_(OPEN_STATUSES), Case.due_at <= now]
    else:
        conds += [
            Case.status.in_(OPEN_STATUSES),
            Case.risk.in_(("红", "橙")),
            Case.due_at > now,
            Case.due_at <= now + timedelta(hours=early_hours),
        ]
    seen = exists().where(and_(Alert.case_id == Case.id, Alert.kind == kind, Alert.deadline == deadline_col))
    return list(s.scalars(select(Case).where(*conds, ~seen).order_by(Case.id)))


def scan(ledger: Ledger, now: datetime | None = None) -> int:
    """Raise the alerts that are due and not raised yet; returns how many were raised."""
    now = now or ledger.clock()
    raised = 0
    with ledger.tx() as s:
        for kind in ("分流超时", "办理超时", "临期预警"):
            rows = []
            for c in _candidates(s, kind, now, ledger.settings.ledger.early_warning_hours):
                deadline = c.routing_due_at if kind == "分流超时" else c.due_at
                assert deadline is not None
                supervisor = supervisor_for(c.level, c.risk)
                late = late_text(ledger.calendar, deadline, now)
                place = f"{c.town or ''}{c.village or ''}" or c.county
                rows.append(
                    {
                        "case_id": c.id,
                        "kind": kind,
                        "deadline": deadline,
                        "raised_at": now,
                        "late_hours": round((now - deadline).total_seconds() / 3600, 2),
                        "message": (
                            f"案件 {c.id}（{place}，{c.type}，{c.risk}色，{c.status}）{kind}："
                            f"{WHAT[kind]} {deadline:%Y-%m-%d %H:%M}，{late}；承办：{c.assignee or '未指定'}"
                            f"（{c.level}级）。建议督办：{supervisor}"
                        ),
                        "supervisor": supervisor,
                        "town": c.town,
                        "village": c.village,
                    }
                )
            if rows:
                s.execute(insert(Alert), rows)
                raised += len(rows)
    return raised


def view(a: Alert, calendar: WorkCalendar, now: datetime) -> AlertView:
    return AlertView(
        id=a.id,
        case_id=a.case_id,
        kind=a.kind,
        deadline=a.deadline,
        raised_at=a.raised_at,
        late_hours=a.late_hours,
        late=late_text(calendar, a.deadline, now),
        message=a.message,
        supervisor=a.supervisor,
        town=a.town,
        village=a.village,
        acked_at=a.acked_at,
        acked_by=a.acked_by,
    )


def list_alerts(ledger: Ledger, q: AlertQuery, actor: Actor) -> AlertPage:
    now = ledger.clock()
    scan(ledger, now)
    conds: list[Any] = area_filter(actor, Alert.town, Alert.village)
    if q.acked is not None:
        conds.append(Alert.acked_at.is_not(None) if q.acked else Alert.acked_at.is_(None))
    if q.kind:
        conds.append(Alert.kind == q.kind)
    if q.town:
        conds.append(Alert.town == (ledger.places.town_name(q.town) or q.town))
    if q.cursor:
        conds.append(Alert.id < int(q.cursor) if q.cursor.isdigit() else Alert.id < 0)
    with ledger.tx(write=False) as s:
        rows = list(s.scalars(select(Alert).where(*conds).order_by(Alert.id.desc()).limit(q.limit + 1)))
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return AlertPage(
        items=[view(a, ledger.calendar, now) for a in rows],
        next_cursor=str(rows[-1].id) if more and rows else None,
    )


def ack(ledger: Ledger, req: AlertAck, actor: Actor) -> AlertView:
    now = ledger.clock()
    with ledger.tx() as s:
        a = s.get(Alert, req.alert_id)
        if a is None or not actor.covers(a.town, a.village):
            raise NotFoundError(
                f"预警 {req.alert_id} 不存在", where="alert_id", hint="用 GET /v1/alerts 查看"
            )
        if a.acked_at is None:  # acknowledging twice keeps the first acknowledgement
            s.execute(update(Alert).where(Alert.id == a.id).values(acked_at=now, acked_by=actor.id))
            a.acked_at, a.acked_by = now, actor.id
    return view(a, ledger.calendar, now)
