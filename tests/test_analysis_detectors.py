"""Detectors over the columnar case view, on a real SQLite store (no intake: the records carry their type).

Each test builds a small history, adds the cases that should (or should not) raise an alert, and checks the
alert's kind, colour, cases and the rule it states."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from brain.analysis.models import AnalysisAlertQuery, CaseRecord
from brain.analysis.service import AnalysisService
from brain.analysis.store import AnalysisStore, make_engine
from brain.analysis.text import collective_language, counterparties, person_hash

T0 = datetime(2026, 3, 2, 9, 0)
FILLER = [
    "邻居家装修噪音很大，晚上十点还在施工，多次沟通无果",
    "承包地边界有争议，对方把界桩挪了两米",
    "借给朋友三万元，到期不还，电话也不接",
    "婚后财产分割问题，想咨询离婚后孩子抚养权",
    "在超市买到过期食品，商家拒绝退货赔偿",
    "小区停车位被长期占用，物业不管",
    "工伤后单位不给报销医药费",
    "宅基地被邻居占用建了围墙",
]


def _svc(tmp_path: Path) -> AnalysisService:
    return AnalysisService(AnalysisStore(make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")))


def _case(
    i: int, at: datetime, village: str, typ: str, text: str, person: str | None = None, **kw: object
) -> CaseRecord:
    hashes = [person_hash("k", "id", person)] if person else [person_hash("k", "id", f"bg-{i}")]
    return CaseRecord(
        id=f"c{i:05d}",
        source=str(kw.pop("source", "12345")),
        received_at=at,
        county="清溪县",
        town=str(kw.pop("town", "城关镇")),
        village=village,
        type=typ,
        risk=str(kw.pop("risk", "黄")),
        text_redacted=text,
        person_hashes=hashes,
        **kw,  # type: ignore[arg-type]
    )


def _history(svc: AnalysisService, weeks: int = 8) -> int:
    """A busy village (东门社区: 3 land cases a week) and a quiet one (北关村: one case every two weeks)."""
    i = 0
    for w in range(weeks):
        for k in range(3):
            i += 1
            svc.register(
                _case(
                    i,
                    T0 + timedelta(days=7 * w + 2 * k),
                    "东门社区",
                    "土地承包纠纷",
                    f"第{i}件：{FILLER[i % 8]}{i}",
                )
            )
        if w % 2 == 0:
            i += 1
            svc.register(
                _case(
                    i,
                    T0 + timedelta(days=7 * w + 3),
                    "北关村",
                    "土地承包纠纷",
                    f"第{i}件：{FILLER[(i + 3) % 8]}{i}",
                )
            )
    return i


def _alerts(svc: AnalysisService, kind: str) -> list:  # type: ignore[type-arg]
    return svc.alerts(AnalysisAlertQuery(kind=kind)).items  # type: ignore[arg-type]


def test_hotspot_against_own_history(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    i = _history(svc)
    t = T0 + timedelta(weeks=8)
    for k in range(3):  # the busy village's usual week: no alarm
        i += 1
        svc.register(
            _case(i, t + timedelta(days=2 * k), "东门社区", "土地承包纠纷", f"本周第{k}件：{FILLER[k]}{i}")
        )
    assert _alerts(svc, "hotspot") == []
    for k in range(6):  # the quiet village suddenly has six
        i += 1
        svc.register(
            _case(
                i,
                t + timedelta(hours=8 * k),
                "北关村",
                "土地承包纠纷",
                f"北关村第{k}件：{FILLER[(k + 2) % 8]}{i}",
            )
        )
    (alert,) = _alerts(svc, "hotspot")
    assert alert.place.village == "北关村" and len(alert.case_ids) >= 5
    cell = alert.evidence["cells"][0]
    assert cell["p_value"] < svc.params.hotspot_alpha and cell["expected"] < 1.5
    assert "负二项" in alert.rule and "历史" in alert.rule


def test_hotspot_village_is_named_with_its_town(tmp_path: Path) -> None:
    """Two towns may each have a 东门社区: the busy one's history does not hide a burst in the other."""
    svc = _svc(tmp_path)
    i = _history(svc)  # 城关镇 东门社区: three land cases a week
    t = T0 + timedelta(weeks=8)
    for k in range(6):
        i += 1
        svc.register(
            _case(
                i,
                t + timedelta(hours=8 * k),
                "东门社区",
                "土地承包纠纷",
                f"青石{k}：{FILLER[k]}{i}",
                town="青石镇",
            )
        )
    (alert,) = _alerts(svc, "hotspot")
    assert (alert.place.town, alert.place.village) == ("青石镇", "东门社区")
    assert alert.evidence["cells"][0]["history_count"] == 0
    from brain.analysis.models import HotspotQuery

    cells = svc.hotspots(
        HotspotQuery(level="村", since=t - timedelta(days=1))
    ).cells  # GET /v1/analysis/hotspots
    by_town = {c.town: c for c in cells if c.place == "东门社区"}
    assert by_town["青石镇"].count == 6 and by_town["青石镇"].level is not None
    assert by_town["青石镇"].expected < 0.5  # against its own (empty) history, not 城关镇's 东门社区


def test_hotspot_town_cell_when_no_village_is_named(tmp_path: Path) -> None:
    """A hotline record often names the town only: such cases are tested in the town's cell."""
    svc = _svc(tmp_path)
    i = _history(svc)
    t = T0 + timedelta(weeks=8)
    for k in range(6):
        i += 1
        svc.register(
            _case(i, t + timedelta(hours=8 * k), "", "劳动争议", f"白河{k}：{FILLER[k]}{i}", town="白河乡")
        )
    (alert,) = _alerts(svc, "hotspot")
    assert (alert.place.town, alert.place.village) == ("白河乡", "") and len(alert.case_ids) == 6
    assert "白河乡" in alert.title


@pytest.mark.parametrize("small_count", [4, 5])
def test_hotspot_small_count_tier(tmp_path: Path, small_count: int) -> None:
    """Four cases of a type the quiet village never had fire only in the small-count tier (at its stricter
    alpha); four of the busy village's usual type never do."""
    from brain.analysis.alerting import AnalysisParams

    params = AnalysisParams(hotspot_small_count=small_count, hotspot_small_alpha=1e-5)
    svc = AnalysisService(AnalysisStore(make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")), params=params)
    i = _history(svc)
    t = T0 + timedelta(weeks=8)
    for k in range(4):
        i += 1
        svc.register(
            _case(i, t + timedelta(hours=12 * k), "东门社区", "土地承包纠纷", f"东门{k}：{FILLER[k]}{i}")
        )
    assert _alerts(svc, "hotspot") == []
    for k in range(4):
        i += 1
        svc.register(
            _case(
                i,
                t + timedelta(hours=9 * k),
                "北关村",
                "劳动争议",
                f"北关村第{k}件：{FILLER[(2 * k + 1) % 8]}{i}",
            )
        )
    got = _alerts(svc, "hotspot")
    if small_count == 5:  # the tier off: below hotspot_min_count nothing fires
        assert got == []
        return
    (alert,) = got
    cell = alert.evidence["cells"][0]
    assert alert.place.village == "北关村" and cell["count"] == 4 and cell["type"] == "劳动争议"
    assert cell["p_value"] < params.hotspot_small_alpha


def test_duplicate_links_to_first_and_is_not_counted_again(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    text = "村东头的养猪场污水直接排进河里，整条河都臭了，夏天根本没法开窗，希望环保部门尽快处理"
    a = svc.register(_case(1, T0, "新华村", "环境污染纠纷", text, person="A", source="12345"))
    b = svc.register(
        _case(
            2,
            T0 + timedelta(days=3),
            "新华村",
            "环境污染纠纷",
            "您好，" + text + "。谢谢！",
            person="A",
            source="来访",
        )
    )
    assert a.linked_to is None and b.linked_to == "c00001"
    (dup,) = _alerts(svc, "duplicate")
    assert dup.case_ids == ["c00001", "c00002"] and "Jaccard" in dup.rule
    from brain.analysis.queries import figures

    with svc.store.engine.connect() as conn:
        f = figures(conn, "县", "清溪县", T0, T0 + timedelta(days=10))
    assert f["total"].value == 2 and f["matters"].value == 1


def test_anonymous_duplicate_needs_the_same_town_and_village(tmp_path: Path) -> None:
    """Without a party the same text is a duplicate only from the same place: 新华村 of two towns differ."""
    svc = _svc(tmp_path)
    text = "村口的垃圾站一个月没人清运，臭气熏天，蚊蝇很多，希望有关部门尽快派人处理"

    def anon(i: int, days: int, town: str) -> CaseRecord:
        rec = _case(i, T0 + timedelta(days=days), "新华村", "环境污染纠纷", f"{text}（第{i}次）", town=town)
        return rec.model_copy(update={"person_hashes": []})

    assert svc.register(anon(1, 0, "城关镇")).linked_to is None
    assert svc.register(anon(2, 1, "青石镇")).linked_to is None  # another town's 新华村
    assert svc.register(anon(3, 2, "青石镇")).linked_to == "c00002"


def test_repeat_joins_id_and_phone_across_channels(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    idh, ph = person_hash("k", "id", "510101199001011234"), person_hash("k", "phone", "13800000000")
    texts = ["工资被拖欠三个月了", "我之前反映过，到现在没有解决，社保也没交", "再次反映：老板跑了找不到人"]
    groups = [[idh, ph], [ph], [idh]]
    for j, (t, g, src) in enumerate(zip(texts, groups, ["12345", "来访", "访情"], strict=True)):
        rec = _case(j + 1, T0 + timedelta(days=10 * j), "青石村", "劳动争议", t, town="青石镇", source=src)
        svc.register(rec.model_copy(update={"person_hashes": g}), parties=[g])
    (rep,) = _alerts(svc, "repeat")
    assert rep.case_ids == ["c00001", "c00002", "c00003"]
    assert rep.evidence["channels"] == ["12345", "来访", "访情"] and rep.level == "橙"


REWORDED = [  # one matter told by six people in their own words: the places kept, few 3-grams shared
    "河滨路从菜市场到小学门口这一段的路灯已经坏了半个多月，晚上黑漆漆的，孩子放学和老人买菜都很危险，请尽快修好。",
    "反映河滨路路灯不亮的问题，菜市场到学校那段一到晚上就一片漆黑，已经有人摔倒了，希望相关部门赶紧维修。",
    "你好，河滨路上菜市场往小学方向的路灯坏了好久了，夜里走路看不见，电动车也容易撞人，麻烦派人修一下。",
    "投诉：河滨路路灯半个月没亮，菜市场到小学这段路晚上漆黑一片，存在安全隐患。",
    "我家住河滨路，门口到小学那一段的路灯一直不亮，晚上接孩子只能打手电，什么时候能修好？",
    "河滨路菜市场附近的路灯坏了很多天，晚上路过特别黑，昨天我差点摔了一跤，请市政抓紧处理。",
]


@pytest.mark.parametrize("word_jaccard_min", [0.0, 0.15])
def test_emerging_finds_a_reworded_matter_by_its_rare_words(tmp_path: Path, word_jaccard_min: float) -> None:
    """Character 3-gram Jaccard between these is 0.01-0.07 (the bar is 0.3) and the static embedder's cosine
    0.53-0.72 (the bar alone is 0.92): only the IDF-weighted overlap of their words (河滨, 菜市场, 路灯, 小学 …,
    IDF over a month of other complaints) with cosine ≥ 0.55, within one town, ties them into one 苗头."""
    from brain.analysis.alerting import AnalysisParams
    from brain.analysis.factory import build_encoder
    from brain.settings import load_settings

    svc = _svc(tmp_path)
    svc.params = AnalysisParams(word_jaccard_min=word_jaccard_min)
    svc.index.params = svc.params
    svc.index.encode = build_encoder(load_settings("test", state_dir=str(tmp_path)))  # the shipped embedder
    assert svc.index.encode is not None
    pool = Path(__file__).resolve().parents[1] / "eval" / "datasets" / "analysis_texts.jsonl"
    other = [json.loads(line)["text"] for line in pool.open(encoding="utf-8")][:300]
    for i, text in enumerate(other):  # a month of other complaints (public texts) in the window
        village, town = [("东门社区", "城关镇"), ("沙坪村", "白河乡"), ("青石村", "青石镇")][i % 3]
        svc.register(_case(1000 + i, T0 + timedelta(hours=2.4 * i), village, "邻里纠纷", text, town=town))
    at = T0 + timedelta(days=31)
    for j, text in enumerate(REWORDED):
        svc.register(
            _case(j + 1, at + timedelta(hours=9 * j), "沙坪村", "其他", text, person=f"P{j}", town="白河乡")
        )
    found = [a for a in _alerts(svc, "emerging") if set(a.case_ids) & {f"c{j + 1:05d}" for j in range(6)}]
    if word_jaccard_min:
        (em,) = found
        assert {f"c{j + 1:05d}" for j in range(6)} == set(em.case_ids), (
            em.case_ids
        )  # the background joined none
        assert "词语重合" in em.rule and em.evidence["best_word_overlap"] >= 0.15
    else:
        assert found == []


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("phone", "13800138000", "+86 138-0013-8000"),
        ("phone", "13800138000", "0086 (138) 0013 8000"),
        ("id", "11010519491231002X", "110105 19491231 002x"),
    ],
)
def test_one_person_however_the_channel_writes_the_identifier(kind: str, a: str, b: str) -> None:
    """The analysis' own hash follows the ledger's normalisation (``brain/ledger/crypto.py: normalise``), and
    the ledger takes an ID number with spaces or a lower-case x: the hotline's 138-0013-8000 and the visit
    desk's 13800138000 are one complainant."""
    from brain.ledger.crypto import Vault
    from brain.ledger.schema import PartyIn

    assert person_hash("k", kind, a) == person_hash("k", kind, b)
    assert person_hash("k", kind, a) != person_hash("k", kind, a[:-1] + "1")
    vault = Vault("s")
    field = "id_number" if kind == "id" else "phone"
    pa, pb = PartyIn(**{field: a}), PartyIn(**{field: b})
    assert vault.hash(field, getattr(pa, field)) == vault.hash(field, getattr(pb, field))


def test_collective_counts_people_and_turns_red_on_group_language(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    bodies = [
        "宏达建筑劳务有限公司拖欠我们工资两个月",
        "在宏达建筑劳务有限公司的工地干了半年，钱一直没结",
        "我是宏达建筑劳务有限公司的工人，老板说没钱",
    ]
    for j, b in enumerate(bodies):
        svc.register(
            _case(
                j + 1,
                T0 + timedelta(days=j),
                ["石桥村", "龙潭村", "上坝村"][j],
                "劳动争议",
                b,
                person=f"W{j}",
                town="青石镇",
            )
        )
    (al,) = _alerts(svc, "collective")
    assert (
        al.level == "蓝"
        and al.evidence["people"] == 3
        and al.evidence["counterparty"] == "宏达建筑劳务有限公司"
    )
    r = svc.register(
        _case(
            9,
            T0 + timedelta(days=4),
            "石桥村",
            "劳动争议",
            "宏达建筑劳务有限公司再不给钱，工友们就去县政府集体上访",
            person="W9",
            town="青石镇",
        )
    )
    changes = [c for c in r.changes if c.alert.kind == "collective"]
    assert changes and changes[0].change == "escalated" and changes[0].alert.level == "红"
    assert "集体上访" in changes[0].alert.rule


def test_collective_joins_one_organisation_named_in_different_words(tmp_path: Path) -> None:
    """Complainants do not spell the company the same way; 阳光幼儿园 / 阳光医院 / 阳光公司 are three objects."""
    svc = _svc(tmp_path)
    bodies = [
        ("宏达建筑劳务有限公司拖欠我们工资两个月", "W1"),
        ("阳光幼儿园乱收费", "P1"),
        ("宏达公司欠我半年工钱，老板不接电话", "W2"),
        ("阳光医院多收检查费", "P2"),
        ("在宏达建筑工地干活，钱一直没结", "W3"),
        ("阳光公司的货车压坏了村道", "P3"),
    ]
    for j, (body, who) in enumerate(bodies):
        svc.register(
            _case(j + 1, T0 + timedelta(days=j), "石桥村", "劳动争议", body, person=who, town="青石镇")
        )
    (al,) = _alerts(svc, "collective")
    assert al.evidence["counterparty_key"] == "宏达/企" and al.evidence["people"] == 3
    assert al.case_ids == ["c00001", "c00003", "c00005"] and "宏达建筑工地" in al.title


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("宏达建筑劳务有限公司", "宏达/企"),
        ("宏达公司", "宏达/企"),
        ("新纪元房地产开发有限公司", "新纪元/企"),
        ("新纪元楼盘", "新纪元/企"),
        ("金沙湾小区物业", "金沙湾/企"),
        ("华美化工厂", "华美/企"),
        ("阳光幼儿园", "阳光/学"),
        ("阳光医院", "阳光/医"),
        ("张明公司", "张明/企"),  # never cut below two characters
        ("新华书店", "新华书店/企"),  # a head the extractor does not know stays whole
    ],
)
def test_counterparty_key(name: str, key: str) -> None:
    from brain.analysis.text import counterparty_key

    assert counterparty_key(name) == key


def test_emerging_needs_different_people(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    base = "最近每天晚上小区附近都有一股刺鼻的化学气味，闻了头晕恶心，老人孩子都不敢出门，怀疑是附近工业园偷排废气"
    variants = [
        base,
        "你好，" + base,
        base.replace("刺鼻", "难闻") + "，希望尽快处理",
        "我要投诉：" + base.replace("最近", "这几天"),
    ]
    for j, v in enumerate(
        variants
    ):  # one person four times: a repeat/duplicate matter, not an emerging issue
        svc.register(_case(j + 1, T0 + timedelta(hours=j), "河滨社区", "环境污染纠纷", v, person="same"))
    assert _alerts(svc, "emerging") == []
    for j, v in enumerate(variants):
        svc.register(
            _case(
                10 + j,
                T0 + timedelta(days=2, hours=j),
                ["河滨社区", "文昌社区"][j % 2],
                "环境污染纠纷",
                v,
                person=f"P{j}",
            )
        )
    (em,) = _alerts(svc, "emerging")
    assert em.evidence["people"] >= 4 and "MinHash" in em.rule


def test_escalation_between_the_same_two_people(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    a, b = [person_hash("k", "id", "A")], [person_hash("k", "id", "B")]
    first = _case(1, T0, "桃园村", "邻里纠纷", "两家因为排水沟的事吵了起来", town="松林镇", risk="黄")
    svc.register(first.model_copy(update={"person_hashes": a + b}), parties=[a, b])
    assert _alerts(svc, "escalation") == []
    second = _case(
        2,
        T0 + timedelta(days=20),
        "桃园村",
        "邻里纠纷",
        "对方又把沟堵了，还扬言要拿刀砍人",
        town="松林镇",
        risk="红",
    )
    svc.register(second.model_copy(update={"person_hashes": b + a}), parties=[b, a])
    (esc,) = _alerts(svc, "escalation")
    assert esc.level == "红" and esc.case_ids == ["c00001", "c00002"] and "扬言" in esc.rule


def test_rebound_after_resolution(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    svc.register(
        _case(
            1,
            T0,
            "梅岭村",
            "土地承包纠纷",
            "承包地边界争议已调解",
            person="R",
            town="梅岭乡",
            resolved_at=T0 + timedelta(days=5),
        )
    )
    svc.register(
        _case(
            2,
            T0 + timedelta(days=40),
            "梅岭村",
            "土地承包纠纷",
            "对方不履行协议，又把界桩挪了",
            person="R",
            town="梅岭乡",
        )
    )
    (rb,) = _alerts(svc, "rebound")
    assert rb.case_ids == ["c00001", "c00002"]


def test_restart_rebuilds_the_text_window(tmp_path: Path) -> None:
    svc = _svc(tmp_path)
    base = "镇上那家砖厂每天凌晨冒黑烟，烟尘落在晒的衣服和菜地上，呛得人睡不着觉，反映多次没有结果"
    for j in range(3):
        svc.register(
            _case(
                j + 1,
                T0 + timedelta(hours=j),
                "沙坪村",
                "环境污染纠纷",
                base + "。" * j,
                person=f"X{j}",
                town="白河乡",
            )
        )
    again = _svc(tmp_path)  # a new process over the same database
    again.register(
        _case(
            9, T0 + timedelta(hours=5), "沙坪村", "环境污染纠纷", "你好，" + base, person="X9", town="白河乡"
        )
    )
    (em,) = _alerts(again, "emerging")
    assert set(em.case_ids) == {"c00001", "c00002", "c00003", "c00009"}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("我是鑫源建筑劳务有限公司的工人", ["鑫源建筑劳务有限公司"]),
        ("小区的华宇物业服务有限公司乱收费", ["华宇物业服务有限公司"]),
        ("某某公司欠钱不还，该公司老板跑了", []),
        # the request before the name is not part of it (one complainant of five was keyed "要求尽快处理鑫源")
        ("要求尽快处理鑫源化工厂的排污问题", ["鑫源化工厂"]),
        ("请求查处宏达建筑劳务有限公司拖欠工资", ["宏达建筑劳务有限公司"]),
        # when is not who: no 小区 is named here, one is in the second
        ("最近每天晚上小区附近都有一股刺鼻的化学气味", []),
        ("这几天每天晚上阳光小区停水", ["阳光小区"]),
    ],
)
def test_counterparty_extraction(text: str, want: list[str]) -> None:
    assert counterparties(text) == want


def test_collective_language_needs_a_group() -> None:
    assert collective_language("我们几十个工人明天去堵路") == ["堵路"]
    assert collective_language("听说有人堵路") == []


def test_history_count_equals_the_plain_distinct_count(tmp_path: Path) -> None:
    """The join-free history count (cells.distinct_matters) against count(DISTINCT coalesce(matter, id))
    over the join, on a store with duplicates, repeats and text clusters, for many places, types and ranges."""
    import random

    import sqlalchemy as sa

    from brain.analysis.cells import _counted, distinct_matters
    from brain.analysis.store import cases

    svc = _svc(tmp_path)
    i = _history(svc, weeks=4)
    rnd = random.Random(3)
    for k in range(40):  # the same few complaints again and again: duplicates, repeats, clusters
        i += 1
        person = f"p{rnd.randrange(6)}"
        village = rnd.choice(["北关村", "东门社区"])
        text = f"{FILLER[rnd.randrange(3)]}，再次反映"
        at = T0 + timedelta(days=28, hours=7 * k)
        svc.register(_case(i, at, village, rnd.choice(["土地承包纠纷", "邻里纠纷"]), text, person))
    merged = 0
    with svc.store.engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM analysis_features WHERE matter IS NOT NULL"
        ).scalar()
        for _ in range(60):
            t0 = T0 + timedelta(hours=rnd.randrange(0, 24 * 40))
            t1 = t0 + timedelta(hours=rnd.randrange(1, 24 * 30))
            cond = [cases.c.village == rnd.choice(["北关村", "东门社区"])]
            if rnd.random() < 0.5:
                cond.append(cases.c.type == rnd.choice(["土地承包纠纷", "邻里纠纷"]))
            plain = conn.execute(
                _counted(*cond, cases.c.received_at >= t0, cases.c.received_at <= t1)
            ).scalar_one()
            assert distinct_matters(conn, cond, t0, t1) == plain
            rows = conn.execute(
                sa.select(sa.func.count())
                .select_from(cases)
                .where(*cond, cases.c.received_at >= t0, cases.c.received_at <= t1)
            ).scalar_one()
            merged += plain < rows
    assert merged  # some ranges hold cases that count with another (the check is not just count(*))


def test_scan_tail_finds_a_four_day_burst_the_fixed_windows_blur() -> None:
    """Six cases over four days in a cell that expects 1.2 a week: the 7-day window (seven with one
    background case) and the 3-day window (four of them) are weaker than the window that starts at the
    burst's first case; with the Bonferroni factor for the windows scanned the scan still wins (by ~1.5×: the
    posterior's own uncertainty, 12 windows of history, dominates the tail). The same
    six cases spread over the week are not a burst."""
    from brain.analysis.alerting import AnalysisParams
    from brain.analysis.cells import nb_tail
    from brain.analysis.hotspot import scan_tail

    params = AnalysisParams(hotspot_scan=True)
    at = T0 + timedelta(days=30)
    shape, rate = 1.2 * 12, 12.0  # 12 windows of history at 1.2 a window (the prior left out)
    burst = [at - timedelta(hours=h) for h in (0, 15, 30, 50, 70, 92)]
    old = [at - timedelta(days=6)]
    fixed7 = nb_tail(7, shape, rate)
    fixed3 = nb_tail(4, shape, rate * 7 / 3)
    p, count, days = scan_tail(burst + old, at, shape, rate, params)
    assert count == 6 and 3.8 < days < 3.9
    assert p < min(fixed7, fixed3) / 1.4, (p, fixed7, fixed3)
    spread = [at - timedelta(days=d) for d in (0, 1.2, 2.4, 3.6, 4.8, 6.0)]
    assert scan_tail(spread, at, shape, rate, params)[0] > 1e-3
    # the penalty: Bonferroni over the three windows with ≥ 5 matters here (from the 5th, 6th, 7th latest), or
    # a fixed factor
    fixed = params.model_copy(update={"hotspot_scan_penalty": 1})
    assert scan_tail(burst + old, at, shape, rate, fixed)[0] == pytest.approx(p / 3)


@pytest.mark.parametrize(("scan", "cap"), [(True, 100), (False, 100), (True, 4)])
def test_a_burst_intake_split_over_types_is_seen_by_the_scan(tmp_path: Path, scan: bool, cap: int) -> None:
    """A quiet village (one case a week) gets seven cases over four days, each filed under another type (the
    classifier split one burst): no type cell fires, nor the village's 7- or 3-day total; the scan's window
    from the burst's first case does (and says so in its evidence). With the scan off, or in a cell above
    ``hotspot_scan_max_count`` (here 4: the burst fires from 5 matters on): no alert."""
    from brain.analysis.alerting import AnalysisParams

    types = [
        "邻里纠纷",
        "婚姻家庭纠纷",
        "劳动争议",
        "债务纠纷",
        "消费纠纷",
        "物业纠纷",
        "交通事故纠纷",
        "医疗纠纷",
    ]
    svc = _svc(tmp_path)
    svc.params = AnalysisParams(hotspot_scan=scan, hotspot_scan_max_count=cap)
    svc.index.params = svc.params
    i = 0
    for w in range(10):
        for village, n in (("北关村", 1), ("东门社区", 2)):
            for k in range(n):
                i += 1
                at = T0 + timedelta(days=7 * w + 3 * k + (village == "北关村"))
                svc.register(_case(i, at, village, types[i % 8], f"第{i}件：{FILLER[i % 8]}{i}"))
    t = T0 + timedelta(weeks=10)
    for k, hours in enumerate((0, 15, 30, 45, 60, 75, 92)):
        i += 1
        svc.register(
            _case(i, t + timedelta(hours=hours), "北关村", types[k], f"北关{k}：{FILLER[(k + 3) % 8]}{i}")
        )
    found = _alerts(svc, "hotspot")
    if not scan or cap < 5:
        assert found == []
        return
    (alert,) = found
    assert alert.place.village == "北关村" and "全部类型" in alert.title
    cells = alert.evidence["cells"]
    assert [c["scan"] for c in cells if c.get("scan")] == [True] and len(cells) == 1
    assert 3.5 < cells[0]["window_days"] < 4 and cells[0]["count"] == 7
    assert "扫描" in alert.rule and "窗口数" in alert.rule


@pytest.mark.parametrize("group_alpha", [3e-5, 0.0])
def test_a_burst_split_between_related_types_is_seen_by_their_group(
    tmp_path: Path, group_alpha: float
) -> None:
    """A busy village (three cases a day, none about contracts or debts) gets three 合同纠纷 and three 债务纠纷
    in three days — one matter that intake split between two related types. No type cell reaches the
    small-count tier and the village's total stays within its usual spread; the group cell 经济往来类 fires
    and names its types. With group cells off (``hotspot_group_alpha`` 0, the default) nothing fires."""
    from brain.analysis.alerting import AnalysisParams

    usual = ["邻里纠纷", "婚姻家庭纠纷", "劳动争议", "消费纠纷", "物业纠纷"]
    svc = _svc(tmp_path)
    svc.params = AnalysisParams(hotspot_group_alpha=group_alpha)  # off by default
    svc.index.params = svc.params
    pool = Path(__file__).resolve().parents[1] / "eval" / "datasets" / "analysis_texts.jsonl"
    texts = iter(json.loads(line)["text"] for line in pool.open(encoding="utf-8"))  # distinct public texts
    i = 0
    for d in range(70):
        for k in range(3):  # three a day in 东门社区
            i += 1
            at = T0 + timedelta(days=d, hours=2 + 7 * k)
            svc.register(_case(i, at, "东门社区", usual[i % 5], next(texts)))
        if d % 14 == 0:  # the county has a few contract cases elsewhere
            i += 1
            svc.register(_case(i, T0 + timedelta(days=d), "北关村", "合同纠纷", next(texts)))
    burst = [
        "装修队收了定金一直不开工，现在人也联系不上",
        "借给同村人三万块钱，说好年底还，到现在一分没还",
        "买的农机用了两天就坏，卖家不肯按合同换货",
        "合伙开的小卖部散伙了，欠我的货款一直拖着",
        "承包鱼塘的合同没到期，村里要提前收回",
        "帮人担保贷款，他跑了，银行找我还钱",
    ]
    t = T0 + timedelta(days=70)
    for k, text in enumerate(burst):
        i += 1
        typ = "合同纠纷" if k % 2 == 0 else "债务纠纷"
        svc.register(_case(i, t + timedelta(hours=12 * k), "东门社区", typ, text))
    found = _alerts(svc, "hotspot")
    if group_alpha == 0:
        assert found == []
        return
    (alert,) = found
    assert alert.place.village == "东门社区" and "经济往来类" in alert.title and "合同纠纷" in alert.title
    cells = alert.evidence["cells"]
    assert [c["type"] for c in cells] == ["经济往来类（合同纠纷、债务纠纷、生产经营纠纷）"] * len(cells)
    assert max(c["count"] for c in cells) == 6
    assert min(c["p_value"] for c in cells) < svc.params.hotspot_group_alpha
    assert all(c["alpha"] == svc.params.hotspot_group_alpha for c in cells)


def test_an_index_added_later_is_created_on_an_existing_store(tmp_path: Path) -> None:
    """``create_all`` skips tables that exist: a store made before an index was added gets it on start."""
    import sqlalchemy as sa

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    AnalysisStore(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_cases_place_time")
    assert "ix_cases_place_time" not in {i["name"] for i in sa.inspect(engine).get_indexes("cases")}
    AnalysisStore(engine)
    assert "ix_cases_place_time" in {i["name"] for i in sa.inspect(engine).get_indexes("cases")}
