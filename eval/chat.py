"""Chat suite: ``brain eval run chat --data FILE [--json] [--report DIR] [--url URL]``.

One case a line::

    {"id": "...", "question": "邻居装修噪音扰民适用哪条法律？",
     "expected": {"citations": [{"law": "噪声污染防治法", "article": 66}]}}
    {"id": "...", "question": "明天天气怎么样", "expected": {"out_of_domain": true}}

Each question is asked in a fresh thread through the same ``Brain.chat`` the API streams (or ``POST /v1/chat``
with ``--url``). What the answer *cites* is the statute sources whose ``[n]`` occurs in the answer, plus any
``《法名》第N条`` written in the answer text itself.

- ``citation_recall`` (in-domain cases): expected articles cited / expected articles, averaged over cases;
  ``citation_precision``: cited articles that are expected / cited articles, averaged over cases that cite
  any. An article matches when the law name (without 中华人民共和国 and 《》) and number are equal.
- ``citation_validity``: share of all named articles that exist in the corpus the brain serves (its index;
  ``data/corpus/statutes.jsonl`` for a remote service or the demo corpus) *and* are in force — a mediator must never be pointed at a repealed or made-up article.
- ``no_basis_rate_ood``: out-of-domain questions answered "未找到依据" (should be 1.0);
  ``no_basis_rate_in_domain``: in-domain questions wrongly refused (should be 0).
- Baseline ``bm25_top3``: citation recall/precision of the top 3 statute hits of a BM25-only search for the
  question, measured in the same run — what a plain keyword search would have cited.
- per-question latency (``latency``: p50/p95/p99 ms, whole answer), after one untimed warm-up question.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brain.settings import REPO_ROOT
from brain.types import Citation, SearchFilters, SearchRequest, normalize_law_name
from eval.dataset import load_jsonl
from eval.metrics import METRICS_VERSION, percentiles
from eval.report import print_result
from ingest.statute import cn_to_int

STATUTES = REPO_ROOT / "data" / "corpus" / "statutes.jsonl"
NO_BASIS_FLAG = "no_basis"
WARM_UP = "邻里纠纷怎么调解？"
_NAMED = re.compile(r"《([^《》]{1,80})》第([0-9]+|[零〇一二两三四五六七八九十百千]+)条")


class Expected(BaseModel):
    citations: list[Citation] = Field(default_factory=list)
    out_of_domain: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Expected:
        if not self.citations and not self.out_of_domain:
            raise ValueError("expected 需要 citations（领域内问题）或 out_of_domain: true（领域外问题）")
        return self


class ChatCase(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a set may number its cases

    id: str
    question: str = Field(min_length=1, max_length=2000)
    expected: Expected


@lru_cache(maxsize=1)
def statute_status() -> dict[tuple[str, int], bool]:
    """(normalised law, article) -> in force, from the shipped corpus (the reference for validity)."""
    out: dict[tuple[str, int], bool] = {}
    with STATUTES.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            out[(normalize_law_name(d["law"]), int(d["article"]))] = bool(d.get("in_force", True))
    return out


def served_statute_status(brain: Any) -> dict[tuple[str, int], bool]:
    """Like :func:`statute_status`, from the index the in-process brain serves (the whole library in the
    default profile: an article of 旅游法 is valid there, though not in the demo corpus)."""
    retrieval = getattr(brain, "retrieval", None)
    if retrieval is None:  # a remote service (--url): the shipped corpus is the reference
        return statute_status()
    out: dict[tuple[str, int], bool] = {}
    for c in retrieval.current().chunks:
        if c.kind == "statute" and c.law and c.article is not None:
            key = (normalize_law_name(c.law), c.article)
            out[key] = out.get(key, False) or c.in_force
    return out


def cited_articles(answer: str, sources: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """Statute articles the answer cites: sources referenced as [n], and 《法名》第N条 in its own words.

    Text quoted verbatim from a source (a judgment's snippet naming 《劳动法》第47条) is a quotation, not the
    assistant's claim, so snippets are removed before the answer text is scanned.
    """
    used = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    own_words = answer
    for s in sources:
        snippet = str(s.get("snippet", "")).rstrip("…")
        if snippet:
            own_words = own_words.replace(snippet, "")
    out: set[tuple[str, int]] = set()
    for s in sources:
        if s.get("kind") == "statute" and s.get("n") in used:
            m = _NAMED.search(s.get("citation", ""))
            if m:
                out.add((normalize_law_name(m.group(1)), cn_to_int(m.group(2))))
    for law, art in _NAMED.findall(own_words):
        with contextlib.suppress(ValueError):  # a malformed number in the model's own words cites nothing
            out.add((normalize_law_name(law), cn_to_int(art)))
    return out


def _expected_set(case: ChatCase) -> set[tuple[str, int]]:
    return {(normalize_law_name(c.law or ""), int(c.article)) for c in case.expected.citations if c.article}


def ask(brain: Any, question: str) -> dict[str, Any]:
    """One question in a fresh thread; the answer, its sources and flags as the ``done`` event gives them."""
    sources: list[dict[str, Any]] = []
    done: dict[str, Any] = {}
    from brain.agents.chat.state import ChatMessageRequest

    for ev in brain.chat(ChatMessageRequest(message=question, thread_id=f"eval-{uuid.uuid4().hex[:16]}")):
        if ev.event == "sources":
            sources = ev.data.get("sources", [])
        elif ev.event == "done":
            done = ev.data
    return {"answer": done.get("answer", ""), "flags": done.get("flags", []), "sources": sources}


def _bm25_top3(brain: Any, question: str) -> set[tuple[str, int]]:
    req = SearchRequest(query=question, top_k=3, mode="bm25", filters=SearchFilters(kind="statute"))
    return {
        (normalize_law_name(h.citation.law or ""), int(h.citation.article))
        for h in brain.search(req).hits
        if h.citation.article is not None
    }


def _pr(cited: set[tuple[str, int]], expected: set[tuple[str, int]]) -> tuple[float, float | None]:
    hit = len(cited & expected)
    return hit / len(expected) if expected else 0.0, hit / len(cited) if cited else None


def run_suite(brain: Any, data: Path, *, as_json: bool = False, report: Path | None = None) -> dict[str, Any]:
    loaded = load_jsonl(data, ChatCase)
    status = served_statute_status(brain)
    per_case: list[dict[str, Any]] = []
    latency: list[float] = []
    if loaded.cases:  # warm-up, not timed: the first question loads the index and compiles the graph
        ask(brain, WARM_UP)
    for case in loaded.cases:
        started = time.perf_counter()
        reply = ask(brain, case.question)
        latency.append((time.perf_counter() - started) * 1000)
        cited = cited_articles(reply["answer"], reply["sources"])
        expected = _expected_set(case)
        recall, precision = _pr(cited, expected)
        row: dict[str, Any] = {
            "id": case.id,
            "out_of_domain": case.expected.out_of_domain,
            "no_basis": NO_BASIS_FLAG in reply["flags"],
            "cited": sorted(f"《{law}》第{a}条" for law, a in cited),
            "invalid": sorted(f"《{law}》第{a}条" for law, a in cited if not status.get((law, a), False)),
        }
        if not case.expected.out_of_domain:
            b_recall, b_precision = _pr(_bm25_top3(brain, case.question), expected)
            row |= {
                "recall": recall,
                "precision": precision,
                "bm25_recall": b_recall,
                "bm25_precision": b_precision,
            }
        per_case.append(row)
    result = {
        "suite": "chat",
        "data": str(data),
        "metrics_version": METRICS_VERSION,
        **summarise(per_case, latency),
        "errors": [str(e) for e in loaded.errors],
        "cases": per_case,
        "latency_ms": latency,
    }
    print_result(result, as_json=as_json, title=f"调解助手评测 {data}（n={result['n']}）")
    return result


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarise(per_case: list[dict[str, Any]], latency: list[float]) -> dict[str, Any]:
    ind = [c for c in per_case if not c["out_of_domain"]]
    ood = [c for c in per_case if c["out_of_domain"]]
    named = sum(len(c["cited"]) for c in per_case)
    invalid = sum(len(c["invalid"]) for c in per_case)
    return {
        "n": len(per_case),
        "n_in_domain": len(ind),
        "n_out_of_domain": len(ood),
        "citation_recall": _mean([c["recall"] for c in ind]),
        "citation_precision": _mean([c["precision"] for c in ind if c["precision"] is not None]),
        "citation_validity": (named - invalid) / named if named else 1.0,
        "citations_named": named,
        "citations_invalid": invalid,
        "no_basis_rate_ood": _mean([float(c["no_basis"]) for c in ood]),
        "no_basis_rate_in_domain": _mean([float(c["no_basis"]) for c in ind]),
        "baselines": {
            "bm25_top3": {
                "citation_recall": _mean([c["bm25_recall"] for c in ind]),
                "citation_precision": _mean(
                    [c["bm25_precision"] for c in ind if c["bm25_precision"] is not None]
                ),
            }
        },
        "latency": percentiles(latency),
    }
