"""GraphService: the adapter between Brain and the governance knowledge graph.

The constructor is cheap. ``start()`` starts the embedded ArcadeDB server when ``graph.uri == "embedded"``
(or reuses one already listening on the configured port), connects with the official ``neo4j`` driver,
and loads the seed when the graph is empty. An unreachable server is logged and reported by ``status()``,
not raised, unless ``graph.required``: intake still classifies without the graph, and routing comes back
when the server does. Every query goes through :meth:`run_named`, which turns connection failures into
:class:`GraphUnavailableError` (HTTP 503); the driver's pool reconnects by itself once the server returns.

A down server is remembered: for ``graph.retry_s`` seconds after a failed connection, request-path queries
fail at once instead of each paying a connection attempt (DNS lookup, socket, refused connect, the driver's
pool bookkeeping: ~30 ms of CPU per intake under load, measured with py-spy in ``brain bench api``). One
caller per period re-probes, and :meth:`status` (``/readyz``, the API's degraded-state refresh) always
probes, so the service still notices by itself when the server returns.

The typed helpers the agents call per request (routing, strategies, articles, deadlines, taxonomy …) are
read-through cached: their answers change only when the seed is (re)loaded, while a Bolt round trip costs
0.5–10 ms on a loaded machine. Every load writes a new ``Meta {key: 'seed'}.version``; the cache reads it
(one anchored lookup) at most every ``graph.cache_check_s`` seconds and empties itself when it changed, so a
``brain kg load`` in another process is served stale for at most that period, and a load through this
service (:meth:`load_seed`) is seen at once. A failed check empties the cache and raises, as an uncached
call would. ``run_named`` (API, CLI) is never cached: it shows the live graph.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from brain.errors import GraphDataError, GraphUnavailableError, InputError, NotFoundError
from brain.graph_cache import CACHE_MAX_ENTRIES, SeedCache
from brain.settings import Settings
from knowledge_graph.backend import GraphBackend
from knowledge_graph.errors import KnowledgeGraphError, SeedDataError
from knowledge_graph.loader import LoadReport, load
from knowledge_graph.queries import NAMED_QUERIES, NamedQuery
from knowledge_graph.server import EmbeddedServer

log = logging.getLogger(__name__)

_DOWN = "知识图谱服务暂时不可用，无法完成需要图谱的操作"  # every request-path failure to reach the server
_HINT = "请运行 `brain kg serve` 启动图谱服务，或检查配置 graph.uri / graph.bolt_port；服务恢复后会自动重连"

T = TypeVar("T")


class GraphService:
    #: Helpers served from the seed-version cache; each is named after the named query it runs
    #: (``brain bench kg`` times them next to the raw query).
    CACHED_HELPERS: tuple[str, ...] = (
        "routing_candidates",
        "escalation_chain",
        "governing_articles",
        "strategies",
        "deadline",
        "stationed",
        "taxonomy",
        "risk_signals",
        "sources",
    )

    def __init__(self, settings: Settings, *, backend: GraphBackend | None = None) -> None:
        """``backend``: a graph store to use instead of connecting over Bolt (the in-memory reference,
        :class:`knowledge_graph.memory.MemoryGraph`, in tests); then no server is started."""
        self.settings = settings
        self.graph = settings.graph
        self._driver: Any = backend
        self._injected = backend is not None
        self._server: EmbeddedServer | None = None
        self._lock = threading.Lock()
        self._last_error: str | None = None
        self._down_until = 0.0  # monotonic time before which request-path queries fail fast; 0 = up
        self._cache = SeedCache(self.graph.cache_check_s)
        self._started = False  # start() runs once, on the first query or an explicit warm-up
        self._starting = False
        self._start_lock = threading.RLock()

    # ------------------------------------------------------------------ lifecycle
    @property
    def uri(self) -> str:
        if self.graph.uri == "embedded":
            return f"bolt://127.0.0.1:{self.graph.bolt_port}"
        return self.graph.uri

    @property
    def database(self) -> str:
        return self.graph.database

    @property
    def server(self) -> EmbeddedServer | None:
        return self._server

    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> GraphService:
        """Start or reach the server, connect, load the seed if the graph is empty. See the module docstring.

        Runs once: every query calls it first (so the part starts lazily, like the others); ``close()``
        resets it."""
        with self._start_lock:
            if self._started or self._starting:  # _starting: start()'s own queries come back here
                return self
            self._starting = True
            try:
                self._start()
                self._started = True
            finally:
                self._starting = False
            return self

    def _start(self) -> None:
        try:
            if self.graph.uri == "embedded" and not self._injected:
                self._server = EmbeddedServer(
                    self.graph.data_dir,
                    bolt_port=self.graph.bolt_port,
                    http_port=self.graph.http_port,
                    password=self.graph.password.get_secret_value(),
                    database=self.database,
                    start_timeout_s=self.graph.start_timeout_s,
                )
                self._server.start()
            self._connect()
            if self._count_types() == 0:
                report = self.load_seed()
                log.info("graph seed loaded: %s", [(f.file, f.status) for f in report.files])
        except (KnowledgeGraphError, GraphUnavailableError, OSError) as e:
            self._last_error = str(e)
            if self.graph.required:
                raise GraphUnavailableError("知识图谱服务不可用", where=self.uri, hint=_HINT) from e
            log.warning("knowledge graph unavailable at %s: %s", self.uri, e)

    def _connect(self) -> Any:
        with self._lock:
            if self._driver is None:
                from neo4j import GraphDatabase

                self._driver = GraphDatabase.driver(
                    self.uri,
                    auth=(self.graph.user, self.graph.password.get_secret_value()),
                    connection_timeout=3.0,
                    connection_acquisition_timeout=5.0,
                    max_transaction_retry_time=2.0,
                )
            return self._driver

    def close(self) -> None:
        with self._lock:
            if self._driver is not None and not self._injected:
                self._driver.close()
                self._driver = None
        if self._server is not None:
            self._server.stop()  # only stops a server this service started
        self._started = False

    # ------------------------------------------------------------------ health and data
    def status(self) -> dict[str, Any]:
        try:
            self._run("RETURN 1 AS ok", {}, probe=True)
        except GraphUnavailableError as e:
            return {"ok": False, "detail": e.message, "error": self._last_error, "uri": self.uri}
        return {"ok": True, "detail": "已连接", "uri": self.uri, "database": self.database}

    def load_seed(self, *, strict: bool = False) -> LoadReport:
        """Validate and write the curated seed (idempotent). Article citations are checked against the
        statute corpus; cases from the corpus are linked to dispute types by 案由."""
        self.start()
        corpus = self.settings.data_dir / "corpus"
        driver = self._connect()
        self._cache.clear()  # nothing cached before or during the load survives it
        try:
            report = load(
                driver,
                self.database,
                statutes_path=corpus / "statutes.jsonl",
                cases_path=corpus / "cases.jsonl",
                strict=strict,
            )
            self._cache.clear()
            return report
        except SeedDataError as e:
            self._cache.clear()  # strict mode raises after writing the good files
            raise GraphDataError(
                "种子数据有误，相关文件未写入",
                where=str(Path("knowledge_graph/seed")),
                hint="按提示的文件和行号修改后重新运行 `brain kg load`",
                details={"issues": [str(i) for i in e.issues]},
            ) from e
        except Exception as e:
            raise self._unavailable(e) from e

    def _count_types(self) -> int:
        rows = self._run("MATCH (t:DisputeType) RETURN count(t) AS n", {})
        return int(rows[0]["n"]) if rows else 0

    # ------------------------------------------------------------------ queries
    @staticmethod
    def queries() -> list[NamedQuery]:
        return list(NAMED_QUERIES.values())

    def run_named(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        query = NAMED_QUERIES.get(name)
        if query is None:
            raise NotFoundError(
                f"没有名为 {name} 的图谱查询",
                where="graph.run_named",
                hint=f"可用查询：{', '.join(NAMED_QUERIES)}",
            )
        try:
            bound = query.bind(params or {})
        except ValueError as e:
            raise InputError(str(e), where=f"graph query {name}") from e
        return self._run(query.cypher, bound)

    def _unavailable(self, e: Exception) -> GraphUnavailableError:
        self._last_error = f"{type(e).__name__}: {e}"
        return GraphUnavailableError(_DOWN, where=self.uri, hint=_HINT)

    def _run(self, cypher: str, params: dict[str, Any], *, probe: bool = False) -> list[dict[str, Any]]:
        """Run one auto-commit read. While the server is known to be down (see the module docstring), fail
        fast unless ``probe``; the first caller after ``graph.retry_s`` re-probes, the others keep failing
        fast until it has its answer."""
        from neo4j import READ_ACCESS
        from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

        if not self._started:
            self.start()
        if self._down_until and not probe:
            with self._lock:
                now = time.monotonic()
                if now < self._down_until:
                    raise GraphUnavailableError(_DOWN, where=self.uri, hint=_HINT)
                self._down_until = now + self.graph.retry_s  # this caller probes
        try:
            driver = self._connect()
            # Auto-commit read: no transaction-function retries, so a down server fails fast.
            with driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
                rows = [r.data() for r in session.run(cypher, params)]
        except (ServiceUnavailable, SessionExpired, AuthError, DriverError, OSError) as e:
            if self.graph.retry_s > 0:
                self._down_until = time.monotonic() + self.graph.retry_s
            raise self._unavailable(e) from e
        except Neo4jError as e:
            raise GraphUnavailableError("图谱查询执行失败", where=self.uri, hint=str(e.message)) from e
        self._last_error = None
        self._down_until = 0.0
        return rows

    # ------------------------------------------------------------------ seed-version cache
    def seed_version(self) -> str | None:
        """The version the last ``kg load`` wrote (None for a graph loaded before versions existed)."""
        rows = self.run_named("seed_version")
        return rows[0]["version"] if rows else None

    def cache_info(self) -> dict[str, Any]:
        c = self._cache
        with c.lock:
            return {
                "check_s": c.check_s,
                "version": c.version,
                "entries": len(c.entries),
                "hits": c.hits,
                "misses": c.misses,
                "checks": c.checks,
            }

    def invalidate_cache(self) -> None:
        """Forget every cached answer now (the next helper call reads the graph)."""
        self._cache.clear()

    def _check_seed_version(self) -> None:
        """At most every ``check_s``: read the seed version, empty the cache if it changed. The period is
        counted from when the check *started*, so no answer outlives a reload by more than ``check_s``."""
        c = self._cache
        started = time.monotonic()
        if started - c.checked_at < c.check_s:
            return
        try:
            version = self.seed_version()
        except Exception:
            c.clear()  # cannot tell whether the graph changed: keep nothing
            raise
        with c.lock:
            c.checks += 1
            if version != c.version:
                c.entries.clear()
                c.generation += 1
                c.version = version
            c.checked_at = started

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        c = self._cache
        if c.check_s <= 0:
            return compute()
        self._check_seed_version()
        with c.lock:
            blob = c.entries.get(key)
            if blob is not None:
                c.entries.move_to_end(key)
                c.hits += 1
            else:
                c.misses += 1
            generation = c.generation
        if blob is not None:
            value: T = pickle.loads(blob)
            return value
        value = compute()
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with c.lock:
            if c.generation == generation:  # not cleared while we were reading the graph
                c.entries[key] = blob
                while len(c.entries) > CACHE_MAX_ENTRIES:
                    c.entries.popitem(last=False)
        return value

    # ------------------------------------------------------------------ typed helpers for the agents
    def routing_candidates(
        self, dispute_type: str, level: str = "村", region: str | None = None
    ) -> list[dict[str, Any]]:
        """Bodies that handle ``dispute_type`` from ``level`` upwards, each with reason, source and the
        escalation reason of its level (``step_reason``; None at the starting level). Cached."""

        def compute() -> list[dict[str, Any]]:
            rows = self.run_named(
                "routing_candidates", {"dispute_type": dispute_type, "level": level, "region": region}
            )
            for r in rows:
                reasons = r.get("escalation_reasons") or []
                r["step_reason"] = reasons[-1] if reasons else None
            return rows

        return self._cached(("routing_candidates", dispute_type, level, region), compute)

    def route_chain(
        self, dispute_type: str, level: str = "村", region: str | None = None
    ) -> list[dict[str, Any]]:
        """The first choice at each level (lowest priority number; a sub-type's own rule before its parent's)."""
        best: dict[int, dict[str, Any]] = {}
        for r in self.routing_candidates(dispute_type, level, region):
            own = r["via_type"] == r["dispute_type"]
            key = (r["priority"], not own)
            cur = best.get(r["step"])
            if cur is None or key < (cur["priority"], cur["via_type"] != cur["dispute_type"]):
                best[r["step"]] = r
        return [best[k] for k in sorted(best)]

    def _named_cached(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or {}
        return self._cached((name, *sorted(params.items())), lambda: self.run_named(name, params))

    def escalation_chain(self, level: str = "村") -> list[dict[str, Any]]:
        return self._named_cached("escalation_chain", {"level": level})

    def governing_articles(self, dispute_type: str) -> list[dict[str, Any]]:
        return self._named_cached("governing_articles", {"dispute_type": dispute_type})

    def strategies(self, dispute_type: str) -> list[dict[str, Any]]:
        return self._named_cached("strategies", {"dispute_type": dispute_type})

    def deadline(self, difficulty: str) -> dict[str, Any] | None:
        rows = self._named_cached("deadline", {"difficulty": difficulty})
        return rows[0] if rows else None

    def stationed(
        self, centre: str | None = None, mode: str | None = None, region: str | None = None
    ) -> list[dict[str, Any]]:
        return self._named_cached("stationed", {"centre": centre, "mode": mode, "region": region})

    def taxonomy(self) -> list[dict[str, Any]]:
        return self._named_cached("taxonomy")

    def risk_signals(self) -> list[dict[str, Any]]:
        return self._named_cached("risk_signals")

    def sources(self) -> list[dict[str, Any]]:
        """Intake sources and the channel each is diverted through (same rows as ``run_named("sources")``)."""
        return self._named_cached("sources")

    def stats(self) -> dict[str, dict[str, int]]:
        return {
            "nodes": {r["label"]: r["count"] for r in self.run_named("node_counts")},
            "relationships": {r["type"]: r["count"] for r in self.run_named("relationship_counts")},
        }
