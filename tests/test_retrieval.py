"""Search over the real corpus (data/corpus) with the shipped embedder: hits, spans, filters, look-ups.

The index is built once per session under a temp dir (about 10 s on 2 cores) and shared with
tests/test_search_api.py through :func:`real_index_settings`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from brain.errors import NotFoundError
from brain.retrieval.service import RetrievalService
from brain.settings import Settings, load_settings
from brain.types import SearchFilters, SearchRequest

NEIGHBOUR_NOISE = "邻居装修噪音扰民怎么处理"


def real_index_settings(base: Path) -> Settings:
    """Settings whose index dir holds a real index over the shipped corpus, built on first use."""
    settings = load_settings("test", state_dir=str(base / "retrieval-real"))
    RetrievalService(settings).build()  # no-op when this session already built it
    return settings


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> RetrievalService:
    svc = RetrievalService(real_index_settings(tmp_path_factory.getbasetemp()))
    svc.load()
    return svc


def test_neighbour_noise_finds_noise_law_or_neighbour_articles(service: RetrievalService) -> None:
    resp = service.search(SearchRequest(query=NEIGHBOUR_NOISE, top_k=5))
    assert resp.hits, "no hits"
    statutes = [h for h in resp.hits if h.kind == "statute"]
    assert statutes
    wanted = [
        h
        for h in statutes
        if h.citation.law == "噪声污染防治法"
        or (h.citation.law == "民法典" and 288 <= (h.citation.article or 0) <= 296)
    ]
    assert wanted, [h.citation.label() for h in resp.hits]
    for h in statutes:
        assert h.citation.article is not None and h.citation.article > 0
        assert h.doc_id == f"statute:{h.citation.law}:{h.citation.article}"
    assert "【" in resp.hits[0].snippet and "】" in resp.hits[0].snippet
    assert [h.rank for h in resp.hits] == list(range(1, len(resp.hits) + 1))
    assert resp.index_version == service.status()["version"]


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_spans_slice_the_document_text(service: RetrievalService, mode: str) -> None:
    resp = service.search(SearchRequest.model_validate({"query": "离婚后孩子抚养费怎么算", "mode": mode}))
    assert resp.hits
    for h in resp.hits:
        doc = service.get_document(h.doc_id)
        start, end = h.span
        assert 0 <= start < end <= len(doc.text)
        assert doc.text[start:end] == h.text
        parts = h.score
        assert (parts.bm25 is not None) if mode == "bm25" else True
        assert (parts.dense is not None) if mode == "dense" else True


def test_statute_article_lookup_comes_first(service: RetrievalService) -> None:
    for query in (
        "民法典第1079条",
        "《中华人民共和国民法典》第一千零七十九条规定了什么",
        "请问民法典第1079条",
    ):
        top = service.search(SearchRequest(query=query, top_k=3)).hits[0]
        assert top.citation.law == "民法典" and top.citation.article == 1079, query


def test_kind_and_law_filters(service: RetrievalService) -> None:
    cases = service.search(SearchRequest(query=NEIGHBOUR_NOISE, filters=SearchFilters(kind="case"))).hits
    assert cases and all(h.kind == "case" and h.citation.case_id == h.doc_id for h in cases)
    civil = service.search(
        SearchRequest(query=NEIGHBOUR_NOISE, filters=SearchFilters(law="《中华人民共和国民法典》"))
    )
    assert civil.hits and all(h.citation.law == "民法典" for h in civil.hits)
    # The neighbour articles (相邻关系, 第288-296条) are what the civil code says about this.
    assert any(288 <= (h.citation.article or 0) <= 296 for h in civil.hits[:5]), [
        h.citation.label() for h in civil.hits
    ]


def test_cause_date_and_in_force_filters(service: RetrievalService) -> None:
    loan = service.search(SearchRequest(query="借款到期不还", filters=SearchFilters(cause="借贷"))).hits
    assert loan
    assert all("借贷" in (service.get_document(h.doc_id).cause or "") for h in loan)

    recent = SearchFilters(kind="statute", date_from=date(2021, 1, 1))
    hits = service.search(SearchRequest(query="调解", top_k=20, filters=recent)).hits
    assert hits
    for h in hits:
        eff = service.get_document(h.doc_id).effective_date
        assert eff is not None and eff >= date(2021, 1, 1)

    stale = service.search(SearchRequest(query="罚款", filters=SearchFilters(in_force=False))).hits
    assert stale and all(not service.get_document(h.doc_id).in_force for h in stale)
    current = service.search(SearchRequest(query="调解", filters=SearchFilters(in_force=True))).hits
    assert current and all(service.get_document(h.doc_id).in_force for h in current)
    nowhere = service.search(SearchRequest(query="调解", filters=SearchFilters(region="不存在的地区")))
    assert nowhere.hits == []


def test_get_document_and_missing_document(service: RetrievalService) -> None:
    doc = service.get_document("statute:民法典:1079")
    assert doc.kind == "statute" and doc.article == 1079 and "离婚" in doc.text
    with pytest.raises(NotFoundError) as err:
        service.get_document("statute:民法典:99999")
    assert "文档不存在" in str(err.value)


def test_status_reports_the_manifest(service: RetrievalService) -> None:
    st = service.status()
    assert st["ok"] is True
    assert st["chunks"] > 3000 and st["documents"] > 3000
    assert st["embedder"] == "fengqiao-static-zh" and st["dense_index"] == "flat"


def test_eval_runner_reports_bad_lines_and_scores_the_rest(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from brain.service import Brain
    from eval.retrieval import RETRIEVERS, run_suite

    data = tmp_path / "tiny.jsonl"
    rows = [
        {
            "id": "a",
            "query": "民法典第1079条",
            "expected": {"citations": [{"law": "《中华人民共和国民法典》", "article": 1079}]},
        },
        "{not json",
        {
            "id": "c",
            "query": "噪声污染防治法第七十条",
            "expected": {"citations": [{"law": "噪声污染防治法", "article": 70}]},
        },
        {"id": "d", "query": "缺少 expected"},
        {
            "id": "e",
            "query": "邻居装修噪音扰民",
            "expected": {"doc_ids": ["statute:噪声污染防治法:70"]},
            "filters": {"kind": "statute"},
        },
    ]
    data.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
        encoding="utf-8",
    )
    brain = Brain(real_index_settings(tmp_path_factory.getbasetemp()))
    brain.start(graph=False)
    try:
        out = run_suite(brain, data, as_json=True, report=tmp_path / "report")
    finally:
        brain.close()
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(out, ensure_ascii=False))
    assert out["cases"] == 3
    assert [e.split("：")[0] for e in out["errors"]] == ["第 2 行", "第 4 行"]
    assert set(out["retrievers"]) == set(RETRIEVERS)
    for block in out["retrievers"].values():
        assert {"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"} <= set(block)
        assert 0.0 <= block["recall@1"] <= block["recall@5"] <= block["recall@10"] <= 1.0
    # Article look-ups are pinned first in every mode; the noise question finds article 70 in the top 10.
    assert out["retrievers"]["hybrid"]["recall@1"] >= 2 / 3
    assert out["retrievers"]["hybrid"]["recall@10"] == 1.0
    saved = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert saved["retrievers"] == out["retrievers"]
