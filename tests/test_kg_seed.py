"""The curated seed on its own (no server): it validates, every citation checks out, and bad rows are
reported with file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge_graph.loader import DEFAULT_SEED_DIR, load_statute_index, read_seed
from tests.kg_fixtures import STATUTES


@pytest.fixture(scope="module")
def statutes():  # type: ignore[no-untyped-def]
    return load_statute_index(STATUTES)


def test_seed_has_no_issues(statutes) -> None:  # type: ignore[no-untyped-def]
    seed = read_seed(DEFAULT_SEED_DIR, statutes)
    assert [str(i) for i in seed.issues] == []


def test_taxonomy_covers_the_standard_mediation_categories() -> None:
    seed = read_seed(DEFAULT_SEED_DIR)
    types = {t.name: t for _, t in seed.files["dispute_types.yaml"].rows("dispute_types")}
    labels = {label: t.name for t in types.values() for label in (t.name, *t.aliases)}
    for required in [
        "婚姻家庭",
        "邻里",
        "房屋宅基地",
        "土地承包",
        "山林土地",
        "合同",
        "债务",
        "借贷",
        "劳动争议",
        "劳资纠纷",
        "劳资劳动纠纷",
        "损害赔偿",
        "医疗",
        "交通事故",
        "物业",
        "消费",
        "环境污染",
        "征地拆迁",
        "生产经营",
        "公司",
        "校园",
        "继承",
        "治安",
    ]:
        assert any(required in label for label in labels), required
    assert labels["劳资纠纷"] == labels["劳动纠纷"] == labels["劳动争议"] == "劳动争议"
    assert all(len(t.keywords) >= 3 for t in types.values())
    level1 = [t for t in types.values() if t.parent is None]
    assert len(level1) >= 18 and len(types) - len(level1) >= 40


def _copy_seed(tmp_path: Path) -> Path:
    dst = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, dst)
    return dst


def test_bad_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    seed_dir = _copy_seed(tmp_path)
    path = seed_dir / "risk_signals.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    colour: 红\n", "    colour: 紫\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    colour: 紫") + 1
    seed = read_seed(seed_dir)
    assert [(i.file, i.line) for i in seed.issues] == [("risk_signals.yaml", line)]
    assert "colour" in seed.issues[0].message
    assert seed.blocked() == {"risk_signals.yaml": "有 1 处错误"}


def test_duplicate_alias_and_unknown_reference(tmp_path: Path) -> None:
    seed_dir = _copy_seed(tmp_path)
    path = seed_dir / "dispute_types.yaml"
    text = path.read_text(encoding="utf-8").replace("aliases: [医患纠纷,", "aliases: [劳资纠纷, 医患纠纷,", 1)
    path.write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "aliases: [劳资纠纷, 医患纠纷," in ln) - 1
    seed = read_seed(seed_dir)
    issue = next(i for i in seed.issues if i.file == "dispute_types.yaml")
    assert issue.line == line and "劳资纠纷" in issue.message
    # everything that refers to the dispute types is held back with it
    assert set(seed.blocked()) == {"dispute_types.yaml", "routing.yaml", "strategies.yaml"}


def test_quote_must_match_its_source(tmp_path: Path, statutes) -> None:  # type: ignore[no-untyped-def]
    seed_dir = _copy_seed(tmp_path)
    path = seed_dir / "deadline_rules.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("一般纠纷“5日办理”", "一般纠纷“3日办理”"), encoding="utf-8"
    )
    seed = read_seed(seed_dir, statutes)
    assert [i.file for i in seed.issues] == ["deadline_rules.yaml"]
    assert "原文不符" in seed.issues[0].message


def test_article_must_exist_in_the_statute_corpus(tmp_path: Path, statutes) -> None:  # type: ignore[no-untyped-def]
    seed_dir = _copy_seed(tmp_path)
    path = seed_dir / "routing.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("民法典 第1067条", "民法典 第1999条"), encoding="utf-8"
    )
    seed = read_seed(seed_dir, statutes)
    assert any("statute:民法典:1999" in i.message and i.file == "routing.yaml" for i in seed.issues)
    ids = {json.loads(line)["id"] for line in STATUTES.open(encoding="utf-8")}
    assert "statute:民法典:1067" in ids
