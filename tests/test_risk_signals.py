"""Colloquial risk signals (issue 14): threats, tools in a quarrel, self-harm, group action; negation and
reported past; and the dev set's figures through the eval suite (the command docs/intake.md names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from brain.agents.intake.risk import assess, detect_signals
from brain.agents.intake.risk_patterns import PATTERNS
from brain.agents.intake.taxonomy import load_risk_rules, load_taxonomy

RULES = load_risk_rules()
HOE = "我家和邻居因为宅基地边界吵了两年，昨天他儿子还拿着锄头到我家门口骂人，说再闹就让我好看。"


def names(text: str) -> dict[str, str]:
    return {s.name: s.level for s in detect_signals(text, RULES)}


def test_every_pattern_names_a_graph_signal() -> None:
    assert set(PATTERNS) <= {r.name for r in RULES}


def test_the_hoe_example_is_red_with_a_threat_and_a_tool() -> None:
    r = assess(HOE, "宅基地纠纷", load_taxonomy(), RULES)
    found = {s.name for s in r.signals}
    assert r.level in ("橙", "红")
    assert found & {"扬言报复", "言语威胁"} and found & {"持棍棒农具滋事", "持械或危险物品"}


@pytest.mark.parametrize(
    ("text", "signal", "level"),
    [
        ("他临走撂下一句“咱们走着瞧”。", "言语威胁", "橙"),
        ("老板说要给〔姓名1〕点颜色看看。", "言语威胁", "橙"),  # risk runs on redacted text
        ("他喝了酒跑到我家说要弄死你全家。", "扬言报复", "红"),
        ("他说要是拆他的猪圈，就跟我们同归于尽。", "扬言报复", "红"),
        ("两家吵起来，他回屋拿刀出来比划。", "持械或危险物品", "红"),
        ("他抄起棍子就冲过来骂我。", "持棍棒农具滋事", "橙"),
        ("他天天来堵我家门。", "滋扰报复", "橙"),
        ("讨债的人往我家墙上泼了红油漆。", "滋扰报复", "橙"),
        ("工钱再不给，我就从工地楼顶跳下去。", "扬言跳楼自杀", "红"),
        ("我妈说土地再被占她就喝农药。", "扬言跳楼自杀", "红"),
        ("工头说再闹就找人来收拾我们。", "纠集人员", "橙"),
        ("村民们商量下周集体上访。", "群体性聚集", "红"),
        ("十几户村民说再不解决就去堵路。", "群体性聚集", "红"),
    ],
)
def test_colloquial_signal_and_its_level(text: str, signal: str, level: str) -> None:
    assert names(text).get(signal) == level


@pytest.mark.parametrize(
    "text",
    [
        "两家吵了几句，他没拿刀，也没有动手，只是想请村里评评理。",
        "他并没有说过要弄死我，只是不肯赔钱。",
        "我不会跳楼的，只想讨个说法。",
        "他扛着锄头下地干活，路过我家时把篱笆碰倒了。",
        "邻居打农药飘到我家菜地，菜都蔫了。",
        "楼上装修噪音没完没了。",
        "游乐场的跳楼机是否属于特种设备？",
    ],
)
def test_negated_or_harmless_mentions_raise_nothing(text: str) -> None:
    assert not {n for n, lv in names(text).items() if lv in ("橙", "红")}


def test_a_threat_of_long_ago_is_kept_at_yellow_but_a_new_one_counts() -> None:
    past = detect_signals("他以前说过要弄死我，后来道歉了，现在主要是宅基地界线没划清。", RULES)
    assert [(s.name, s.level) for s in past] == [("扬言报复", "黄")] and "既往" in past[0].rule
    now = names("他以前就说过要弄死我，昨天又拿着刀来我家门口了。")
    assert now.get("持械或危险物品") == "红"


def test_dev_set_figures_beat_the_keyword_baseline(tmp_path: Path) -> None:
    from brain.service import Brain
    from brain.settings import load_settings
    from eval.risk import run_suite

    data = Path(__file__).resolve().parents[1] / "eval" / "datasets" / "risk_dev.jsonl"
    brain = Brain(load_settings("test", state_dir=str(tmp_path)))
    try:
        r = run_suite(brain, data, as_json=True)
    finally:
        brain.close()
    base = r["baselines"]["graph_keywords_only"]
    assert r["n_positive"] >= 50 and r["n_no_alarm"] >= 150 and not r["errors"]
    assert r["signal_recall"] >= 0.9 > base["signal_recall"]
    assert r["false_alarm_rate"] <= 0.05
