"""``brain bench cases``: ledger speed on SQLite and PostgreSQL, each with its own ``SELECT 1`` round trip as
the baseline measured in the same run.

* register — ``LedgerService.register`` end to end, including the real intake (classifier, risk, routing;
  the graph as configured, or unreachable with ``--no-graph``) and the write of case, parties and event;
* list — filtered list pages (50 rows) over a table of ``--cases`` rows built by bulk insert for the
  benchmark only (COPY on PostgreSQL), queries drawn from a fixed mix (town+status, risk, type+town,
  village, overdue, a received_at window, a cursor page);
* import — ``brain cases import`` of a generated CSV (``--import-rows``) with ``--workers`` processes.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from brain.ledger.access import LOCAL_ADMIN
from brain.ledger.importer import Importer
from brain.ledger.schema import CaseCreate, CaseQuery
from brain.ledger.service import IntakeFn, LedgerService
from brain.settings import Settings

TYPES = [
    "邻里纠纷",
    "婚姻家庭纠纷",
    "劳动争议",
    "房屋宅基地纠纷",
    "合同纠纷",
    "债务纠纷",
    "物业纠纷",
    "损害赔偿纠纷",
]
STATUSES = ["登记", "已分流", "调处中", "已化解", "未化解", "回访中", "已归档"]
TEXTS = [
    "邻居建房占用我家宅基地约二十平方米，多次协商不成，请求村里调解。",
    "公司拖欠我们三个月工资共计一万二千元，老板一直推脱不给，电话13912345678。",
    "婆媳长期不和，老人的赡养费几个子女互相推诿没人出。",
    "物业公司不修电梯还催缴物业费，业主很有意见。",
]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def timed(fn: Callable[[], Any], n: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms per call; with ``cpu``, also this thread's CPU ms per call (what the call cost when the
    machine is shared: a loaded machine stretches wall time, not CPU time)."""
    out = []
    for _ in range(n):
        c = time.thread_time()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - c) * 1000)
    return out


def select1(led: LedgerService, n: int) -> list[float]:
    with led.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return timed(lambda: conn.execute(text("SELECT 1")).scalar(), n)


def bulk_cases(led: LedgerService, n: int, seed: int = 1) -> float:
    """Fill ``cases`` with ``n`` synthetic rows (benchmark only); returns rows/s."""
    rnd = random.Random(seed)
    places = led.places.all_villages()
    start = datetime(2024, 12, 1)
    t0 = time.perf_counter()
    cols = [
        "id", "source", "received_at", "county", "town", "village", "type", "risk", "difficulty", "level",
        "status", "routing_due_at", "due_at", "text_redacted", "intake", "created_at", "updated_at", "version",
    ]  # fmt: skip
    with led.engine.begin() as conn:
        base = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM cases")).scalar() or 0)

        def rows() -> Any:
            for i in range(n):
                town, village = rnd.choice(places)
                at = start + timedelta(minutes=rnd.randrange(730 * 24 * 60))
                yield (
                    base + i + 1, rnd.choice(("来访", "12345", "网格员", "来电")), at, led.places.county, town,
                    village, rnd.choice(TYPES), rnd.choice("红橙黄蓝蓝蓝蓝"), "一般", "村", rnd.choice(STATUSES),
                    at + timedelta(days=1), at + timedelta(days=7), "（基准测试数据）", "{}", at, at, 1,
                )  # fmt: skip

        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur, cur.copy(f"COPY cases ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows():
                    copy.write_row(r)
        else:
            sql = f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            batch: list[tuple[Any, ...]] = []
            for r in rows():
                batch.append(
                    tuple(x.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(x, datetime) else x for x in r)
                )
                if len(batch) >= 50_000:
                    cur.executemany(sql, batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))")
            )
    with led.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return n / (time.perf_counter() - t0)


def list_queries(led: LedgerService, n: int, seed: int = 2) -> list[float]:
    rnd = random.Random(seed)
    towns = list(led.places.towns)
    mixes: list[Callable[[], CaseQuery]] = [
        lambda: CaseQuery(town=rnd.choice(towns), status=rnd.choice(STATUSES)),
        lambda: CaseQuery(risk=rnd.choice("红橙")),
        lambda: CaseQuery(type=rnd.choice(TYPES), town=rnd.choice(towns)),
        lambda: CaseQuery(village=rnd.choice(led.places.all_villages())[1]),
        lambda: CaseQuery(overdue=True, town=rnd.choice(towns)),
        lambda: CaseQuery(since=datetime(2025, rnd.randint(1, 12), 1), until=datetime(2026, 1, 1), risk="红"),
        lambda: CaseQuery(status="调处中", cursor=f"2025-{rnd.randint(1, 12):02d}-01T00:00:00|{2**62}"),
    ]
    qs = [rnd.choice(mixes)() for _ in range(n)]
    for q in qs[:20]:
        led.list_cases(q, LOCAL_ADMIN)
    it = iter(qs)
    return timed(lambda: led.list_cases(next(it), LOCAL_ADMIN), n)


def import_rate(led: LedgerService, rows: int, workers: int) -> tuple[float, float]:
    """(rows per wall second, rows per CPU second of this process)."""
    rnd = random.Random(3)
    places = led.places.all_villages()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "import.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(
                ["内容", "来源", "受理时间", "乡镇", "村", "纠纷类型", "风险等级", "难易程度", "状态", "电话"]
            )
            for _ in range(rows):
                town, village = rnd.choice(places)
                w.writerow(
                    [rnd.choice(TEXTS), "来访", f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} 10:00", town,
                     village, rnd.choice(TYPES), "蓝", "一般", "已归档", f"139{rnd.randint(0, 99_999_999):08d}"]
                )  # fmt: skip
        c = time.process_time()
        report = Importer(led, workers=workers).run(path)
        return report.rows_per_s, report.rows_ok / max(time.process_time() - c, 1e-9)


def run_backend(
    name: str,
    settings: Settings,
    intake: IntakeFn,
    *,
    cases: int,
    register_n: int,
    import_rows: int,
    workers: int,
) -> dict[str, Any]:
    led = LedgerService(settings, intake).start()
    out: dict[str, Any] = {"backend": name}
    try:
        out["select1"] = statistics.median(select1(led, 500))
        texts = iter(TEXTS * (register_n // len(TEXTS) + 2))
        led.register(CaseCreate(text=TEXTS[0], source="来访", place="青石镇龙潭村"), LOCAL_ADMIN)  # warm
        cpu: list[float] = []
        reg = timed(
            lambda: led.register(
                CaseCreate(text=next(texts), source="来访", place="青石镇龙潭村"), LOCAL_ADMIN
            ),
            register_n,
            cpu,
        )
        out["register_p50"], out["register_p99"] = pct(reg, 0.5), pct(reg, 0.99)
        out["register_cpu_p50"] = pct(cpu, 0.5)
        out["import_rows_s"], out["import_rows_cpu_s"] = import_rate(led, import_rows, workers)
        out["bulk_rows_s"] = bulk_cases(led, cases)
        lst = list_queries(led, 300)
        out["list_p50"], out["list_p99"] = pct(lst, 0.5), pct(lst, 0.99)
        with led.engine.connect() as conn:
            out["rows"] = int(conn.execute(text("SELECT COUNT(*) FROM cases")).scalar() or 0)
    finally:
        led.close()
    return out


def format_table(rows: list[dict[str, Any]], cases: int) -> str:
    buf = io.StringIO()
    buf.write(f"ledger benchmark (ms unless noted; list over ≥{cases:,} cases)\n")
    head = [
        "backend",
        "SELECT 1 p50",
        "register p50",
        "register p99",
        "register CPU p50",
        "list p50",
        "list p99",
        "import rows/s",
        "import rows/CPU-s",
        "rows",
    ]
    buf.write(" | ".join(head) + "\n")
    for r in rows:
        cells = [
            r["backend"],
            f"{r['select1']:.3f}",
            f"{r['register_p50']:.2f}",
            f"{r['register_p99']:.2f}",
            f"{r['register_cpu_p50']:.2f}",
            f"{r['list_p50']:.2f}",
            f"{r['list_p99']:.2f}",
            f"{r['import_rows_s']:,.0f}",
            f"{r['import_rows_cpu_s']:,.0f}",
            f"{r['rows']:,}",
        ]
        buf.write(" | ".join(cells) + "\n")
    buf.write("CPU columns: this process only (the PostgreSQL server's own work is not in them)\n")
    return buf.getvalue()
