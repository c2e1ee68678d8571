"""Search over the real national library (data/library): the acceptance questions, stats, regions, and
superseded texts.

One index per session over the 64,512 national articles, the 1,052 cases and 3,000 local articles (浙江 and
山东, enough to test the region rules), built once under a temp dir (about 40 s on 2 idle cores).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from brain.retrieval.service import RetrievalService
from brain.settings import Settings, load_settings
from brain.types import SearchFilters, SearchRequest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _library_data(base: Path) -> Path:
    data = base / "library-data"
    if data.exists():
        return data
    (data / "corpus").mkdir(parents=True)
    (data / "library").mkdir()
    os.symlink(REPO / "data/models", data / "models")
    os.symlink(REPO / "data/corpus/cases.jsonl", data / "corpus/cases.jsonl")
    for name in ("national.jsonl.gz", "stard_expansions.jsonl"):
        os.symlink(REPO / "data/library" / name, data / "library" / name)
    with gzip.open(REPO / "data/library/local.jsonl.gz", "rt", encoding="utf-8") as f:
        lines, per_region = [], {"浙江": 0, "山东": 0}
        for line in f:
            region = next((r for r in per_region if f'"region": "{r}"' in line), None)
            if region and per_region[region] < 1500:
                per_region[region] += 1
                lines.append(line)
    with gzip.open(data / "library/local.jsonl.gz", "wt", encoding="utf-8") as out:
        out.writelines(lines)
    return data


def library_settings(base: Path, **retrieval: object) -> Settings:
    return load_settings(
        "test",
        data_dir=str(_library_data(base)),
        state_dir=str(base / "library-state"),
        retrieval={"corpus": "library", "fusion": "learned", **retrieval},
    )


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> RetrievalService:
    svc = RetrievalService(library_settings(tmp_path_factory.getbasetemp()))
    svc.load()
    return svc


def _titles(svc: RetrievalService, query: str, top_k: int = 5, **filters: object) -> list[str]:
    resp = svc.search(SearchRequest(query=query, top_k=top_k, filters=SearchFilters.model_validate(filters)))
    return [h.title for h in resp.hits]


def test_expired_food_question_finds_food_safety_law_148(library: RetrievalService) -> None:
    titles = _titles(
        library, "超市卖过期食品要赔多少", top_k=10, kind="statute"
    )  # full library: rank 6 (first pass 8)
    assert "《食品安全法》第148条" in titles, titles


def test_unpaid_migrant_wages_find_the_wage_regulation(library: RetrievalService) -> None:
    titles = _titles(library, "工地老板拖欠农民工工资")
    assert any(t.startswith("《保障农民工工资支付条例》") for t in titles), titles


def test_injury_at_work_finds_work_injury_regulation_14(library: RetrievalService) -> None:
    titles = _titles(library, "在工作时间受伤能认定工伤吗", top_k=10)
    assert "《工伤保险条例》第14条" in titles, titles


def test_stats_count_the_library(library: RetrievalService) -> None:
    stats = library.stats()
    assert stats.national_texts >= 1450 and stats.national_articles >= 60_000
    assert stats.distinct_laws_by_level["法律"] >= 300 and stats.distinct_laws_by_level["行政法规"] >= 600
    assert stats.in_force_articles + stats.not_in_force_articles == stats.statute_articles
    assert stats.not_in_force_articles > 0 and stats.documents_by_kind["case"] == 1052
    assert set(stats.regions) == {"浙江", "山东"}


def test_local_rules_need_a_region(
    tmp_path_factory: pytest.TempPathFactory, library: RetrievalService
) -> None:
    query = "浙江省 条例 管理"
    plain = library.search(SearchRequest(query=query, top_k=20, filters=SearchFilters(kind="statute")))
    assert plain.hits and not any(library.get_document(h.doc_id).region for h in plain.hits)
    zj = library.search(SearchRequest(query=query, top_k=20, filters=SearchFilters(region="浙江")))
    assert zj.hits and all(library.get_document(h.doc_id).region == "浙江" for h in zj.hits)
    # A 浙江 centre sees its own rules beside the national ones, never another province's.
    home = RetrievalService(library_settings(tmp_path_factory.getbasetemp(), region="浙江"))
    home.load()
    mixed = home.search(SearchRequest(query="山东省 浙江省 条例", top_k=30))
    regions = {home.get_document(h.doc_id).region for h in mixed.hits}
    assert "浙江" in regions and "山东" not in regions


def test_superseded_text_is_flagged_and_not_in_force(library: RetrievalService) -> None:
    resp = library.search(SearchRequest(query="治安管理处罚法第一条", top_k=3))
    hit = next(h for h in resp.hits if h.citation.law == "治安管理处罚法")
    assert hit.citation.article == 1 and hit.citation.version == "2012-10-26"
    assert hit.warning and "2026-01-01" in hit.warning
    assert not library.get_document(hit.doc_id).in_force
    current = library.search(
        SearchRequest(query="治安管理处罚法第一条", top_k=3, filters=SearchFilters(in_force=True))
    )
    assert all(h.citation.law != "治安管理处罚法" for h in current.hits)
