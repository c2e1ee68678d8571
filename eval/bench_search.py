"""Search speed benchmark: ``brain bench search [--sizes demo,100k,1m] [--queries 200]``.

For each corpus size it builds the same structures the service builds (jieba tokens -> bm25s, the configured
embedder -> FAISS: exact below ``retrieval.hnsw_threshold`` chunks, HNSW over float16 above) and times
queries through the same code (:class:`BM25Index`, :class:`DenseIndex`, fusion), reporting p50/p95/p99 latency
and queries/s for BM25-only, dense-only and hybrid, plus ``rank_bm25`` (pure Python BM25, the common
baseline) measured in the same run, and build throughput in chunks/s.

Sizes above the real corpus are synthesised from it: each synthetic chunk recombines 2-5 randomly drawn
sentences of real chunks (seeded), so term statistics stay Chinese-legal while the corpus grows. Queries are
the retrieval dev-set questions. The service path (``Brain.search`` with filters and hit building) is timed
separately at demo size.
"""

from __future__ import annotations

import gc
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brain.retrieval import fusion
from brain.retrieval.embedder import Embedder, load_embedder
from brain.retrieval.indexes import BM25Index, DenseIndex
from brain.retrieval.text import expand_query, tokenize, tokenize_many
from brain.settings import Settings
from eval.metrics import percentiles

SIZES = {"demo": 0, "100k": 100_000, "1m": 1_000_000}
_SENT = re.compile(r"(?<=[。；！？\n])")
RANK_BM25_MAX = 100_000  # rank_bm25 keeps a Python dict per document: beyond this it needs >10 GB and minutes


@dataclass
class Row:
    size: str
    chunks: int
    retriever: str
    latency_ms: dict[str, float]
    qps: float
    note: str = ""


@dataclass
class BuildRow:
    size: str
    chunks: int
    seconds: dict[str, float]
    chunks_per_s: float
    dense_index: str


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    builds: list[BuildRow] = field(default_factory=list)
    service_rss_mb: float | None = None  # a fresh process with the service's index loaded


_RSS_SCRIPT = """
import json, sys
from brain.retrieval.service import RetrievalService
from brain.settings import load_settings
from brain.types import SearchRequest
svc = RetrievalService(load_settings(sys.argv[1] or None))
svc.load()
svc.search(SearchRequest(query="邻居装修噪音扰民怎么处理"))
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(json.dumps({"rss_mb": rss / 1024, "chunks": svc.status()["chunks"]}))
"""


def service_rss_mb(settings: Settings) -> float | None:
    """Resident memory of a fresh process that has opened the service's index and answered one query."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, settings.profile if settings.profile != "default" else ""],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BRAIN_STATE_DIR": str(settings.state_dir)},
    )
    if proc.returncode != 0:
        return None
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["rss_mb"])


def real_chunk_texts(settings: Settings) -> list[str]:
    from brain.retrieval.service import RetrievalService
    from ingest.chunking import chunk_document

    r = settings.retrieval
    docs = RetrievalService(settings).corpus_documents()
    return [c.text for d in docs for c in chunk_document(d, r.chunk_chars, r.chunk_overlap)]


def synthesise(real: list[str], n: int, seed: int = 7) -> list[str]:
    """``n`` chunks: the real ones first, then recombinations of 2-5 random real sentences."""
    if n <= len(real):
        return real[:n]
    sentences = [s for t in real for s in _SENT.split(t) if len(s.strip()) > 4]
    rng = random.Random(seed)
    out = list(real)
    while len(out) < n:
        out.append("".join(rng.choice(sentences) for _ in range(rng.randint(2, 5))))
    return out


def load_queries(limit: int) -> list[str]:
    from eval.dataset import load_jsonl
    from eval.retrieval import RetrievalCase

    root = Path(__file__).resolve().parent / "datasets"
    queries: list[str] = []
    for name in ("retrieval_statutes_dev.jsonl", "retrieval_cjrc_dev.jsonl", "stard_dev.jsonl"):
        queries += [c.query[:200] for c in load_jsonl(root / name, RetrievalCase).cases]
    random.Random(3).shuffle(queries)
    return queries[:limit]


def _time(fn: Callable[[str], Any], queries: list[str]) -> tuple[dict[str, float], float]:
    fn(queries[0])  # warm-up
    took = []
    t0 = time.perf_counter()
    for q in queries:
        s = time.perf_counter()
        fn(q)
        took.append((time.perf_counter() - s) * 1000)
    wall = time.perf_counter() - t0
    return percentiles(took, (50, 95, 99)), len(queries) / wall


def bench_size(
    label: str,
    texts: list[str],
    embedder: Embedder,
    settings: Settings,
    queries: list[str],
    result: Result,
    log: Callable[[str], None],
) -> None:
    r = settings.retrieval
    n = len(texts)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    tokens = tokenize_many(texts)
    secs["tokenize"] = time.perf_counter() - t
    log(f"[{label}] tokenised {n} chunks in {secs['tokenize']:.1f}s")
    t = time.perf_counter()
    bm25 = BM25Index.build(tokens)
    secs["bm25"] = time.perf_counter() - t
    baseline_row = _rank_bm25_row(label, tokens, queries, r.candidates)
    del tokens  # at 1M chunks the token lists alone take >10 GB
    t = time.perf_counter()
    vecs = np.zeros((n, embedder.dim), dtype=np.float32)
    for s in range(0, n, 4096):
        vecs[s : s + 4096] = embedder.encode(texts[s : s + 4096])
    secs["embed"] = time.perf_counter() - t
    log(f"[{label}] embedded in {secs['embed']:.1f}s")
    t = time.perf_counter()
    dense = DenseIndex.build(vecs, r.hnsw_threshold)
    secs["faiss"] = time.perf_counter() - t
    del vecs
    total = sum(secs.values())
    result.builds.append(BuildRow(label, n, {k: round(v, 2) for k, v in secs.items()}, n / total, dense.kind))
    log(f"[{label}] built in {total:.1f}s ({n / total:.0f} chunks/s, dense {dense.kind})")

    k = r.candidates

    def bm25_only(q: str) -> Any:
        return bm25.search(expand_query(tokenize(q)), k)

    def dense_only(q: str) -> Any:
        return dense.search(embedder.encode([q])[0], k)

    def hybrid(q: str) -> Any:
        b = bm25.search(expand_query(tokenize(q)), k)
        d = dense.search(embedder.encode([q])[0], k)
        fused = fusion.fuse(b, d, r)
        return sorted(fused.items(), key=lambda kv: -kv[1])[:10]

    # fuse() runs "learned" as weighted here: the learned fusion needs the question and chapter stages of a
    # real index, which synthetic sizes do not have (the Brain.search rows measure the served path)
    fused_name = "weighted" if r.fusion == "learned" else r.fusion
    for name, fn, note in (
        ("bm25s (BM25 only)", bm25_only, ""),
        (f"dense ({dense.kind})", dense_only, ""),
        (
            f"hybrid ({fused_name})",
            hybrid,
            "learned 融合在合成规模上按 weighted 计" if r.fusion == "learned" else "",
        ),
    ):
        lat, qps = _time(fn, queries)
        result.rows.append(Row(label, n, name, lat, qps, note=note))

    result.rows.append(baseline_row)


def _rank_bm25_row(label: str, tokens: list[list[str]], queries: list[str], k: int) -> Row:
    """rank_bm25 (pure-Python BM25, the usual baseline) over the same tokens and queries."""
    n = len(tokens)
    if n > RANK_BM25_MAX:
        return Row(
            label, n, "rank_bm25 (baseline)", {}, 0.0, note=f"skipped above {RANK_BM25_MAX:,} chunks (memory)"
        )
    from rank_bm25 import BM25Okapi

    t = time.perf_counter()
    baseline = BM25Okapi(tokens)
    build_s = time.perf_counter() - t

    def rank_bm25_only(q: str) -> Any:
        scores = baseline.get_scores(expand_query(tokenize(q)))
        return np.argsort(-scores)[:k]

    few = queries[:50]  # pure-Python scoring of every document per query: 50 queries make the point
    lat, qps = _time(rank_bm25_only, few)
    return Row(label, n, "rank_bm25 (baseline)", lat, qps, note=f"index {build_s:.1f}s; {len(few)} queries")


def bench_service(settings: Settings, queries: list[str], result: Result) -> None:
    """The full path at demo size: Brain.search with hit building, snippets and highlighting."""
    from brain.service import Brain

    brain = Brain(settings)
    brain.start(graph=False)
    try:
        n = int(str(brain.readiness().index["chunks"]))
        for mode in ("bm25", "dense", "hybrid"):
            lat, qps = _time(_searcher(brain, mode), queries)
            result.rows.append(
                Row("demo", n, f"Brain.search mode={mode}", lat, qps, note="full service path")
            )
    finally:
        brain.close()


def _searcher(brain: Any, mode: str) -> Callable[[str], Any]:
    from brain.types import SearchRequest

    def search(q: str) -> Any:
        return brain.search(SearchRequest.model_validate({"query": q, "mode": mode, "top_k": 10}))

    return search


def run(settings: Settings, sizes: list[str], n_queries: int, log: Callable[[str], None]) -> Result:
    embedder = load_embedder(settings.retrieval.embedder, settings.data_dir)
    real = real_chunk_texts(settings)
    queries = load_queries(n_queries)
    result = Result()
    for label in sizes:
        n = SIZES[label] or len(real)
        bench_size(label, synthesise(real, n), embedder, settings, queries, result, log)
        gc.collect()  # the previous size's indices are garbage now; free them before the next one
        if label == "demo":
            bench_service(settings, queries, result)
            result.service_rss_mb = service_rss_mb(settings)
    return result


def format_table(result: Result, settings: Settings) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    buf = StringIO()
    console = Console(file=buf, width=140)
    threads = os.environ.get("OMP_NUM_THREADS", "?")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())  # other work on the machine skews every number
    t = Table(
        title=f"检索延迟（单查询串行；OMP_NUM_THREADS={threads}，CPU 核数 {os.cpu_count()}，负载 {load}）"
    )
    for col in ("规模", "片段数", "检索器", "p50 ms", "p95 ms", "p99 ms", "查询/秒", "备注"):
        t.add_column(col, justify="right" if col not in ("检索器", "备注", "规模") else "left")
    for r in result.rows:
        lat = r.latency_ms
        t.add_row(
            r.size,
            f"{r.chunks:,}",
            r.retriever,
            *(f"{lat[p]:.2f}" if p in lat else "-" for p in ("p50", "p95", "p99")),
            f"{r.qps:.0f}" if r.qps else "-",
            r.note,
        )
    console.print(t)
    b = Table(title="索引构建（分词 + BM25 + 向量编码 + FAISS）")
    for col in ("规模", "片段数", "分词 s", "BM25 s", "编码 s", "FAISS s", "片段/秒", "向量索引"):
        b.add_column(col, justify="right" if col not in ("规模", "向量索引") else "left")
    for row in result.builds:
        s = row.seconds
        b.add_row(
            row.size,
            f"{row.chunks:,}",
            f"{s['tokenize']:.1f}",
            f"{s['bm25']:.1f}",
            f"{s['embed']:.1f}",
            f"{s['faiss']:.1f}",
            f"{row.chunks_per_s:,.0f}",
            row.dense_index,
        )
    console.print(b)
    if result.service_rss_mb is not None:
        console.print(f"服务进程内存（加载索引并完成一次检索后的 RSS）：{result.service_rss_mb:,.0f} MiB")
    console.print(
        f"融合：{settings.retrieval.fusion}；候选数 {settings.retrieval.candidates}；"
        f"HNSW 阈值 {settings.retrieval.hnsw_threshold:,}；向量模型 {settings.retrieval.embedder}"
    )
    return buf.getvalue()
