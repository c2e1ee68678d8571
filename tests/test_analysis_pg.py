"""``analysis.follow_ledger`` on a real PostgreSQL ledger (tests/ledger_fixtures.py starts the server): the
detectors run on the ledger's rows through the ``brain_analysis`` schema's views, reports count the ledger's
own rows, and the id joins use the expression index."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from brain.analysis.models import AnalysisAlertQuery, ReportRequest
from brain.analysis.registration import CaseIn, PartyIn
from brain.ledger.pgtemp import PgServer
from brain.settings import load_settings

T0 = datetime(2026, 3, 2, 9, 0)


@pytest.mark.slow
def test_follow_ledger_on_postgresql(pg_server: PgServer, tmp_path: Path) -> None:
    from brain.service import Brain

    url = pg_server.url(pg_server.create_db())
    settings = load_settings(
        "test",
        state_dir=str(tmp_path),
        graph={"uri": "bolt://127.0.0.1:9", "retry_s": 600},
        ledger={"url": url, "data_key": "test-ledger-key-0123456789"},
    )
    assert settings.analysis.follow_ledger
    brain = Brain(settings)
    try:
        texts = [
            "工资被拖欠三个月了，老板不给结算",
            "我之前反映过，工资到现在没有解决",
            "再次反映：老板跑了找不到人",
        ]
        ids = []
        for j, (text, src) in enumerate(zip(texts, ["12345", "来访", "访情"], strict=True)):
            party = PartyIn(
                name="张三", id_number="510101199001011231" if j != 1 else None, phone="13800000000"
            )
            res = brain.analysis_register(
                CaseIn(
                    id=f"pg{j}",
                    received_at=T0 + timedelta(days=7 * j),
                    source=src,
                    place={"county": "清溪县", "town": "青石镇", "village": "青石村"},
                    text=text,
                    parties=[party],
                )
            )
            ids.append(res.case_id)
        svc = brain.analysis_service
        assert svc.store.engine.dialect.name == "postgresql"
        page = svc.alerts(AnalysisAlertQuery(kind="repeat"))
        (rep,) = page.items
        assert rep.case_ids == ids  # the ledger's ids (as text), in time order
        assert rep.evidence["channels"] == ["12345", "来访", "访情"]
        # the later cases link to the first and the report counts the ledger's rows
        report = brain.analysis_report(
            ReportRequest(
                level="县",
                place="清溪县",
                period="month",
                end=T0 + timedelta(days=20),
                formats=["html"],
            )
        )
        with brain.ledger_service.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
            matters = conn.execute(  # the ledger's own integer ids against the analysis' features, directly
                sa.text(
                    "SELECT count(DISTINCT coalesce(f.matter, CAST(c.id AS text))) FROM public.cases c "
                    "LEFT JOIN brain_analysis.analysis_features f ON f.case_id = CAST(c.id AS text)"
                )
            ).scalar_one()
        assert report.numbers["total"]["value"] == n == 3
        assert report.numbers["matters"]["value"] == matters < 3  # the repeats count with their first case
        with svc.store.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")  # 3 rows: the planner would scan them anyway
            plan = "\n".join(
                conn.exec_driver_sql(
                    "EXPLAIN SELECT * FROM analysis_features f JOIN cases c ON c.id = f.case_id "
                    f"WHERE c.id = '{ids[0]}'"
                ).scalars()
            )
            tables = set(
                conn.exec_driver_sql(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'brain_analysis'"
                ).scalars()
            )
        assert "ix_cases_id_text" in plan, plan
        assert {"analysis_features", "analysis_alerts", "cases", "case_persons"} <= tables
    finally:
        brain.close()
