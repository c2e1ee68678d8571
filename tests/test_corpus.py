"""The shipped demo corpus (data/corpus/*.jsonl): loads as Documents, has the articles and cases other
areas rely on, and is what tools/build_corpus.py produces (when the source folder is present)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ingest.records import Document
from ingest.statute import article_label, cn_to_int, find_articles

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
SHARED_DATA = Path("/work/shared/data")


def _load(name: str) -> list[Document]:
    with (CORPUS / name).open(encoding="utf-8") as f:
        return [Document.model_validate_json(line) for line in f]


@pytest.fixture(scope="module")
def statutes() -> list[Document]:
    return _load("statutes.jsonl")


@pytest.fixture(scope="module")
def cases() -> list[Document]:
    return _load("cases.jsonl")


def test_counts(statutes: list[Document], cases: list[Document]) -> None:
    assert len(statutes) == 3058
    per_law = Counter(d.law for d in statutes)
    assert per_law["民法典"] == 1260
    assert per_law["道路交通安全法"] == 124
    assert per_law["治安管理处罚法"] == 119
    assert len(per_law) == 33
    assert len(cases) == 1052
    assert sum(d.id.startswith("case:lawref:") for d in cases) == 52
    assert Counter(d.source for d in cases if d.id.startswith("case:cjrc:")) == {
        "cjrc/dev": 500,
        "cjrc/test": 500,
    }


def test_ids_unique_and_kinds(statutes: list[Document], cases: list[Document]) -> None:
    ids = [d.id for d in statutes + cases]
    assert len(ids) == len(set(ids))
    assert all(d.kind == "statute" and d.id == f"statute:{d.law}:{d.article}" for d in statutes)
    assert all(d.kind == "case" and d.cause and d.text for d in cases)


def test_article_numbers_are_ints(statutes: list[Document]) -> None:
    raw = (CORPUS / "statutes.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(isinstance(json.loads(line)["article"], int) for line in raw)
    civil_code = [d.article for d in statutes if d.law == "民法典"]
    assert civil_code == list(range(1, 1261))


def test_key_articles(statutes: list[Document]) -> None:
    by_id = {d.id: d for d in statutes}
    divorce = by_id["statute:民法典:1079"]
    assert divorce.law == "民法典" and divorce.article == 1079
    assert "离婚" in divorce.text and divorce.text.startswith("第一千零七十九条")
    assert divorce.part == "婚姻家庭编" and divorce.chapter == "第四章 离婚"
    traffic = by_id["statute:道路交通安全法:76"]
    assert "交通事故" in traffic.text and traffic.in_force
    neighbours = by_id["statute:民法典:288"]
    assert neighbours.part == "物权编·第二分编 所有权" and "相邻" in neighbours.text
    assert str(by_id["statute:民法典:1"].effective_date) == "2021-01-01"


def test_in_force_status(statutes: list[Document]) -> None:
    stale = {d.law for d in statutes if not d.in_force}
    assert stale == {"治安管理处罚法", "仲裁法"}
    bride_price = [d for d in statutes if d.law == "最高人民法院关于审理涉彩礼纠纷案件适用法律若干问题的规定"]
    assert len(bride_price) == 7 and all(d.in_force for d in bride_price)


def test_cases_have_facts_and_outcomes(cases: list[Document]) -> None:
    lawref = [d for d in cases if d.id.startswith("case:lawref:")]
    assert all(d.facts for d in lawref)
    assert sum(bool(d.outcome) for d in lawref) == 52
    cjrc = {d.id: d for d in cases if d.id.startswith("case:cjrc:")}
    first = cjrc["case:cjrc:dev:1"]
    assert first.cause == "变更抚养关系纠纷" and first.facts == first.text


def test_numerals_and_article_parsing() -> None:
    assert [cn_to_int(s) for s in ("一千零七十九", "十二", "二百八十八", "一百一十", "1079")] == [
        1079,
        12,
        288,
        110,
        1079,
    ]
    with pytest.raises(ValueError):
        cn_to_int("第一")
    text = "## 第一章 总则\n\n第一条 甲。\n\n第一百三十三条之一 乙。\n\n### 第一节 丙\n\n第二条 丁。\n"
    arts = find_articles(text)
    assert [(a.number, a.suffix, a.chapter, a.section) for a in arts] == [
        (1, None, "第一章 总则", None),
        (133, 1, "第一章 总则", None),
        (2, None, "第一章 总则", "第一节 丙"),
    ]
    assert text[arts[1].start : arts[1].end] == "第一百三十三条之一 乙。"
    assert article_label(133, 1) == "第133条之一"


@pytest.mark.skipif(not (SHARED_DATA / "laws").is_dir(), reason="source folder /work/shared/data not present")
def test_build_is_reproducible(tmp_path: Path) -> None:
    from tools.build_corpus import main

    assert main([str(SHARED_DATA), "--out", str(tmp_path)]) == 0
    for name in ("statutes.jsonl", "cases.jsonl"):
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes()
