"""Shared fixtures of the ledger tests: the same tests run on SQLite and on a real PostgreSQL server
(tests/support/postgres.py), with the real intake (deterministic mode; the graph is down, so deadlines come
from the graph's seed rules, as in a degraded start)."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from brain.agents.intake.schema import IntakeRequest
from brain.errors import ConfigError
from brain.ledger.access import Actor
from brain.ledger.pgtemp import PgServer, start_temp_server
from brain.ledger.service import LedgerService
from brain.privacy import gb11643_check_char
from brain.service import Brain
from brain.settings import Settings, load_settings
from knowledge_graph.server import free_port


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the session (skipped, with the reason, when it is not installed)."""
    try:
        server = start_temp_server()
    except ConfigError as e:
        pytest.skip(str(e))
    try:
        yield server
    finally:
        server.cleanup()


ADMIN = Actor(id="test-admin", role="admin")
EVALUATOR = Actor(id="test-eval", role="evaluator", clear_ok=False)


def valid_id(rnd: random.Random) -> str:
    born = date(rnd.randint(1950, 2000), rnd.randint(1, 12), rnd.randint(1, 28))
    first = f"5119{rnd.randint(21, 29):02d}{born:%Y%m%d}{rnd.randint(0, 999):03d}"
    return first + gb11643_check_char(first)


def phone(rnd: random.Random) -> str:
    return f"13{rnd.randint(0, 9)}{rnd.randint(0, 99_999_999):08d}"


@pytest.fixture(scope="session")
def intake_brain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Brain]:
    settings = load_settings(
        "test",
        state_dir=str(tmp_path_factory.mktemp("intake")),
        graph={"uri": f"bolt://127.0.0.1:{free_port()}"},
    )
    brain = Brain(settings)
    brain.intake_service.warm()
    yield brain
    brain.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = None
    if request.param == "postgresql":
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.url(server.create_db())
    return load_settings(
        "test",
        state_dir=str(tmp_path),
        graph={"uri": f"bolt://127.0.0.1:{free_port()}"},
        ledger={"url": url, "data_key": "test-ledger-key-0123456789"},
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def make_ledger(ledger_settings: Settings, intake_brain: Brain) -> Iterator[Callable[..., LedgerService]]:
    made: list[LedgerService] = []

    def run_intake(text: str, source: str | None, level: str) -> Any:
        return intake_brain.intake_service.run(
            IntakeRequest(text=text, source=source, level=level, precedents=False)
        )

    def make(clock: Callable[[], datetime] | None = None) -> LedgerService:
        svc = LedgerService(ledger_settings, run_intake, clock=clock).start()
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


TEXTS = [
    ("邻居建房占用我家宅基地约二十平方米，多次协商不成，请求村里调解。", "房屋宅基地纠纷"),
    ("公司拖欠我们三个月工资共计一万二千元，老板一直推脱不给。", "劳动争议"),
    ("婆媳长期不和，老人的赡养费几个子女互相推诿没人出。", "婚姻家庭纠纷"),
    ("楼上邻居每天深夜装修噪音很大，沟通多次没有效果。", "邻里纠纷"),
    ("物业公司不修电梯还催缴物业费，业主很有意见。", "物业纠纷"),
]
SOURCES = ["来访", "来电", "12345", "网格员", "警情"]


def write_csv(
    path: Path, n: int, bad: dict[int, str] | None = None, seed: int = 5, places: Any = None
) -> list[dict[str, str]]:
    """A historical ledger of ``n`` cases; ``bad`` maps a data-row index (0-based) to the kind of defect.
    Returns the rows as written (row number in the file = index + 2: the header is row 1)."""
    rnd = random.Random(seed)
    towns = list(places.towns.items())
    rows = []
    for i in range(n):
        town, villages = rnd.choice(towns)
        text, type_ = rnd.choice(TEXTS)
        row = {
            "编号": f"H{seed}-{i:06d}",
            "内容": text,
            "来源": rnd.choice(SOURCES),
            "受理时间": f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} {rnd.randint(8, 17):02d}:{rnd.randint(0, 59):02d}",
            "乡镇": town,
            "村": rnd.choice(villages),
            "纠纷类型": type_,
            "风险等级": rnd.choice("红橙黄蓝蓝蓝"),
            "难易程度": rnd.choice(["简易", "一般", "一般", "复杂"]),
            "状态": rnd.choice(["登记", "已分流", "调处中", "已化解", "回访中", "已归档", "已归档"]),
            "当事人": rnd.choice("王李张刘陈") + rnd.choice(["建国", "秀英", "明", "芳"]),
            "电话": phone(rnd),
            "身份证号": valid_id(rnd),
        }
        kind = (bad or {}).get(i)
        if kind == "source":
            row["来源"] = "飞鸽传书"
        elif kind == "date":
            row["受理时间"] = "去年春天"
        elif kind == "village":
            row["村"] = "不存在村"
        elif kind == "id":
            row["身份证号"] = row["身份证号"][:-1] + ("0" if row["身份证号"][-1] != "0" else "1")
        elif kind == "text":
            row["内容"] = "  "
        rows.append(row)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return rows
