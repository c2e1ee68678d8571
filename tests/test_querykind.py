"""The fusion switch (brain/retrieval/querykind.py) and the question index's chapter stage.

The lay/legal rule is checked against what it was derived from: the STARD **train** questions and the
library's 法律/行政法规 articles (no dev set is read here).
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np

from brain.retrieval.querykind import is_lay_question, query_kind
from brain.retrieval.questions import QuestionIndex
from brain.types import Chunk, Document, SearchFilters

REPO = Path(__file__).resolve().parents[1]


def test_train_questions_are_lay_and_articles_are_not() -> None:
    train = [json.loads(line)["query"] for line in (REPO / "eval/datasets/stard_train.jsonl").open()]
    assert sum(map(is_lay_question, train)) / len(train) >= 0.99
    articles = []
    with gzip.open(REPO / "data/library/national.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if '"level": "法律"' in line or '"level": "行政法规"' in line:
                articles.append(json.loads(line)["text"])
    sample = random.Random(0).sample(articles, 3000)
    assert sum(map(is_lay_question, sample)) / len(sample) <= 0.01


def test_only_statute_searches_can_be_lay() -> None:
    q = "超市卖过期食品要赔多少"
    assert query_kind(q, SearchFilters(kind="statute")) == "lay"
    assert query_kind(q, SearchFilters(law="食品安全法")) == "lay"
    assert query_kind(q, SearchFilters()) == "mixed"
    assert query_kind(q, SearchFilters(kind="case")) == "mixed"
    legal = "消费者因不符合食品安全标准的食品受到损害的，可以向经营者要求赔偿损失。"
    assert query_kind(legal, SearchFilters(kind="statute")) == "legal"
    story = "请问" + "某甲与某乙因宅基地发生争执，" * 10 + "怎么办？"  # long: no lay question, a narrative
    assert query_kind(story, SearchFilters(kind="statute")) == "narrative"
    assert query_kind(story, SearchFilters()) == "mixed"
    pasted = "2019年3月，王某入职某物流公司，双方未签订书面劳动合同。" * 4  # what a mediator pastes in
    assert query_kind(pasted, SearchFilters(kind="statute")) == "narrative"
    assert query_kind(legal * 3, SearchFilters(kind="statute")) == "legal"


def test_few_articles_read_as_narratives_and_no_train_question_does() -> None:
    """The narrative rule (X某, dated events) on library text (法律/行政法规/司法解释 sample) and STARD train."""
    from brain.retrieval.querykind import is_narrative

    train = [json.loads(line)["query"] for line in (REPO / "eval/datasets/stard_train.jsonl").open()]
    assert not any(is_narrative(q) and not is_lay_question(q) for q in train)
    texts = []
    with gzip.open(REPO / "data/library/national.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if any(f'"level": "{lv}"' in line for lv in ("法律", "行政法规", "司法解释")):
                texts.append(json.loads(line)["text"])
    sample = random.Random(0).sample(texts, 3000)
    assert sum(is_narrative(t) and not is_lay_question(t) for t in sample) / len(sample) <= 0.01


def _statute(law: str, article: int, chapter: str, text: str) -> tuple[Document, Chunk]:
    doc_id = f"statute:{law}:{article}"
    doc = Document(
        id=doc_id,
        kind="statute",
        title=f"《{law}》第{article}条",
        text=text,
        law=law,
        article=article,
        chapter=chapter,
    )
    chunk = Chunk(
        id=f"{doc_id}#0",
        doc_id=doc_id,
        text=text,
        start=0,
        end=len(text),
        kind="statute",
        title=doc.title,
        law=law,
        article=article,
    )
    return doc, chunk


def test_chapter_stage_scores_an_uncited_article_through_its_chapter(tmp_path: Path) -> None:
    pairs = [
        _statute(
            "食品安全法", 131, "第九章 法律责任", "网络食品交易第三方平台提供者未对入网食品经营者进行实名登记"
        ),
        _statute("食品安全法", 148, "第九章 法律责任", "消费者因不符合食品安全标准的食品受到损害的"),
        _statute("食品安全法", 33, "第四章 食品生产经营", "食品生产经营应当符合食品安全标准"),
        _statute("民法典", 1079, "第四章 离婚", "夫妻一方要求离婚的，可以由有关组织进行调解"),
    ]
    docs = {d.id: d for d, _ in pairs}
    chunks = [c for _, c in pairs]
    expansions = {("食品安全法", 131): ["网购了质量不合格的食品，能否要求购物平台赔偿？"]}
    built = QuestionIndex.build(chunks, docs, expansions)
    built.save(tmp_path / "q")
    index = QuestionIndex.load(tmp_path / "q", len(chunks))
    scores = index.search_chapters("买到不合格食品能要求赔偿吗")
    unit = index.chapter_of
    assert unit[0] == unit[1] != unit[2] and unit[3] not in (unit[0], unit[2])
    assert scores[int(unit[1])][1] == 1.0  # 第148条 is uncited, but its chapter ranks first
    assert scores.get(int(unit[3]), (0.0, 0.0))[0] < scores[int(unit[1])][0]
    assert np.array_equal(index.chapter_of, built.chapter_of)


def test_saved_question_index_keeps_its_embeddings(tmp_path: Path) -> None:
    """The question-dense features were always 0 at search time when the embeddings were not saved."""
    vectors = np.eye(1, 4, dtype=np.float32)
    index = QuestionIndex(None, [[0]], np.ones(1, dtype=np.float32), vectors=vectors)
    index.save(tmp_path / "q")
    loaded = QuestionIndex.load(tmp_path / "q", 1)
    assert loaded.search_dense(vectors[0], 5, None) == [(0, 1.0)]
