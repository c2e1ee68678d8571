"""``brain bench kg``: server start time and per-query latency over Bolt.

A fresh embedded server is started in a temporary directory on free ports (so the start time is a cold
start and nothing the user runs is disturbed), the seed is loaded, and every named query is timed with its
example parameters. The baseline, measured in the same run over the same connection, is ``RETURN 1``:
the Bolt round trip no query can beat.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_graph.loader import load
from knowledge_graph.queries import NAMED_QUERIES
from knowledge_graph.server import EmbeddedServer, free_port


@dataclass
class Timing:
    name: str
    p50_ms: float
    p99_ms: float
    rows: int


@dataclass
class BenchResult:
    start_s: float
    load_s: float
    reload_s: float
    timings: list[Timing]


def _time(session: Any, cypher: str, params: dict[str, Any], n: int) -> tuple[float, float, int]:
    samples: list[float] = []
    rows = 0
    for _ in range(n):
        t0 = time.perf_counter()
        rows = len(list(session.run(cypher, params)))
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, rows


def run(
    *, iterations: int = 200, statutes_path: Path | None = None, cases_path: Path | None = None
) -> BenchResult:
    from neo4j import GraphDatabase

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        password = "bench-" + str(time.time_ns())
        server = EmbeddedServer(
            Path(tmp), bolt_port=free_port(), http_port=free_port(), password=password, database="bench"
        )
        t0 = time.perf_counter()
        server.start()
        start_s = time.perf_counter() - t0
        driver = GraphDatabase.driver(f"bolt://127.0.0.1:{server.bolt_port}", auth=("root", password))
        try:
            t0 = time.perf_counter()
            load(driver, "bench", statutes_path=statutes_path, cases_path=cases_path)
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            load(driver, "bench", statutes_path=statutes_path, cases_path=cases_path)
            reload_s = time.perf_counter() - t0
            timings = []
            with driver.session(database="bench") as session:
                _time(session, "RETURN 1 AS x", {}, 20)  # warm the connection
                p50, p99, rows = _time(session, "RETURN 1 AS x", {}, iterations)
                timings.append(Timing("baseline: RETURN 1", p50, p99, rows))
                for q in NAMED_QUERIES.values():
                    params = q.bind(q.example)
                    _time(session, q.cypher, params, 5)
                    p50, p99, rows = _time(session, q.cypher, params, iterations)
                    timings.append(Timing(q.name, p50, p99, rows))
        finally:
            driver.close()
            server.stop()
    return BenchResult(start_s, load_s, reload_s, timings)


def format_table(r: BenchResult, target_ms: float = 5.0) -> str:
    lines = [
        f"embedded server cold start: {r.start_s:.2f} s   seed load: {r.load_s:.2f} s   reload (idempotent): {r.reload_s:.2f} s",
        f"{'query':<28}{'p50 ms':>9}{'p99 ms':>9}{'rows':>7}  target p50 <= {target_ms:g} ms",
    ]
    for t in r.timings:
        flag = "" if t.name.startswith("baseline") else ("ok" if t.p50_ms <= target_ms else "SLOW")
        lines.append(f"{t.name:<28}{t.p50_ms:>9.2f}{t.p99_ms:>9.2f}{t.rows:>7}  {flag}")
    return "\n".join(lines)
