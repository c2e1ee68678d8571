"""Retrieval suite: ``brain eval run retrieval --data FILE [--json] [--report DIR]``.

Each line of FILE is one case::

    {"id": "...", "query": "...", "expected": {"citations": [{"law": "民法典", "article": 1079}]}}
    {"id": "...", "query": "...", "expected": {"doc_ids": ["case:cjrc:dev:1"]}, "filters": {"kind": "case"}}

``filters`` is optional (a :class:`brain.types.SearchFilters`). Every case is run through the same
:meth:`Brain.search` the API uses, once per retriever (``bm25``, ``dense``, ``hybrid``), top 10. A hit is
relevant when its citation matches an expected one (law name normalised: no 中华人民共和国, no 《》; equal
article number) or its doc_id is expected. A malformed line is reported with its line number and the run goes
on. With ``--json`` the output is one object::

    {"suite": "retrieval", "data": FILE, "cases": N, "index_version": "...",
     "retrievers": {"bm25": {"recall@1": ..., "recall@5": ..., "recall@10": ..., "mrr": ...,
                             "ndcg@10": ..., "p50_ms": ..., "p95_ms": ...},
                    "dense": {...}, "hybrid": {...}},
     "errors": ["第 3 行：..."]}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brain.types import Citation, Hit, SearchFilters, SearchRequest
from eval.dataset import load_jsonl
from eval.metrics import METRICS_VERSION, percentiles, retrieval_metrics

RETRIEVERS = ("bm25", "dense", "hybrid")
TOP_K = 10


class Expected(BaseModel):
    citations: list[Citation] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Expected:
        if not self.citations and not self.doc_ids:
            raise ValueError("expected 至少要有 citations 或 doc_ids 之一")
        return self


class RetrievalCase(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a set may number its cases

    id: str
    query: str = Field(min_length=1)
    expected: Expected
    filters: SearchFilters = Field(default_factory=SearchFilters)


def relevant(hit: Hit, expected: Expected) -> bool:
    if hit.doc_id in expected.doc_ids:
        return True
    return any(hit.citation.matches(c) for c in expected.citations)


def n_relevant(expected: Expected) -> int:
    return len(expected.citations) + len(expected.doc_ids)


def evaluate(
    brain: Any, cases: list[RetrievalCase], retrievers: tuple[str, ...] = RETRIEVERS
) -> dict[str, Any]:
    """Per-retriever metrics and per-case ranks (the rank of the first relevant hit, None if not in top 10)."""
    blocks: dict[str, Any] = {}
    per_case: dict[str, dict[str, int | None]] = {c.id: {} for c in cases}
    for mode in retrievers:
        flags: list[list[bool]] = []
        totals: list[int] = []
        took: list[float] = []
        for case in cases:
            req = SearchRequest(query=case.query[:2000], top_k=TOP_K, mode=mode, filters=case.filters)  # type: ignore[arg-type]
            resp = brain.search(req)
            rel = [relevant(h, case.expected) for h in resp.hits]
            flags.append(rel)
            totals.append(n_relevant(case.expected))
            took.append(resp.took_ms)
            per_case[case.id][mode] = next((i + 1 for i, r in enumerate(rel) if r), None)
        metrics = retrieval_metrics(flags, totals)
        lat = percentiles(took, (50, 95))
        blocks[mode] = {
            **{k: round(v, 4) for k, v in metrics.items()},
            "p50_ms": round(lat["p50"], 2),
            "p95_ms": round(lat["p95"], 2),
        }
    return {"retrievers": blocks, "per_case": per_case}


def run_suite(brain: Any, data: Path, *, as_json: bool, report: Path | None) -> dict[str, Any]:
    loaded = load_jsonl(data, RetrievalCase)
    errors = [str(e) for e in loaded.errors]
    for e in errors:
        print(f"跳过：{e}", file=sys.stderr)
    result = evaluate(brain, loaded.cases)
    status = brain.readiness().index
    out: dict[str, Any] = {
        "suite": "retrieval",
        "data": str(data),
        "cases": len(loaded.cases),
        "index_version": status.get("version"),
        "embedder": status.get("embedder"),
        "fusion": brain.settings.retrieval.fusion,
        "metrics_version": METRICS_VERSION,
        "retrievers": result["retrievers"],
        "errors": errors,
    }
    if report is not None:
        from eval.report import write_report

        write_report(
            report,
            "retrieval",
            {**out, "metrics": {"cases": out["cases"]}, "cases_detail": result["per_case"]},
            data_file=str(data),
        )
    if as_json:
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        _print_table(out)
    return out


def _print_table(out: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"检索评测：{out['data']}（{out['cases']} 条，索引 {out['index_version']}）")
    cols = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", "p50_ms")
    table.add_column("检索器")
    for c in cols:
        table.add_column(c, justify="right")
    for name, block in out["retrievers"].items():
        table.add_row(name, *(f"{block[c]:.3f}" if c != "p50_ms" else f"{block[c]:.1f}" for c in cols))
    Console().print(table)
    if out["errors"]:
        Console(stderr=True).print(f"[yellow]{len(out['errors'])} 行数据有问题已跳过（见上）[/yellow]")
