"""The effects of each move (event type) inside the transaction that records it: the case's new columns, the
event row, the version bump guarded by ``WHERE version = ?``, and for 化解 the follow-ups, for 反弹 the new
linked case. Which moves are allowed from which status is decided only in :mod:`brain.ledger.state_machine`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import insert, select, update

from brain.errors import InputError
from brain.ledger.access import Actor
from brain.ledger.followups import schedule
from brain.ledger.models import Case, CaseEvent, Party
from brain.ledger.schema import CaseEventRequest
from brain.ledger.state_machine import MoveNotAllowedError, next_level
from brain.privacy import redact

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from brain.ledger.ports import Ledger


def move(
    ledger: Ledger, s: Session, case: Case, req: CaseEventRequest, to: str, actor: Actor, now: datetime
) -> None:
    """Apply one allowed move inside the caller's transaction: effects, the event row, the version bump."""
    before, version = case.status, case.version  # the ORM update below refreshes ``case`` in the session
    changes: dict[str, Any] = {"status": to, "updated_at": now, "version": version + 1}
    data: dict[str, Any] = {}
    level = None
    if req.type == "分流" and req.assignee:
        changes["assignee"] = req.assignee
    elif req.type == "提级":
        if not req.assignee:
            raise InputError("提级需要写明新的承办单位", where="assignee", hint="例如 乡镇人民调解委员会")
        level = req.level or next_level(case.level)
        changes.update(level=level, assignee=req.assignee)
        data["from_level"] = case.level
    elif req.type in ("化解", "未化解"):
        changes["resolved_at"] = now
    elif req.type == "归档":
        changes["archived_at"] = now
    elif req.type == "反弹":
        data["new_case"] = reopen(ledger, s, case, actor, now)
    result = s.execute(update(Case).where(Case.id == case.id, Case.version == version).values(**changes))
    n = cast("CursorResult[Any]", result).rowcount
    if n != 1:  # someone moved it between our read and this write
        raise MoveNotAllowedError("案件已被他人更新", where="version", hint="请刷新案件后重试")
    s.execute(
        insert(CaseEvent).values(
            case_id=case.id,
            type=req.type,
            from_status=before,
            to_status=to,
            at=now,
            actor=actor.id,
            actor_role=actor.role,
            note=redact(req.note).text if req.note else None,
            assignee=changes.get("assignee"),
            level=level,
            version=version + 1,
            data=data,
        )
    )
    if req.type == "化解":
        schedule(s, ledger, case.id, now)


def reopen(ledger: Ledger, s: Session, case: Case, actor: Actor, now: datetime) -> int:
    """反弹: a new case in 登记, linked by ``reopened_from``, same place, type and parties (their encrypted
    values and hashes copied), one risk colour higher, with fresh deadlines from now."""
    higher = {"蓝": "黄", "黄": "橙", "橙": "红", "红": "红"}
    row = {
        c.name: getattr(case, c.name)
        for c in Case.__table__.columns
        if c.name not in ("id", "external_id", "import_batch")
    }
    row.update(
        status="登记",
        received_at=now,
        risk=higher.get(case.risk, case.risk),
        routing_due_at=ledger.deadlines.routing_due(now),
        due_at=ledger.deadlines.due(now, case.difficulty),
        resolved_at=None,
        archived_at=None,
        reopened_from=case.id,
        created_at=now,
        updated_at=now,
        version=1,
        intake={**(case.intake or {}), "reopened_from": case.id},
    )
    new_id = int(s.execute(insert(Case).values(**row).returning(Case.id)).scalar_one())
    cols = [c.name for c in Party.__table__.columns if c.name not in ("id", "case_id")]
    for p in s.scalars(select(Party).where(Party.case_id == case.id)):
        s.execute(insert(Party).values(case_id=new_id, **{c: getattr(p, c) for c in cols}))
    s.execute(
        insert(CaseEvent).values(
            case_id=new_id,
            type="登记",
            from_status=None,
            to_status="登记",
            at=now,
            actor=actor.id,
            actor_role=actor.role,
            note=f"案件 {case.id} 回访发现反弹，重新登记",
            version=1,
            data={"reopened_from": case.id},
        )
    )
    return new_id
