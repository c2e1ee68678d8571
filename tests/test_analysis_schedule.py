"""Scheduled 研判报告 (analysis.schedule) with an injected clock: calendar periods, one report per period
(idempotent), the numbers of a direct count, the lifespan's background task and GET /v1/reports."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from brain.analysis.models import CaseRecord, ScheduleRun
from brain.analysis.schedule import last_period
from brain.analysis.text import person_hash
from brain.settings import Settings, load_settings

T0 = datetime(2026, 3, 2, 9, 0)  # a Monday
SCHEDULE = [
    {"level": "镇", "period": "week", "formats": ["html"]},
    {"level": "县", "place": "清溪县", "period": "month", "formats": ["html"]},
]


@pytest.mark.parametrize(
    ("period", "now", "want"),
    [
        ("week", datetime(2026, 3, 11, 15), (datetime(2026, 3, 2), datetime(2026, 3, 9))),
        ("week", datetime(2026, 3, 9, 0), (datetime(2026, 3, 2), datetime(2026, 3, 9))),
        ("half-month", datetime(2026, 3, 20), (datetime(2026, 3, 1), datetime(2026, 3, 16))),
        ("half-month", datetime(2026, 3, 3), (datetime(2026, 2, 16), datetime(2026, 3, 1))),
        ("month", datetime(2026, 3, 3), (datetime(2026, 2, 1), datetime(2026, 3, 1))),
        ("month", datetime(2026, 1, 31, 23), (datetime(2025, 12, 1), datetime(2026, 1, 1))),
    ],
)
def test_last_completed_calendar_period(period: str, now: datetime, want: tuple[datetime, datetime]) -> None:
    assert last_period(period, now) == want


def _settings(tmp: Path, **analysis: Any) -> Settings:
    return load_settings(
        "test",
        state_dir=str(tmp),
        graph={"uri": "bolt://127.0.0.1:9", "retry_s": 600},
        analysis={"follow_ledger": False, "embedder": False, "schedule": SCHEDULE, **analysis},
    )


def _populate(brain: Any) -> list[CaseRecord]:
    recs = []
    places = [("城关镇", "东门社区"), ("城关镇", "新华村"), ("青石镇", "青石村")]
    for i in range(60):
        town, village = places[i % 3]
        rec = CaseRecord(
            id=f"s{i:03d}",
            source="12345",
            received_at=T0 + timedelta(hours=13 * i),
            county="清溪县",
            town=town,
            village=village,
            type=["邻里纠纷", "劳动争议"][i % 2],
            risk="蓝",
            text_redacted=f"第{i}件纠纷",
            person_hashes=[person_hash("k", "id", str(i))],
        )
        brain.analysis_service.register(rec)
        recs.append(rec)
    return recs


def test_run_due_writes_each_period_once(tmp_path: Path) -> None:
    from brain.service import Brain

    brain = Brain(_settings(tmp_path))
    try:
        recs = _populate(brain)
        now = datetime(2026, 3, 11, 8)  # week 03-02..03-09 is complete; the month February is complete
        first = brain.run_due_reports(ScheduleRun(now=now)).items
        got = {(r.level, r.place, r.period, r.start, r.end) for r in first}
        week, month = last_period("week", now), last_period("month", now)
        assert got == {
            ("镇", "城关镇", "week", *week),
            ("镇", "青石镇", "week", *week),
            ("县", "清溪县", "month", *month),
        }
        for r in first:
            direct = sum(
                1 for c in recs if r.start <= c.received_at < r.end and (r.level == "县" or c.town == r.place)
            )
            assert r.numbers["total"]["value"] == direct and r.scheduled
        assert brain.run_due_reports(ScheduleRun(now=now + timedelta(hours=5))).items == []  # idempotent
        later = brain.run_due_reports(ScheduleRun(now=now + timedelta(days=7))).items
        assert {(r.place, r.period) for r in later} == {("城关镇", "week"), ("青石镇", "week")}
        listed = brain.analysis_reports().items
        assert len(listed) == 5 and all(r.scheduled for r in listed)
        assert len(list((tmp_path / "reports" / "analysis").glob("RPT-*/report.json"))) == 5
        assert not list((tmp_path / "reports" / "analysis" / ".schedule").glob("*.claim"))
    finally:
        brain.close()


def test_a_manual_report_is_not_scheduled_again(tmp_path: Path) -> None:
    from brain.analysis.models import ReportRequest
    from brain.service import Brain

    brain = Brain(_settings(tmp_path, schedule=[SCHEDULE[1]]))
    try:
        _populate(brain)
        start, end = last_period("month", datetime(2026, 4, 2))
        manual = brain.analysis_report(
            ReportRequest(level="县", place="清溪县", period="month", start=start, end=end, formats=["html"])
        )
        assert not manual.scheduled and (manual.start, manual.end) == (start, end)
        assert brain.run_due_reports(ScheduleRun(now=datetime(2026, 4, 2))).items == []
    finally:
        brain.close()


@pytest.mark.slow
def test_lifespan_task_writes_due_reports_listed_by_the_api(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from brain.api.app import create_app
    from brain.service import Brain

    settings = _settings(tmp_path, schedule_interval_s=0.2)
    brain = Brain(settings)
    _populate(brain)
    brain.report_clock = lambda: datetime(2026, 3, 11, 8)  # type: ignore[method-assign]
    with TestClient(create_app(settings, brain=brain), client=("127.0.0.1", 50000)) as client:
        deadline = time.monotonic() + 120
        items: list[dict[str, Any]] = []
        while time.monotonic() < deadline and len(items) < 3:
            time.sleep(0.5)
            items = client.get("/v1/reports").json()["items"]
        assert len(items) == 3 and all(x["scheduled"] for x in items), items
        time.sleep(1.0)  # several more ticks of the loop: nothing written twice
        assert len(client.get("/v1/reports").json()["items"]) == 3


def test_cli_run_due_from_cron(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from brain.cli import app
    from brain.service import Brain

    settings = _settings(tmp_path, schedule=[SCHEDULE[1]])
    brain = Brain(settings)
    _populate(brain)
    brain.close()
    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("BRAIN_GRAPH__URI", "bolt://127.0.0.1:9")
    import yaml

    import brain.settings as settings_module

    profile = yaml.safe_load((settings_module.CONFIG_DIR / "test.yaml").read_text(encoding="utf-8"))
    profile["analysis"] = {"follow_ledger": False, "embedder": False, "schedule": [SCHEDULE[1]]}
    (tmp_path / "cron.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(settings_module, "CONFIG_DIR", tmp_path)  # a centre's own profile with a schedule
    args = ["report", "schedule", "run-due", "--now", "2026-04-02T00:00:00", "--json", "--profile", "cron"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    (item,) = json.loads(first.output)["items"]
    assert (
        item["scheduled"] and item["start"].startswith("2026-03-01") and item["end"].startswith("2026-04-01")
    )
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and json.loads(again.output)["items"] == []
