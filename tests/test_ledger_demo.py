"""The demo ledger: seeded and reproducible, every case's history follows the state machine, the planted
patterns are there for the analysis, and no clear personal data lands in the database."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from brain.ledger.models import Case, CaseEvent, Party
from brain.ledger.schema import DemoRequest
from brain.ledger.state_machine import MOVES
from brain.service import Brain
from brain.settings import load_settings

END = date(2026, 11, 30)


def demo(state: Path, cases: int = 600) -> Brain:
    brain = Brain(load_settings("test", state_dir=str(state), graph={"uri": "bolt://127.0.0.1:9"}))
    report = brain.load_demo_ledger(DemoRequest(cases=cases, seed=3, end=END))
    people = report.planted["repeat_people"]
    assert report.loaded and cases + 42 + 3 * people <= report.cases <= cases + 42 + 6 * people  # + planted
    assert not brain.load_demo_ledger(DemoRequest(cases=cases, seed=3, end=END)).loaded  # once only
    return brain


@pytest.mark.slow
def test_demo_ledger_is_consistent_planted_and_reproducible(tmp_path: Path) -> None:
    a = demo(tmp_path / "a")
    led = a.ledger_service
    with led.tx(write=False) as s:
        cases = list(s.scalars(select(Case)))
        events = list(s.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.id)))
        parties = list(s.scalars(select(Party)))
    by_case: dict[int, list[CaseEvent]] = {}
    for e in events:
        by_case.setdefault(e.case_id, []).append(e)
    for c in cases:
        evs = by_case[c.id]
        assert evs[0].type == "登记" and c.version == len(evs) and evs[-1].to_status == c.status
        for e in evs[1:]:
            assert MOVES[e.type][e.from_status] == e.to_status, (c.id, e.type, e.from_status)
        assert c.received_at <= datetime(2026, 11, 30, 17) and c.received_at.date() > END - timedelta(
            days=731
        )
    burst = [c for c in cases if (c.town, c.village, c.type) == ("青石镇", "龙潭村", "征地拆迁纠纷")]
    assert sum(c.received_at.date() > END - timedelta(days=21) for c in burst) >= 30
    company = Counter(p.person_hash for p in parties if p.role == "被申请人")
    assert company.most_common(1)[0][1] >= 12  # one counterparty, many workers
    sources: dict[str, set[str]] = {}
    source_of = {c.id: c.source for c in cases}
    for p in parties:
        if p.role == "申请人":
            sources.setdefault(p.person_hash, set()).add(source_of[p.case_id])
    assert sum(len(v) >= 3 for v in sources.values()) >= 3  # 重复访 through several channels
    statuses = Counter(c.status for c in cases)
    assert statuses["已归档"] > statuses["调处中"] and statuses["登记"] < len(cases) * 0.05
    b = demo(tmp_path / "b")
    with b.ledger_service.tx(write=False) as s:
        again = [(c.received_at, c.town, c.type, c.status) for c in s.scalars(select(Case).order_by(Case.id))]
    assert again == [(c.received_at, c.town, c.type, c.status) for c in sorted(cases, key=lambda c: c.id)]
    a.close()
    b.close()
    blob = b"".join(f.read_bytes() for f in (tmp_path / "a").glob("ledger.sqlite3*"))
    assert b"511923" not in blob  # the demo's ID numbers all start with this (fictional) area code
