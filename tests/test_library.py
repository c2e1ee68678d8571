"""The law library: parsing LawRefBook's layout (issues name file and line, the rest is built), versions and
in force for an "as of" date, the shipped files' size, the STARD split, and chat's citation check.

Fast: the parser runs on a tiny collection written into a temp dir; no index is built here (the search
tests over the whole library are in tests/test_library_search.py).
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from brain.agents.chat.citations import REMOVED_MARK, article_number, check_citations
from ingest.library import apply_as_of, build_library

REPO = Path(__file__).resolve().parents[1]


def _db(path: Path, folder: str, rows: list[tuple[str, str, str | None, str | None, int]]) -> None:
    con = sqlite3.connect(path)
    con.execute(
        "create table category (id text, name text, folder text, isSubFolder int, 'group' text, 'order' int)"
    )
    con.execute(
        "create table law (id text, level text, name text, filename text, publish date, expired int, 'order' int,"
        " subtitle text, valid_from date, ver int, tags text, category_id text)"
    )
    con.execute("insert into category values ('c1', 'x', ?, 0, null, 1)", (folder,))
    for i, (level, name, publish, valid_from, expired) in enumerate(rows):
        con.execute(
            "insert into law values (?, ?, ?, null, ?, ?, null, null, ?, 1, null, 'c1')",
            (f"id{i}", level, name, publish, expired, valid_from),
        )
    con.commit()
    con.close()


LAW_2010 = "# 中华人民共和国示例法\n\n2010年1月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 旧文本第一条。\n\n第二条 旧文本第二条。\n"
LAW_2020 = (
    "# 中华人民共和国示例法\n\n2020年1月1日 修订\n\n2020年7月1日起施行\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n"
    "第一条 新文本第一条。\n\n第二条 新文本第二条。\n\n第二条 重复的第二条。\n"
)


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    root = tmp_path / "lawref"
    (root / "法律").mkdir(parents=True)
    (root / "法律" / "示例法(2010-01-01).md").write_text(LAW_2010, encoding="utf-8")
    (root / "法律" / "示例法(2020-01-01).md").write_text(LAW_2020, encoding="utf-8")
    (root / "法律" / "坏文件(2015-01-01).md").write_bytes(
        "# 坏文件\n\n第一条 正文\n".encode() + b"\xff\xfe broken\n"
    )
    (root / "法律" / "治安管理处罚法(2012-10-26).md").write_text(
        "# 治安管理处罚法\n\n<!-- INFO END -->\n\n第一条 为维护社会治安秩序，制定本法。\n", encoding="utf-8"
    )
    _db(
        root / "db.sqlite3",
        "法律",
        [
            ("法律", "示例法", "2010-01-01", "2010-01-01", 0),
            ("法律", "示例法", "2020-01-01", None, 0),
            ("法律", "坏文件", "2015-01-01", None, 0),
            ("法律", "缺失的法", "2019-01-01", None, 0),
            ("法律", "治安管理处罚法", "2012-10-26", "2013-01-01", 0),
        ],
    )
    local = root / "DLC" / "浙江地方法规"
    (local / "地方性法规" / "浙江").mkdir(parents=True)
    (local / "地方性法规" / "浙江" / "浙江省示例条例(2021-01-01).md").write_text(
        "# 浙江省示例条例\n\n<!-- INFO END -->\n\n第一条 本省示例。\n", encoding="utf-8"
    )
    _db(local / "db.sqlite3", "地方性法规/浙江", [("地方性法规", "浙江省示例条例", "2021-01-01", None, 0)])
    return root


def test_bad_files_are_named_with_line_and_the_rest_is_built(collection: Path) -> None:
    built = build_library(collection)
    issues = [str(i) for i in built.issues]
    assert any(i.startswith("法律/坏文件(2015-01-01).md:4: 不是有效的 UTF-8") for i in issues), issues
    assert any("缺失的法" in i and "找不到对应文件" in i for i in issues), issues
    ids = {d.id for d in built.documents}
    assert {"statute:示例法:1", "statute:示例法@2010-01-01:1", "statute:浙江省示例条例:1"} <= ids
    assert not any("坏文件" in i for i in ids)


def test_a_repeated_article_number_is_reported_and_kept_apart(collection: Path) -> None:
    built = build_library(collection)
    dup = [i for i in built.issues if "重复" in i.message]
    assert len(dup) == 1 and dup[0].file == "法律/示例法(2020-01-01).md" and dup[0].line == 15
    texts = {d.id: d.text for d in built.documents}
    assert texts["statute:示例法:2"] == "第二条 新文本第二条。"
    assert texts["statute:示例法:2~2"] == "第二条 重复的第二条。"


def test_exactly_one_version_is_in_force_on_a_date(collection: Path) -> None:
    docs = build_library(collection).documents
    first = {d.version: d for d in docs if d.law == "示例法" and d.article == 1}
    assert first["2020-01-01"].effective_date == date(
        2020, 7, 1
    )  # the header's 施行 line, not the publish date
    for day, current in (
        (date(2015, 1, 1), "2010-01-01"),
        (date(2020, 6, 30), "2010-01-01"),
        (date(2024, 1, 1), "2020-01-01"),
    ):
        apply_as_of(docs, day)
        assert [v for v, d in sorted(first.items()) if d.in_force] == [current], day
    apply_as_of(docs, date(2024, 1, 1))
    assert "已被2020-01-01版取代" in (first["2010-01-01"].superseded or "")
    apply_as_of(docs, date(2009, 1, 1))
    assert not any(d.in_force for d in first.values())


def test_a_revision_after_the_snapshot_supersedes_the_collected_text(collection: Path) -> None:
    docs = build_library(collection).documents
    (old,) = [d for d in docs if d.law == "治安管理处罚法"]
    apply_as_of(docs, date(2025, 12, 31))
    assert old.in_force and "将自2026-01-01起施行" in (old.superseded or "")
    apply_as_of(docs, date(2026, 1, 1))
    assert not old.in_force and "可能已被取代" in (old.superseded or "")
    (local,) = [d for d in docs if d.region]
    assert local.region == "浙江" and local.level == "地方性法规" and local.in_force


def test_the_shipped_library_is_complete_and_compressed() -> None:
    texts, articles, levels = set(), 0, set()
    with gzip.open(REPO / "data/library/national.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            texts.add((d["law"], d.get("version")))
            articles += d.get("article") is not None
            levels.add(d["level"])
    assert len(texts) >= 1450 and articles >= 60_000
    assert {"法律", "行政法规", "司法解释", "部门规章"} <= levels
    assert (REPO / "data/library/national.jsonl.gz").stat().st_size < 12 * 2**20


def test_stard_split_keeps_dev_out_of_training() -> None:
    def ids(name: str) -> list[int]:
        path = REPO / "eval/datasets" / name
        return [int(json.loads(line)["id"].split(":")[1]) for line in path.open(encoding="utf-8")]

    dev, train = ids("stard_dev.jsonl"), ids("stard_train.jsonl")
    assert dev and all(q % 5 == 0 for q in dev) and all(q % 5 for q in train)
    dev_questions = {json.loads(line)["query"] for line in (REPO / "eval/datasets/stard_dev.jsonl").open()}
    expanded = set()
    for line in (REPO / "data/library/stard_expansions.jsonl").open(encoding="utf-8"):
        expanded.update(json.loads(line)["questions"])
    assert expanded and not expanded & dev_questions


def test_citation_check_reads_chinese_numerals_and_names_the_version() -> None:
    known = {("民法典", 1165): "2020-05-28版", ("民法典", 1079): True}
    text = "依据《民法典》第一千一百六十五条，另见民法典第1079条和《民法典》第一千二百九十九条。"
    out, removed = check_citations(text, 0, lambda law, art: known.get((law, art), False))
    assert "《民法典》第一千一百六十五条（2020-05-28版）" in out
    assert "民法典第1079条" in out and "第1079条（" not in out
    assert removed == ["《民法典》第一千二百九十九条"] and out.count(REMOVED_MARK) == 1
    assert article_number("一千一百六十五") == 1165 and article_number("第") is None
