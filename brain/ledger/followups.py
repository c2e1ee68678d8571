"""回访: follow-ups scheduled when a case is resolved (化解), by risk and type rules with their source
(configs/followup_rules.yaml), plus one check per obligation of an agreement drafted for the case.

Recording an outcome moves the case: the first outcome of a 已化解 case is its 回访 move (→ 回访中); the outcome
反弹 takes the 反弹 move, which opens a new linked case.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from brain.errors import NotFoundError
from brain.ledger.access import Actor, area_filter
from brain.ledger.models import Case, CaseAgreement, FollowUp
from brain.ledger.schema import (
    CaseEventRequest,
    CaseGet,
    FollowUpPage,
    FollowUpQuery,
    FollowUpRecorded,
    FollowUpResult,
)
from brain.ledger.state_machine import MoveNotAllowedError, apply
from brain.ledger.views import followup_view
from brain.privacy import redact

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from brain.ledger.ports import Ledger

FOLLOWUP_HOUR = time(9, 0)


def schedule(
    s: Session,
    ledger: Ledger,
    case_id: int,
    now: datetime,
    obligations: list[dict[str, Any]] | None = None,
) -> int:
    """Schedule the follow-ups of a case just resolved (all rules, every agreement's duties), or, given
    ``obligations``, only the checks of those duties (an agreement drafted after 化解); returns how many."""
    case = s.get(Case, case_id)
    assert case is not None
    only = obligations is not None
    if obligations is None:
        agreements = s.scalars(select(CaseAgreement).where(CaseAgreement.case_id == case_id))
        obligations = [ob for a in agreements for ob in a.obligations or []]
    plan = ledger.followup_rules.plan(case.risk, case.type, now.date(), obligations, only_agreement=only)
    start = int(
        s.scalar(select(FollowUp.seq).where(FollowUp.case_id == case_id).order_by(FollowUp.seq.desc())) or 0
    )
    rows = [
        {
            "case_id": case_id,
            "seq": start + i + 1,
            "due_at": datetime.combine(ledger.calendar.next_working_day(p["due"]), FOLLOWUP_HOUR),
            "rule": p["rule"][:64],
            "source": p["source"],
            "obligations": p["obligations"],
        }
        for i, p in enumerate(plan)
    ]
    if rows:
        s.execute(insert(FollowUp), rows)
    return len(rows)


def list_followups(ledger: Ledger, q: FollowUpQuery, actor: Actor) -> FollowUpPage:
    from brain.ledger.records import to_local

    before = to_local(q.due_before, ledger.tz) if q.due_before else ledger.clock()
    conds: list[Any] = [
        FollowUp.due_at <= before,
        FollowUp.done_at.is_not(None) if q.done else FollowUp.done_at.is_(None),
    ]
    conds += area_filter(actor, Case.town, Case.village)
    if q.town:
        conds.append(Case.town == (ledger.places.town_name(q.town) or q.town))
    stmt = select(FollowUp, Case).join(Case, Case.id == FollowUp.case_id).where(*conds)
    with ledger.tx(write=False) as s:
        rows = s.execute(stmt.order_by(FollowUp.due_at, FollowUp.id).limit(q.limit)).all()
    return FollowUpPage(items=[followup_view(f, c) for f, c in rows])


def record(ledger: Ledger, req: FollowUpResult, actor: Actor) -> FollowUpRecorded:
    now = ledger.clock()
    reopened: int | None = None
    with ledger.tx() as s:
        f = s.get(FollowUp, req.followup_id)
        case = s.get(Case, f.case_id) if f else None
        if f is None or case is None or not actor.covers(case.town, case.village):
            raise NotFoundError(
                f"回访 {req.followup_id} 不存在", where="followup_id", hint="用 GET /v1/followups 查看"
            )
        if f.done_at is not None:
            raise MoveNotAllowedError(
                f"回访 {f.id} 已于 {f.done_at:%Y-%m-%d} 记录结果“{f.outcome}”",
                where="followup_id",
                hint="回访结果不可修改",
            )
        if case.status == "已化解":
            ledger.move(
                s,
                case,
                CaseEventRequest(case_id=case.id, type="回访", version=case.version),
                apply(case.status, "回访"),
                actor,
                now,
            )
            s.refresh(case)
        note = f"第{f.seq}次回访：{req.outcome}" + (f"；{redact(req.note).text}" if req.note else "")
        if req.outcome == "反弹":
            to = apply(case.status, "反弹")
            ledger.move(
                s,
                case,
                CaseEventRequest(case_id=case.id, type="反弹", note=req.note, version=case.version),
                to,
                actor,
                now,
            )
            reopened = int(
                s.scalar(select(Case.id).where(Case.reopened_from == case.id).order_by(Case.id.desc())) or 0
            )
        else:
            s.refresh(case)
            ledger.move(
                s,
                case,
                CaseEventRequest(case_id=case.id, type="备注", note=note, version=case.version),
                case.status,
                actor,
                now,
            )
        s.execute(
            update(FollowUp)
            .where(FollowUp.id == f.id)
            .values(
                done_at=now,
                outcome=req.outcome,
                note=redact(req.note).text if req.note else None,
                reopened_case_id=reopened,
            )
        )
        s.refresh(f)
        fv = followup_view(f, case)
    view = ledger.get(CaseGet(case_id=case.id), actor)
    new = ledger.get(CaseGet(case_id=reopened), actor) if reopened else None
    return FollowUpRecorded(followup=fv, case=view, reopened_case=new)
