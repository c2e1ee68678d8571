"""``brain bench analysis``: a county-month 研判报告 and a new case's incremental detection at 20,000 and
1,000,000 synthetic cases (two years of the fictional county), on SQLite (and PostgreSQL with ``--pg-url``).

The synthetic ledger is bulk-loaded (cases, case_persons, analysis_features) with texts drawn from the
shipped pool, places from the county hierarchy, types and risk colours with realistic skew. Measured in the
same run, as baselines: the database's own ``SELECT 1`` round trip, and the month's counts done the naive way
(every row of the month fetched and counted in a Python loop)."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brain.analysis.models import CaseRecord, ReportRequest
from brain.analysis.report import build_report
from brain.analysis.service import AnalysisService
from brain.analysis.store import AnalysisStore, case_persons, cases, features, make_engine
from brain.settings import Settings
from eval.analysis_stream import COUNTY, PLACES, SOURCE_WEIGHTS, SOURCES, load_pool

TYPES = [
    "邻里纠纷",
    "婚姻家庭纠纷",
    "劳动争议",
    "债务纠纷",
    "房屋宅基地纠纷",
    "土地承包纠纷",
    "消费纠纷",
    "物业纠纷",
    "交通事故纠纷",
    "医疗纠纷",
]
RISKS = ["蓝", "黄", "橙", "红"]
START = datetime(2024, 7, 1)
DAYS = 730


def load(engine: sa.Engine, n: int, log: Callable[[str], None], seed: int = 5) -> None:
    rng = random.Random(seed)
    texts = [r["text"][:80] for r in load_pool()]
    villages = [(t, v) for t, vs in PLACES.items() for v in vs]
    chunk = 20_000
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for off in range(0, n, chunk):
            crow, prow, frow = [], [], []
            for i in range(off, min(n, off + chunk)):
                town, village = villages[int(rng.paretovariate(1.2)) % len(villages)]
                at = START + timedelta(seconds=int(DAYS * 86400 * i / n) + rng.randrange(3600))
                resolved = at + timedelta(days=rng.randrange(1, 40)) if rng.random() < 0.8 else None
                cid = f"B{i:07d}"
                crow.append(
                    {
                        "id": cid,
                        "external_id": None,
                        "source": rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
                        "received_at": at,
                        "county": COUNTY,
                        "town": town,
                        "village": village,
                        "type": TYPES[min(int(rng.expovariate(0.5)), len(TYPES) - 1)],
                        "subtype": None,
                        "risk": rng.choices(RISKS, [0.5, 0.3, 0.15, 0.05])[0],
                        "status": "已化解" if resolved else "调处中",
                        "due_at": at + timedelta(days=rng.choice([1, 7, 60])),
                        "resolved_at": resolved,
                        "reopened_from": None,
                        "text_redacted": rng.choice(texts),
                    }
                )
                ph = f"p{rng.randrange(n):08x}"
                prow.append({"case_id": cid, "person_hash": ph})
                frow.append({"case_id": cid, "received_at": at, "town": town, "person_root": ph})
            conn.execute(sa.insert(cases), crow)
            conn.execute(sa.insert(case_persons), prow)
            conn.execute(sa.insert(features), frow)
            if (off // chunk) % 10 == 0:
                log(f"  loaded {off + len(crow):,} / {n:,} ({time.perf_counter() - t0:.0f} s)")
    with engine.begin() as conn:  # planner statistics after a bulk load, as an operator would
        conn.exec_driver_sql("ANALYZE")


def _p(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * (len(xs) - 1)))]


def measure(
    engine: sa.Engine, settings: Settings, log: Callable[[str], None], new_cases: int = 200
) -> dict[str, Any]:
    store = AnalysisStore(engine)
    end = START + timedelta(days=DAYS)
    month = (end - timedelta(days=30), end)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        t = []
        for _ in range(200):
            t0 = time.perf_counter()
            conn.exec_driver_sql("SELECT 1").scalar()
            t.append((time.perf_counter() - t0) * 1000)
        out["select1_ms"] = statistics.median(t)
        t0 = time.perf_counter()
        rows = conn.execute(
            sa.select(cases.c.town, cases.c.type).where(
                cases.c.received_at >= month[0], cases.c.received_at < month[1]
            )
        ).all()
        naive: dict[tuple[str, str], int] = {}
        for town, typ in rows:
            naive[(town, typ)] = naive.get((town, typ), 0) + 1
        out["naive_month_counts_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_report(
        store,
        ReportRequest(level="县", place=COUNTY, period="month", end=month[1], formats=["html", "pdf"]),
        settings,
    )
    out["county_month_report_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_report(
        store,
        ReportRequest(level="镇", place="城关镇", period="week", end=month[1], formats=["html"]),
        settings,
    )
    out["town_week_report_s"] = time.perf_counter() - t0
    svc = AnalysisService(store, encode=None)
    t0 = time.perf_counter()
    svc.warm()
    out["warm_s"] = time.perf_counter() - t0
    rng = random.Random(9)
    texts = [r["text"] for r in load_pool()[:new_cases]]
    lat = []
    for i in range(new_cases):
        town = rng.choice(list(PLACES))
        rec = CaseRecord(
            id=f"N{i:05d}",
            source="12345",
            received_at=end + timedelta(minutes=i),
            county=COUNTY,
            town=town,
            village=rng.choice(PLACES[town]),
            type=rng.choice(TYPES),
            risk="黄",
            text_redacted=texts[i % len(texts)],
            person_hashes=[f"q{i:06d}"],
        )
        lat.append(svc.register(rec).took_ms)
    out["detect_p50_ms"] = statistics.median(lat)
    out["detect_p95_ms"] = _p(lat, 0.95)
    return out


def run(
    sizes: list[int], settings: Settings, pg_url: str | None, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        backends = [("sqlite", None)] + ([("postgresql", pg_url)] if pg_url else [])
        for name, url in backends:
            with tempfile.TemporaryDirectory(prefix="brain-bench-analysis-") as tmp:
                s = settings.model_copy(update={"state_dir": Path(tmp)})
                engine = make_engine(url or f"sqlite:///{tmp}/bench.sqlite3")
                if url:
                    from brain.analysis.store import metadata

                    metadata.drop_all(engine)
                AnalysisStore(engine)
                log(f"{name}: loading {n:,} cases")
                t0 = time.perf_counter()
                load(engine, n, log)
                load_s = time.perf_counter() - t0
                log(f"{name}: measuring")
                r = measure(engine, s, log)
                results.append({"backend": name, "cases": n, "load_s": load_s, **r})
                engine.dispose()
    return results


def format_table(results: list[dict[str, Any]]) -> str:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="态势研判基准：县·月报告与新案件增量检测（SELECT 1 与 Python 逐行计数为同场基线）")
    cols = [
        ("backend", "库"),
        ("cases", "案件数"),
        ("county_month_report_s", "县·月报告 s"),
        ("town_week_report_s", "镇·周报告 s"),
        ("detect_p50_ms", "增量检测 p50 ms"),
        ("detect_p95_ms", "p95 ms"),
        ("warm_s", "预热 s"),
        ("select1_ms", "SELECT 1 ms"),
        ("naive_month_counts_s", "逐行计数 s"),
        ("load_s", "装载 s"),
    ]
    for _, label in cols:
        t.add_column(label, justify="right")
    for r in results:
        t.add_row(
            *[
                f"{r[k]:,}"
                if isinstance(r[k], int)
                else (f"{r[k]:.3f}" if isinstance(r[k], float) else str(r[k]))
                for k, _ in cols
            ]
        )
    import io

    con = Console(file=io.StringIO(), width=160)
    con.print(t)
    return con.file.getvalue()  # type: ignore[attr-defined]
