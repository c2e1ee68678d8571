"""The case ledger on SQLite and on a real PostgreSQL server: schema, state machine, deadlines with a frozen
clock, optimistic versions, list filters against a brute-force filter, follow-ups, alerts, area scopes."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from brain.errors import ForbiddenError, InputError, NotFoundError
from brain.ledger.access import Actor
from brain.ledger.importer import Importer
from brain.ledger.models import Case
from brain.ledger.schema import (
    AlertAck,
    AlertQuery,
    CaseCreate,
    CaseEventRequest,
    CaseGet,
    CaseQuery,
    FollowUpQuery,
    FollowUpResult,
    PartyIn,
)
from brain.ledger.service import LedgerService
from brain.ledger.state_machine import MOVES, STATUSES, MoveNotAllowedError, UnknownMoveError, allowed_moves
from tests.ledger_fixtures import ADMIN, EVALUATOR, Clock, write_csv

NEIGHBOUR = "青石镇龙潭村村民反映：邻居建房占用我家宅基地约二十平方米，多次协商不成，请求村里调解。"
WAGES = (
    "公司拖欠我们三个月工资共计一万二千元，老板一直推脱不给。"  # the classifier: 劳动争议, 蓝, 一般 (5 days)
)
ORANGE = "老板欠薪半年，我已经没钱吃饭了，想不开了。"  # 劳动争议, 橙, 复杂 (two months)
Make = Callable[..., LedgerService]


def register(led: LedgerService, text: str = NEIGHBOUR, **kw: object) -> int:
    return led.register(CaseCreate(text=text, source="来访", place="青石镇龙潭村", **kw), ADMIN).id  # type: ignore[arg-type]


def move(led: LedgerService, case_id: int, type_: str, **kw: object) -> object:
    v = led.get(CaseGet(case_id=case_id), ADMIN).version
    return led.event(CaseEventRequest(case_id=case_id, type=type_, version=v, **kw), ADMIN)  # type: ignore[arg-type]


def test_migrations_match_models(make_ledger: Make) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from brain.ledger.models import Base

    led = make_ledger()
    with led.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_state_machine_every_status_and_move(make_ledger: Make) -> None:
    """The table is the only source: every (status, move) pair either moves as listed or is a 409 that names
    exactly the allowed moves; an unknown type is a 422."""
    from brain.ledger.state_machine import apply

    for status in STATUSES:
        for m, table in MOVES.items():
            if status in table:
                assert apply(status, m) == table[status]
            else:
                with pytest.raises(MoveNotAllowedError) as e:
                    apply(status, m)
                assert e.value.details["allowed"] == allowed_moves(status)
                assert all(a in str(e.value) for a in allowed_moves(status))
    with pytest.raises(UnknownMoveError) as u:
        apply("登记", "飞升")
    assert u.value.http_status == 422
    assert MOVES["归档"] == {"回访中": "已归档"}
    assert set(MOVES["反弹"]) == {"回访中", "已归档"}


def test_full_loop_events_append_only_and_stale_version(make_ledger: Make) -> None:
    led = make_ledger()
    cid = register(led)
    view = led.get(CaseGet(case_id=cid), ADMIN)
    assert view.status == "登记" and view.version == 1 and view.due_at is not None
    with pytest.raises(MoveNotAllowedError) as e:
        led.event(CaseEventRequest(case_id=cid, type="归档", version=1), ADMIN)
    assert e.value.details["allowed"] == ["分流", "备注"]
    for m in ("分流", "开始调处", "化解", "回访", "归档"):
        move(led, cid, m)
    view = led.get(CaseGet(case_id=cid), ADMIN)
    assert view.status == "已归档" and view.version == 6
    assert [e.type for e in view.events] == ["登记", "分流", "开始调处", "化解", "回访", "归档"]
    assert [(e.from_status, e.to_status) for e in view.events][-1] == ("回访中", "已归档")
    with pytest.raises(MoveNotAllowedError):  # stale version
        led.event(CaseEventRequest(case_id=cid, type="备注", note="x", version=3), ADMIN)
    with led.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE case_events SET note = 'rewritten' WHERE case_id = :c"), {"c": cid})
        conn.commit()


def test_concurrent_moves_one_wins(make_ledger: Make) -> None:
    led = make_ledger()
    cid = register(led)
    results: list[str] = []

    def go() -> None:
        try:
            led.event(CaseEventRequest(case_id=cid, type="分流", version=1), ADMIN)
            results.append("ok")
        except MoveNotAllowedError:
            results.append("409")

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409", "409", "409", "ok"]
    assert led.get(CaseGet(case_id=cid), ADMIN).version == 2


def test_overdue_on_the_sixth_working_day_not_on_a_holiday(make_ledger: Make) -> None:
    """A 5-day (一般) case received on Tue 2026-09-29: the working days are 9-30, 10-08, 10-09, 10-10 (调休
    Saturday), 10-12; 10-01..10-07 is the 国庆 holiday. It becomes overdue at 00:00 of Tue 10-13, the 6th
    working day, and on no day of the holiday (a calendar-day count would have it late on 10-05)."""
    clock = Clock(datetime(2026, 9, 29, 10, 0))
    led = make_ledger(clock)
    cid = led.register(
        CaseCreate(text=WAGES, source="来访", place="青石镇龙潭村", received_at=clock.now), ADMIN
    ).id
    view = led.get(CaseGet(case_id=cid), ADMIN)
    assert view.difficulty == "一般" and view.deadline_rule == "一般"
    assert view.due_at == datetime(2026, 10, 13)
    move(led, cid, "分流")
    move(led, cid, "开始调处")
    day = datetime(2026, 9, 30, 12)
    while day < datetime(2026, 10, 13):
        clock.now = day
        assert not led.get(CaseGet(case_id=cid), ADMIN).overdue, day
        assert led.list_cases(CaseQuery(overdue=True), ADMIN).items == []
        day += timedelta(days=1)
    clock.now = datetime(2026, 10, 12, 23, 59)
    assert led.scan_alerts() == 0
    clock.now = datetime(2026, 10, 13, 0, 0)
    assert led.get(CaseGet(case_id=cid), ADMIN).overdue
    assert [c.id for c in led.list_cases(CaseQuery(overdue=True), ADMIN).items] == [cid]
    clock.now = datetime(2026, 10, 14, 9, 0)
    page = led.alerts(AlertQuery(), ADMIN)
    assert [(a.case_id, a.kind) for a in page.items] == [(cid, "办理超时")]
    alert = page.items[0]
    assert "已超期 1 个工作日" in alert.late and alert.supervisor == "乡镇综治中心"
    assert str(cid) in alert.message and "建议督办" in alert.message
    assert led.scan_alerts() == 0  # raised once
    acked = led.ack(AlertAck(alert_id=alert.id), ADMIN)
    assert acked.acked_at == clock.now and led.alerts(AlertQuery(), ADMIN).items == []
    assert [a.id for a in led.alerts(AlertQuery(acked=True), ADMIN).items] == [alert.id]


def test_routing_limit_and_early_warning(make_ledger: Make) -> None:
    clock = Clock(datetime(2026, 11, 2, 9, 0))  # a Monday
    led = make_ledger(clock)
    plain = register(led, received_at=clock.now)
    red = register(led, ORANGE, received_at=clock.now)
    assert led.get(CaseGet(case_id=red), ADMIN).risk in ("红", "橙")
    move(led, red, "分流")
    move(led, red, "开始调处")
    clock.now = datetime(2026, 11, 4, 0, 0)  # past 1 working day: the 登记 case runs late on routing
    kinds = {(a.case_id, a.kind) for a in led.alerts(AlertQuery(), ADMIN).items}
    assert (plain, "分流超时") in kinds and (red, "分流超时") not in kinds
    due = led.get(CaseGet(case_id=red), ADMIN).due_at
    assert due is not None
    clock.now = due - timedelta(hours=12)
    kinds = {(a.case_id, a.kind) for a in led.alerts(AlertQuery(), ADMIN).items}
    assert (red, "临期预警") in kinds


def test_followups_and_rebound_reopens_a_linked_case(make_ledger: Make) -> None:
    clock = Clock(datetime(2026, 3, 2, 9, 0))
    led = make_ledger(clock)
    cid = register(led, received_at=clock.now)
    for m in ("分流", "开始调处", "化解"):
        move(led, cid, m)
    view = led.get(CaseGet(case_id=cid), ADMIN)
    assert view.followups and all(f.source for f in view.followups)
    assert view.followups[0].due_at > clock.now
    assert led.followups(FollowUpQuery(), ADMIN).items == []  # none due yet
    clock.now = view.followups[0].due_at + timedelta(hours=1)
    due = led.followups(FollowUpQuery(), ADMIN).items
    assert [f.id for f in due] == [view.followups[0].id]
    rec = led.record_followup(
        FollowUpResult(followup_id=due[0].id, outcome="反弹", note="对方反悔不再履行"), ADMIN
    )
    assert rec.case.status == "回访中" and rec.reopened_case is not None
    new = rec.reopened_case
    assert new.reopened_from == cid and new.status == "登记" and new.type == view.type
    assert [p.person_hash for p in new.parties] == [p.person_hash for p in view.parties]
    assert rec.followup.outcome == "反弹" and rec.followup.reopened_case_id == new.id
    assert led.get(CaseGet(case_id=cid), ADMIN).reopened_as == [new.id]
    with pytest.raises(MoveNotAllowedError):
        led.record_followup(FollowUpResult(followup_id=due[0].id, outcome="履行"), ADMIN)


def test_escalation_needs_an_assignee_and_moves_up(make_ledger: Make) -> None:
    led = make_ledger()
    cid = register(led)
    move(led, cid, "分流", assignee="龙潭村人民调解委员会")
    with pytest.raises(InputError):
        move(led, cid, "提级")
    v = move(led, cid, "提级", assignee="青石镇人民调解委员会")
    assert v.level == "乡镇" and v.status == "已分流" and v.assignee == "青石镇人民调解委员会"  # type: ignore[attr-defined]


def test_personal_data_encrypted_hashed_and_read_by_role(make_ledger: Make) -> None:
    led = make_ledger()
    idn, tel = "511923198805170017", "13912345678"
    v = led.register(
        CaseCreate(
            text=f"我叫王建国，身份证{idn}，电话{tel}，邻居占了我家宅基地。",
            source="来电",
            place={"town": "青石", "village": "龙潭村"},  # type: ignore[arg-type]
            parties=[PartyIn(role="申请人", name="王建国", id_number=idn, phone="139-1234-5678")],
        ),
        ADMIN,
    )
    assert idn not in v.text_redacted and tel not in v.text_redacted and "〔身份证号1〕" in v.text_redacted
    assert v.parties[0].name is None and v.place.town == "青石镇"
    again = led.register(
        CaseCreate(text="还是宅基地的事情，上次没解决。", source="12345", parties=[PartyIn(phone=tel)]), ADMIN
    )
    other = led.get(CaseGet(case_id=again.id), ADMIN)
    assert v.parties[0].phone is None
    with led.tx(write=False) as s:
        hashes = s.execute(text("SELECT case_id, phone_hash FROM parties")).all()
    assert len({h for _, h in hashes}) == 1 and other.parties  # same phone, same keyed hash
    with pytest.raises(ForbiddenError):
        led.get(CaseGet(case_id=v.id, clear=True), EVALUATOR)
    clear = led.get(CaseGet(case_id=v.id, clear=True), ADMIN)
    assert clear.text and idn in clear.text and clear.parties[0].id_number == idn
    with led.tx(write=False) as s:
        assert s.execute(text("SELECT actor, case_id FROM clear_reads")).all() == [("test-admin", v.id)]


def test_area_scoped_actor_sees_only_its_area(make_ledger: Make) -> None:
    led = make_ledger()
    mine = register(led)
    theirs = led.register(CaseCreate(text=NEIGHBOUR, source="来访", place="城关镇东门社区"), ADMIN).id
    scoped = Actor(id="k-qs", role="clerk", area="青石镇")
    assert [c.id for c in led.list_cases(CaseQuery(), scoped).items] == [mine]
    with pytest.raises(NotFoundError):
        led.get(CaseGet(case_id=theirs), scoped)
    with pytest.raises(NotFoundError):
        led.event(CaseEventRequest(case_id=theirs, type="分流", version=1), scoped)
    with pytest.raises(ForbiddenError):
        led.register(CaseCreate(text=NEIGHBOUR, source="来访", place="城关镇东门社区"), scoped)
    village = Actor(id="k-lt", role="clerk", area="青石镇/石桥村")
    assert led.list_cases(CaseQuery(), village).items == []


def test_external_id_is_idempotent_and_bad_place_is_422(make_ledger: Make) -> None:
    led = make_ledger()
    a = led.register(CaseCreate(text=NEIGHBOUR, source="来访", external_id="WF-1"), ADMIN)
    b = led.register(CaseCreate(text="不同的文本", source="来电", external_id="WF-1"), ADMIN)
    assert a.created and not b.created and a.id == b.id
    with pytest.raises(InputError, match="没有村"):
        led.register(CaseCreate(text=NEIGHBOUR, source="来访", place="青石镇不存在村"), ADMIN)


@pytest.mark.parametrize(
    ("town", "village", "want"),
    [
        ("青石镇人民政府", "龙潭村村民委员会", ("青石镇", "龙潭村")),
        ("城关", "东门社区居委会", ("城关镇", "东门社区")),
        ("安平街道办事处", None, ("安平街道", None)),
        (None, "北关村委会", ("城关镇", "北关村")),  # a unique village names its town
    ],
)
def test_a_place_written_by_its_office_is_the_place(
    make_ledger: Make, town: str | None, village: str | None, want: tuple[str, str | None]
) -> None:
    """Forms and exports name a place by its office (…人民政府, …街道办事处, …居委会, …村委会): it is filed
    under the place, not refused and not a second village."""
    led = make_ledger()
    p = led.places.resolve(town=town, village=village)
    assert (p.town, p.village) == want
    with pytest.raises(InputError, match="没有村"):  # an office of a village that does not exist still is not
        led.places.resolve(town="青石镇", village="不存在村村委会")


def test_list_filters_and_cursor_paging_match_brute_force(make_ledger: Make, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 1, 20, 12, 0))
    led = make_ledger(clock)
    path = tmp_path / "ledger.csv"
    write_csv(path, 400, seed=11, places=led.places)
    report = Importer(led).run(path)
    assert report.rows_ok == 400
    with led.tx(write=False) as s:
        cols = (
            "id",
            "status",
            "type",
            "risk",
            "town",
            "village",
            "source",
            "received_at",
            "due_at",
            "routing_due_at",
        )
        rows = s.execute(select(*(getattr(Case, c) for c in cols))).all()
    rnd = random.Random(3)
    open_ = ("登记", "已分流", "调处中")

    def late(r: tuple) -> bool:  # type: ignore[type-arg]
        return r[1] in open_ and (
            (r[8] is not None and r[8] <= clock.now)
            or (r[1] == "登记" and r[9] is not None and r[9] <= clock.now)
        )

    for _ in range(25):
        q = CaseQuery(
            status=rnd.choice([None, "已归档", "调处中", "登记"]),
            risk=rnd.choice([None, "蓝", "红"]),
            town=rnd.choice([None, "青石镇", "城关镇"]),
            type=rnd.choice([None, "劳动争议"]),
            overdue=rnd.choice([None, True, False]),
            since=rnd.choice([None, datetime(2025, 6, 1)]),
            until=rnd.choice([None, datetime(2025, 10, 1)]),
            limit=rnd.choice([7, 50]),
        )
        expected = [
            i
            for _, i in sorted(
                (
                    (r[7], r[0])
                    for r in rows
                    if (q.status is None or r[1] == q.status)
                    and (q.type is None or r[2] == q.type)
                    and (q.risk is None or r[3] == q.risk)
                    and (q.town is None or r[4] == q.town)
                    and (q.since is None or r[7] >= q.since)
                    and (q.until is None or r[7] < q.until)
                    and (q.overdue is None or late(r) == q.overdue)
                ),
                reverse=True,
            )
        ]  # newest first by received_at, then id
        got: list[int] = []
        cursor = None
        while True:
            page = led.list_cases(q.model_copy(update={"cursor": cursor}), ADMIN)
            assert len(page.items) <= q.limit
            got += [c.id for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert got == expected, q


def test_the_shipped_calendar_knows_2027_statutory_days_and_says_they_are_provisional() -> None:
    """Today's deadlines run into next year: 2027's notice is not out, but its statutory days are known by law
    (春节 from 除夕 2027-02-05); a 5-working-day count from Thu 2027-02-04 skips them, and the gap is named."""
    from datetime import date

    from brain.ledger.calendar import WorkCalendar
    from brain.settings import REPO_ROOT

    cal = WorkCalendar.load(REPO_ROOT / "configs" / "holidays.yaml")
    assert not any(cal.is_working_day(date(2027, 2, d)) for d in (5, 6, 7, 8))
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 9)
    assert cal.gaps((2026,)) == []
    (gap,) = cal.gaps((2027,))
    assert "2027 年只含法定节假日" in gap and "调休" in gap
    assert "只按周末计算" in cal.gaps((2030,))[0]
