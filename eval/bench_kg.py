"""``brain bench kg``: server start time and per-query latency, raw over Bolt and through the service cache.

A fresh embedded server is started in a temporary directory on free ports (so the start time is a cold
start and nothing the user runs is disturbed) and the seed is loaded. Then every named query runs with its
example parameters:

- **bolt**: wall-clock time of ``session.run`` + reading every record, over one warm connection: what a
  caller without a cache pays. **server** is the server's own figure for the same call
  (``result_available_after + result_consumed_after``, whole milliseconds), so the gap to *bolt* is the
  round trip, serialisation and decoding in the Python driver.
- **cached**: the same answer through the service helper (``GraphService.routing_candidates`` …) with its
  seed-version cache, including the periodic version check. Only for the helpers the service caches.

The baseline, measured in the same run over the same connection, is ``RETURN 1``: the Bolt round trip no
query can beat. ArcadeDB compiles hot paths in its JVM as they run, so every query is first run
``warmup`` times (a long-running server is warm); rounds are interleaved (each round runs every query once)
so that the load of a shared machine falls on all queries alike.
"""

from __future__ import annotations

import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import percentiles
from knowledge_graph.loader import load
from knowledge_graph.queries import NAMED_QUERIES
from knowledge_graph.server import EmbeddedServer, free_port

#: (uri, user, password, database) -> a started service exposing cached helpers named after the queries
#: (``CACHED_HELPERS``) and ``close()``; brain's GraphService in practice (this package never imports brain).
ServiceFactory = Callable[[str, str, str, str], Any]


@dataclass
class Timing:
    name: str
    p50_ms: float
    p99_ms: float
    rows: int
    server_p50_ms: float | None = None
    cached_p50_ms: float | None = None
    cached_p99_ms: float | None = None


@dataclass
class BenchResult:
    start_s: float
    load_s: float
    reload_s: float
    timings: list[Timing]
    iterations: int = 0
    cache: dict[str, Any] | None = None  # the service's cache_info() after the run


def run(
    *,
    iterations: int = 200,
    warmup: int = 50,
    statutes_path: Path | None = None,
    cases_path: Path | None = None,
    make_service: ServiceFactory | None = None,
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
        uri = f"bolt://127.0.0.1:{server.bolt_port}"
        driver = GraphDatabase.driver(uri, auth=("root", password))
        service = None
        try:
            t0 = time.perf_counter()
            load(driver, "bench", statutes_path=statutes_path, cases_path=cases_path)
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            load(driver, "bench", statutes_path=statutes_path, cases_path=cases_path)
            reload_s = time.perf_counter() - t0

            queries: list[tuple[str, str, dict[str, Any]]] = [("baseline: RETURN 1", "RETURN 1 AS x", {})]
            queries += [(q.name, q.cypher, q.bind(q.example)) for q in NAMED_QUERIES.values()]
            calls: dict[str, Callable[[], Any]] = {}
            if make_service is not None:
                service = make_service(uri, "root", password, "bench")
                for name in getattr(service, "CACHED_HELPERS", ()):
                    calls[name] = functools.partial(getattr(service, name), **NAMED_QUERIES[name].example)

            wall: dict[str, list[float]] = {n: [] for n, _, _ in queries}
            srv: dict[str, list[float]] = {n: [] for n, _, _ in queries}
            cached: dict[str, list[float]] = {n: [] for n in calls}
            rows: dict[str, int] = {}
            with driver.session(database="bench") as session:
                for i in range(warmup + iterations):
                    timed = i >= warmup
                    for name, cypher, params in queries:
                        t0 = time.perf_counter()
                        result = session.run(cypher, params)
                        rows[name] = len(list(result))
                        summary = result.consume()
                        if timed:
                            wall[name].append((time.perf_counter() - t0) * 1000)
                            srv[name].append(
                                (summary.result_available_after or 0) + (summary.result_consumed_after or 0)
                            )
                    for name, call in calls.items():
                        t0 = time.perf_counter()
                        call()
                        if timed:
                            cached[name].append((time.perf_counter() - t0) * 1000)
            timings = [
                Timing(
                    name,
                    statistics.median(wall[name]),
                    percentiles(wall[name], (99,))["p99"],
                    rows[name],
                    server_p50_ms=statistics.median(srv[name]),
                    cached_p50_ms=statistics.median(cached[name]) if name in cached else None,
                    cached_p99_ms=percentiles(cached[name], (99,))["p99"] if name in cached else None,
                )
                for name, _, _ in queries
            ]
            cache = service.cache_info() if service is not None and hasattr(service, "cache_info") else None
        finally:
            if service is not None:
                service.close()
            driver.close()
            server.stop()
    return BenchResult(start_s, load_s, reload_s, timings, iterations, cache)


def format_table(r: BenchResult, target_ms: float = 5.0) -> str:
    def ms(v: float | None) -> str:
        return f"{v:>9.2f}" if v is not None else f"{'-':>9}"

    lines = [
        f"embedded server cold start: {r.start_s:.2f} s   seed load: {r.load_s:.2f} s   "
        f"reload (idempotent): {r.reload_s:.2f} s   {r.iterations} timed runs per query",
        f"{'query':<24}{'bolt p50':>9}{'bolt p99':>9}{'server':>9}{'cached':>9}{'cached':>9}{'rows':>6}"
        f"  bolt p50 <= {target_ms:g} ms",
        f"{'':<24}{'ms':>9}{'ms':>9}{'p50 ms':>9}{'p50 ms':>9}{'p99 ms':>9}",
    ]
    for t in r.timings:
        flag = "" if t.name.startswith("baseline") else ("ok" if t.p50_ms <= target_ms else "SLOW")
        lines.append(
            f"{t.name:<24}{t.p50_ms:>9.2f}{t.p99_ms:>9.2f}{ms(t.server_p50_ms)}{ms(t.cached_p50_ms)}"
            f"{ms(t.cached_p99_ms)}{t.rows:>6}  {flag}"
        )
    lines.append(
        "bolt = wall clock over one warm Bolt connection; server = the server's own time (whole ms); "
        "cached = the GraphService helper with its seed-version cache ('-': not cached)"
    )
    if r.cache:
        lines.append(
            f"cache: version checked every {r.cache['check_s']:g} s ({r.cache['checks']} checks in this run), "
            f"{r.cache['hits']} hits, {r.cache['misses']} misses"
        )
    return "\n".join(lines)
