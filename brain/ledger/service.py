"""LedgerService: what :class:`brain.service.Brain` delegates the case ledger to.

Built from its parts — settings, an intake callable (text, source, level → ``IntakeResult``), an optional
clock — it never holds ``Brain``. Every status change goes through :mod:`brain.ledger.state_machine`; every
change appends a ``case_events`` row in the same transaction that moves the case, guarded by the case's
``version`` (optimistic locking: ``UPDATE … WHERE id = ? AND version = ?``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, insert, not_, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brain.agents.intake.schema import ABSTAIN_LABEL, IntakeResult
from brain.agreements.models import AgreementDraft
from brain.errors import InputError
from brain.ledger import alerts as alerts_mod
from brain.ledger import followups as followups_mod
from brain.ledger import moves, views
from brain.ledger.access import Actor, area_filter, check_case, check_place
from brain.ledger.calendar import WorkCalendar
from brain.ledger.crypto import Vault
from brain.ledger.deadlines import RULE_OF_DIFFICULTY, Deadlines
from brain.ledger.models import OPEN_STATUSES, Case, CaseAgreement, CaseEvent, ClearRead, FollowUp, Party
from brain.ledger.places import Place, Places
from brain.ledger.records import (
    intake_summary,
    mapping_blob,
    now_local,
    parse_cursor,
    parties_from_text,
    party_values,
    to_local,
)
from brain.ledger.rules import FollowUpRules
from brain.ledger.schema import (
    AgreementLink,
    AlertAck,
    AlertPage,
    AlertQuery,
    AlertView,
    CaseCreate,
    CaseEventRequest,
    CaseGet,
    CasePage,
    CaseQuery,
    CaseView,
    FollowUpPage,
    FollowUpQuery,
    FollowUpRecorded,
    FollowUpResult,
    PartyIn,
    PlaceIn,
)
from brain.ledger.state_machine import MoveNotAllowedError, apply
from brain.privacy import redact
from brain.settings import Settings

log = logging.getLogger(__name__)
IntakeFn = Callable[[str, str | None, str], IntakeResult]


class LedgerService:
    def __init__(
        self,
        settings: Settings,
        intake: IntakeFn,
        *,
        clock: Callable[[], datetime] | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings
        self.intake = intake
        self.tz = settings.ledger.timezone
        self.clock: Callable[[], datetime] = clock or (lambda: now_local(self.tz))
        self._engine = engine
        self._lock = threading.Lock()
        self._started = False

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LedgerService:
        with self._lock:
            if self._started:
                return self
            from zoneinfo import ZoneInfo

            from brain.ledger import schema
            from brain.ledger.db import ledger_url, make_engine, migrate

            schema.LOCAL_TZ = ZoneInfo(self.tz)  # one centre per process: its offset on every time sent out
            self.engine = self._engine or make_engine(ledger_url(self.settings))
            migrate(self.engine)
            self.vault = Vault(self.settings.ledger.data_key.get_secret_value())
            self.calendar = WorkCalendar.load(self.settings.ledger.holidays)
            year = self.clock().year
            for gap in self.calendar.gaps((year, year + 1)):
                log.warning("%s: %s", self.settings.ledger.holidays, gap)
            self.deadlines = Deadlines.load(self.calendar)
            self.places = Places.load(self.settings.ledger.places)
            self.followup_rules = FollowUpRules.load(self.settings.ledger.followup_rules)
            self._started = True
            return self

    def actor(self) -> Actor:
        """Who is calling: the request's principal with its key's area scope, or the local administrator."""
        from brain.ledger.access import current_actor

        if getattr(self, "_areas", None) is None:
            from brain.security import key_store_path
            from brain.security.areas import KeyAreas

            self._areas = KeyAreas(key_store_path(self.settings))
        return current_actor(self._areas.area)

    def close(self) -> None:
        with self._lock:
            if self._started and self._engine is None:
                self.engine.dispose()
            self._started = False

    @contextmanager
    def tx(self, write: bool = True) -> Iterator[Session]:
        """One transaction; on SQLite a writing one starts with BEGIN IMMEDIATE (no lock upgrade deadlocks)."""
        self.start()
        with self.engine.connect() as conn:
            conn.info["immediate"] = write
            try:
                with conn.begin():
                    session = Session(bind=conn, expire_on_commit=False, autoflush=False)
                    yield session
                    session.flush()
            finally:
                conn.info.pop("immediate", None)

    # ------------------------------------------------------------------ register
    def resolve_place(self, place: PlaceIn | str | None, text: str | None = None) -> Place:
        if isinstance(place, str):
            return self.places.resolve(text=place)
        if isinstance(place, PlaceIn):
            return self.places.resolve(town=place.town, village=place.village)
        return Place(self.places.county)

    def register(self, req: CaseCreate, actor: Actor) -> CaseView:
        self.start()
        place = self.resolve_place(req.place)
        check_place(actor, place)
        if req.external_id:
            with self.tx(write=False) as s:
                existing = s.scalar(select(Case.id).where(Case.external_id == req.external_id))
            if existing is not None:
                return self.get(CaseGet(case_id=existing), actor)
        now = self.clock()
        received = to_local(req.received_at, self.tz, "received_at") if req.received_at else now
        if received > now + timedelta(days=1):
            raise InputError("受理时间晚于当前时间", where="received_at", hint="请核对受理时间")
        red = redact(req.text)
        result = self.intake(req.text, req.source, req.level)
        row = self._case_row(req, place, received, red.text, result, now)
        row["text_mapping_enc"] = mapping_blob(self.vault, red)
        parties = req.parties or parties_from_text(red)
        try:
            with self.tx() as s:
                case_id = self._insert_case(s, row, parties, actor, now, data={})
                view = self._view(s, check_case(actor, s.get(Case, case_id), case_id), now, new=True)
        except IntegrityError:  # the same external_id registered concurrently: idempotent
            with self.tx(write=False) as s:
                other = s.scalar(select(Case.id).where(Case.external_id == req.external_id))
            if other is None:
                raise
            return self.get(CaseGet(case_id=other), actor)
        return view.model_copy(update={"created": True})

    def _case_row(
        self, req: CaseCreate, place: Place, received: datetime, text: str, r: IntakeResult, now: datetime
    ) -> dict[str, Any]:
        c, risk, routing = r.classification, r.risk, r.routing
        difficulty = risk.difficulty
        graph_days, source = None, None
        dl = routing.deadline
        if dl is not None and dl.difficulty == RULE_OF_DIFFICULTY.get(difficulty):
            graph_days = dl.max_days
            source = f"图谱时限规则“{dl.difficulty}”：{dl.limit}（在线图谱）"
        rule = self.deadlines.rule_for(difficulty)
        summary = intake_summary(r)
        summary["deadline_source"] = source or rule.source
        top = routing.suggestions[0] if routing.suggestions else None
        return {
            "external_id": req.external_id,
            "source": req.source,
            "received_at": received,
            "county": place.county,
            "town": place.town,
            "village": place.village,
            "type": c.dispute_type or ABSTAIN_LABEL,
            "subtype": c.sub_type,
            "risk": risk.level,
            "difficulty": difficulty,
            "level": routing.level or req.level,
            "assignee": (top.mediation_body or top.department) if top else None,
            "channel": routing.channel,
            "status": "登记",
            "routing_due_at": self.deadlines.routing_due(received),
            "due_at": self.deadlines.due(received, difficulty, graph_days),
            "deadline_rule": rule.name,
            "text_redacted": text,
            "intake": summary,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }

    def _insert_case(
        self,
        s: Session,
        row: dict[str, Any],
        parties: list[PartyIn],
        actor: Actor,
        now: datetime,
        data: dict[str, Any],
    ) -> int:
        conn = s.connection()  # Core statements: the ORM's bulk path costs milliseconds per case here
        case_id = int(conn.execute(insert(Case).values(**row).returning(Case.id)).scalar_one())
        if parties:
            conn.execute(
                insert(Party), [{"case_id": case_id, **party_values(self.vault, p)} for p in parties]
            )
        conn.execute(
            insert(CaseEvent).values(
                case_id=case_id,
                type="登记",
                from_status=None,
                to_status="登记",
                at=now,
                actor=actor.id,
                actor_role=actor.role,
                assignee=row.get("assignee"),
                level=row.get("level"),
                version=1,
                data=data,
            )
        )
        return case_id

    # ------------------------------------------------------------------ read
    def get(self, req: CaseGet, actor: Actor) -> CaseView:
        now = self.clock()
        with self.tx(write=req.clear) as s:
            case = check_case(actor, s.get(Case, req.case_id), req.case_id)
            view = self._view(s, case, now)
            if req.clear:
                parties = list(s.scalars(select(Party).where(Party.case_id == case.id).order_by(Party.id)))
                self._clear(s, view, case, parties, actor, now)
        return view

    def _view(self, s: Session, case: Case, now: datetime, new: bool = False) -> CaseView:
        """The case with its events and parties; a case just registered (``new``) has no follow-ups,
        agreements or reopened cases yet, which saves three round trips on the registration path."""
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
        parties = list(s.scalars(select(Party).where(Party.case_id == case.id).order_by(Party.id)))
        fus: list[FollowUp] = []
        ags: list[CaseAgreement] = []
        reopened: list[int] = []
        if not new:
            fus = list(s.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.seq)))
            ags = list(s.scalars(select(CaseAgreement).where(CaseAgreement.case_id == case.id)))
            reopened = list(s.scalars(select(Case.id).where(Case.reopened_from == case.id).order_by(Case.id)))
        return views.case_view(
            case, now, events=events, parties=parties, followups=fus, agreements=ags, reopened_as=reopened
        )

    def _clear(
        self, s: Session, view: CaseView, case: Case, parties: list[Party], actor: Actor, now: datetime
    ) -> None:
        from brain.errors import ForbiddenError

        if not actor.clear_ok:
            raise ForbiddenError(
                "该角色无权查看个人信息明文",
                where="clear",
                hint="评测等角色只能查看脱敏内容；去掉 clear=true",
            )
        view.parties = views.clear_parties(self.vault, parties)
        view.text = views.clear_text(self.vault, case)
        s.execute(
            insert(ClearRead).values(
                at=now,
                actor=actor.id,
                actor_role=actor.role,
                case_id=case.id,
                fields="text,parties",
                purpose="view",
            )
        )

    def list_cases(self, q: CaseQuery, actor: Actor) -> CasePage:
        now = self.clock()
        stmt = select(Case).where(*self.conditions(q, actor, now))
        if q.cursor:
            at, last = parse_cursor(q.cursor)
            stmt = stmt.where(tuple_(Case.received_at, Case.id) < tuple_(at, last))
        stmt = stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(q.limit + 1)
        with self.tx(write=False) as s:
            rows = list(s.scalars(stmt))
        more = len(rows) > q.limit
        rows = rows[: q.limit]
        cursor = f"{rows[-1].received_at.isoformat()}|{rows[-1].id}" if more and rows else None
        return CasePage(items=[views.summary(c, now) for c in rows], next_cursor=cursor)

    def conditions(self, q: CaseQuery, actor: Actor, now: datetime) -> list[Any]:
        """The WHERE conditions of a case query (also used by export), area scope included."""
        conds: list[Any] = area_filter(actor, Case.town, Case.village)
        for col, value in (
            (Case.status, q.status),
            (Case.type, q.type),
            (Case.risk, q.risk),
            (Case.source, q.source),
            (Case.village, q.village),
        ):
            if value:
                conds.append(col == value)
        if q.town:
            conds.append(Case.town == (self.places.town_name(q.town) or q.town))
        if q.since:
            conds.append(Case.received_at >= to_local(q.since, self.tz, "since"))
        if q.until:
            conds.append(Case.received_at < to_local(q.until, self.tz, "until"))
        if q.overdue is not None:
            late = and_(
                Case.status.in_(OPEN_STATUSES),
                or_(
                    and_(Case.due_at.is_not(None), Case.due_at <= now),
                    and_(Case.status == "登记", Case.routing_due_at.is_not(None), Case.routing_due_at <= now),
                ),
            )
            conds.append(late if q.overdue else not_(late))
        return conds

    # ------------------------------------------------------------------ events
    def event(self, req: CaseEventRequest, actor: Actor) -> CaseView:
        now = self.clock()
        with self.tx() as s:
            case = check_case(actor, s.get(Case, req.case_id), req.case_id)
            if case.version != req.version:
                raise MoveNotAllowedError(
                    f"案件已被他人更新（当前版本 {case.version}，请求版本 {req.version}）",
                    where="version",
                    hint="请刷新案件后重试",
                    details={"version": case.version},
                )
            to_status = apply(case.status, req.type)
            self.move(s, case, req, to_status, actor, now)
        return self.get(CaseGet(case_id=req.case_id), actor)

    def move(
        self, s: Session, case: Case, req: CaseEventRequest, to: str, actor: Actor, now: datetime
    ) -> None:
        """Apply one allowed move inside the caller's transaction (see :func:`brain.ledger.moves.move`)."""
        moves.move(self, s, case, req, to, actor, now)

    # ------------------------------------------------------------------ alerts, follow-ups, agreements
    def alerts(self, q: AlertQuery, actor: Actor) -> AlertPage:
        return alerts_mod.list_alerts(self, q, actor)

    def ack(self, req: AlertAck, actor: Actor) -> AlertView:
        return alerts_mod.ack(self, req, actor)

    def scan_alerts(self, now: datetime | None = None) -> int:
        return alerts_mod.scan(self, now)

    def followups(self, q: FollowUpQuery, actor: Actor) -> FollowUpPage:
        return followups_mod.list_followups(self, q, actor)

    def record_followup(self, req: FollowUpResult, actor: Actor) -> FollowUpRecorded:
        return followups_mod.record(self, req, actor)

    def link_agreement(self, case_id: int, draft: AgreementDraft, actor: Actor) -> AgreementLink:
        from brain.ledger.agreements import link

        return link(self, case_id, draft, actor)

    # ------------------------------------------------------------------ helpers used by alerts/followups
    def case_for_update(self, s: Session, case_id: int, actor: Actor) -> Case:
        return check_case(actor, s.get(Case, case_id), case_id)
