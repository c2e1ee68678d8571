"""Importing historical ledgers (CSV/XLSX/JSONL) on SQLite and PostgreSQL: per-row errors by row number, all
good rows, nothing half-imported after a SIGKILL; and no clear ID number or phone in the database file, a
pg_dump, the logs or an export."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brain.ledger.exporter import FIELDS
from brain.ledger.importer import Importer, load_map
from brain.ledger.models import Case, ImportBatch, Party
from brain.ledger.schema import CaseCreate, CaseQuery, ExportRequest, PartyIn
from brain.ledger.service import LedgerService
from brain.settings import Settings
from tests.ledger_fixtures import ADMIN, phone, valid_id, write_csv

Make = Callable[..., LedgerService]
REPO = Path(__file__).resolve().parents[1]


def count(led: LedgerService, model: type = Case) -> int:
    with led.tx(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.slow
def test_10k_rows_with_3_bad_rows(make_ledger: Make, tmp_path: Path) -> None:
    led = make_ledger()
    path = tmp_path / "old.csv"
    write_csv(path, 10_000, bad={17: "source", 4242: "date", 9998: "id"}, places=led.places)
    report = Importer(led).run(path)
    assert report.rows_total == 10_000 and report.rows_ok == 9_997 and report.rows_bad == 3
    assert [(e.row, e.field) for e in report.errors] == [
        (19, "source"),
        (4244, "received_at"),
        (10_000, "id_number"),
    ]
    assert "飞鸽传书" in report.errors[0].message
    assert count(led) == 9_997 and count(led, Party) == 9_997
    again = Importer(led).run(path)  # idempotent: every good row is already there
    assert again.rows_ok == 0 and count(led) == 9_997
    assert sum("已在台账中" in e.message for e in again.errors) == 9_997


def test_xlsx_and_jsonl_with_a_column_map(make_ledger: Make, tmp_path: Path) -> None:
    from openpyxl import Workbook

    led = make_ledger()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "诉求", "渠道", "日期", "镇", "村居", "分类"])
    ws.append(["X1", "邻居占道堆放杂物，协商不成。", "网格员", "2025/3/4", "白河乡", "沙坪村", "邻里纠纷"])
    ws.append(["X2", "", "网格员", "2025/3/5", "白河乡", "沙坪村", "邻里纠纷"])
    ws.append(["X3", "工资拖欠两个月。", "热线", "2025年3月6日", "白河", "高岭村", "劳资纠纷"])
    xlsx = tmp_path / "ledger.xlsx"
    wb.save(xlsx)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  external_id: 序号\n  text: 诉求\n  source: 渠道\n  received_at: 日期\n  town: 镇\n  village: 村居\n"
        "  type: 分类\ndefaults:\n  risk: 蓝\n",
        encoding="utf-8",
    )
    cmap, defaults = load_map(mapping)
    report = Importer(led).run(xlsx, cmap, defaults)
    assert report.rows_ok == 2 and [(e.row, e.field) for e in report.errors] == [(3, "text")]
    types = {
        c.external_id: (c.type, c.source, c.place.town) for c in led.list_cases(CaseQuery(), ADMIN).items
    }
    assert types["X3"] == ("劳动争议", "12345", "白河乡")  # alias 劳资纠纷, 热线 -> 12345, 白河 -> 白河乡
    jl = tmp_path / "ledger.jsonl"
    jl.write_text(
        json.dumps(
            {"text": "物业不修电梯", "source": "来电", "received_at": "2025-05-01T09:00", "town": "城关镇"},
            ensure_ascii=False,
        )
        + "\nnot json\n",
        encoding="utf-8",
    )
    rep = Importer(led).run(jl)
    assert rep.rows_ok == 1 and [e.row for e in rep.errors] == [2]


def test_an_aware_time_is_the_centres_local_time_not_this_machines(make_ledger: Make, tmp_path: Path) -> None:
    """ "…Z" is 8 hours before Asia/Shanghai; the import used to convert to the machine's zone (UTC in CI)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    led = make_ledger()
    jl = tmp_path / "aware.jsonl"
    rows = [
        {"text": "物业不修电梯", "source": "来电", "received_at": "2025-05-01T01:00:00Z", "town": "城关镇"},
        {
            "text": "邻居占道堆物",
            "source": "来电",
            "received_at": "2025-05-01T09:30:00+08:00",
            "town": "城关镇",
        },
    ]
    jl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert Importer(led).run(jl).rows_ok == 2
    local = ZoneInfo(led.tz)
    got = sorted(
        t.astimezone(local).replace(tzinfo=None) if t.tzinfo else t
        for t in (c.received_at for c in led.list_cases(CaseQuery(), ADMIN).items)
    )
    assert got == [datetime(2025, 5, 1, 9, 0), datetime(2025, 5, 1, 9, 30)]


def _env(settings: Settings) -> dict[str, str]:
    env = dict(
        os.environ, PYTHONPATH=str(REPO), BRAIN_PROFILE="test", BRAIN_STATE_DIR=str(settings.state_dir)
    )
    env["BRAIN_LEDGER__DATA_KEY"] = settings.ledger.data_key.get_secret_value()
    if settings.ledger.url:
        env["BRAIN_LEDGER__URL"] = settings.ledger.url
    return env


@pytest.mark.slow
def test_sigkill_mid_import_leaves_nothing_then_all(
    make_ledger: Make, ledger_settings: Settings, tmp_path: Path
) -> None:
    led = make_ledger()
    path = tmp_path / "big.csv"
    n = 30_000
    write_csv(path, n, places=led.places)
    cmd = [
        sys.executable,
        "-c",
        "from brain.cli import main; main()",
        "cases",
        "import",
        str(path),
        "--progress",
    ]
    proc = subprocess.Popen(
        cmd, env=_env(ledger_settings), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 240
    while "已处理" not in seen and time.monotonic() < deadline:  # rows are written, not yet committed
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen += line
    assert "已处理" in seen, seen
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert count(led) == 0 and count(led, ImportBatch) == 0 and count(led, Party) == 0
    done = subprocess.run(cmd, env=_env(ledger_settings), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert count(led) == n and count(led, ImportBatch) == 1


def test_no_clear_personal_data_in_the_database_logs_or_export(
    make_ledger: Make,
    ledger_settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    caplog.set_level(logging.DEBUG)
    led = make_ledger()
    rnd = random.Random(99)
    planted: list[str] = []
    for _ in range(5):
        idn, tel = valid_id(rnd), phone(rnd)
        planted += [idn, tel]
        led.register(
            CaseCreate(
                text=f"反映人身份证号{idn}，手机{tel}，反映邻居占用宅基地。",
                source="来访",
                parties=[
                    PartyIn(
                        role="申请人", name="赵铁柱", id_number=idn, phone=tel, address="青石镇龙潭村3组12号"
                    )
                ],
            ),
            ADMIN,
        )
    csv_path = tmp_path / "old.csv"
    rows = write_csv(csv_path, 50, places=led.places)
    planted += [r["身份证号"] for r in rows] + [r["电话"] for r in rows]
    assert Importer(led).run(csv_path).rows_ok == 50
    out = tmp_path / "export.csv"
    led.start()
    from brain.ledger.exporter import run_export

    assert run_export(led, ExportRequest(path=str(out), fmt="csv"), ADMIN).rows == 55
    assert out.read_text(encoding="utf-8").splitlines()[0].split(",") == list(FIELDS)
    blobs = {"export": out.read_bytes(), "logs": caplog.text.encode()}
    if ledger_settings.ledger.url is None:
        led.close()  # checkpoint the WAL into the file; read both anyway
        for f in Path(ledger_settings.state_dir).glob("ledger.sqlite3*"):
            blobs[f.name] = f.read_bytes()
    else:
        server = request.getfixturevalue("pg_server")
        blobs["pg_dump"] = server.dump(ledger_settings.ledger.url.rsplit("/", 1)[1])
    assert any(len(b) > 10_000 for b in blobs.values())
    for where, blob in blobs.items():
        leaked = [v for v in planted if v.encode() in blob]
        assert not leaked, f"clear personal data in {where}: {leaked[:3]}"
    assert "赵铁柱".encode() not in blobs.get("pg_dump", blobs.get("ledger.sqlite3", b""))
