"""Contract suite for the graph store, run against every back end in ``tests.kg_fixtures.backend``:
the embedded ArcadeDB server over Bolt always, the in-memory reference (knowledge_graph/memory.py) always,
a real Neo4j when NEO4J_TEST_URI is set (marker real_neo4j). Everything goes through GraphService, the
loader and the named queries; only the store behind them changes."""

from __future__ import annotations

import json

import pytest

from brain.errors import InputError, NotFoundError
from knowledge_graph.loader import DEFAULT_SEED_DIR, load, read_seed
from knowledge_graph.queries import NAMED_QUERIES
from tests.kg_fixtures import STATUTES, Backend, backend, embedded_server  # noqa: F401

pytestmark = pytest.mark.slow


def test_seed_loaded_on_start_and_reload_keeps_counts(backend: Backend) -> None:  # noqa: F811
    g = backend.service
    before = g.stats()
    assert before["nodes"]["DisputeType"] == 72 and before["nodes"]["Level"] == 5
    report = g.load_seed()
    assert report.ok and all(f.status == "已写入" for f in report.files)
    assert g.stats() == before


def test_every_dispute_type_is_fully_linked(backend: Backend) -> None:  # noqa: F811
    """Each type: a department, a mediation body, an article that exists in the statute corpus (same law and
    article), a deadline rule, and a cited source for its routes."""
    statute_ids = {json.loads(line)["id"] for line in STATUTES.open(encoding="utf-8")}
    rows = backend.service.run_named("type_coverage")
    assert len(rows) == 72
    for r in rows:
        assert r["departments"] >= 1, r
        assert r["mediation_orgs"] >= 1, r
        assert r["articles"] and set(r["articles"]) <= statute_ids, r
        assert len(r["deadlines"]) == 1, r
        routes = backend.service.routing_candidates(r["name"], "村")
        assert routes and all(x["cite"] and x["quote"] and x["reason"] for x in routes), r["name"]
        arts = backend.service.governing_articles(r["name"])
        assert all(a["law"] and a["article"] and a["why"] for a in arts)


def test_neighbour_dispute_routes_village_town_county(backend: Backend) -> None:  # noqa: F811
    chain = backend.service.route_chain("邻里纠纷", level="村")
    assert [(c["level"], c["org"]) for c in chain] == [
        ("村", "村（居）民调解委员会"),
        ("乡镇", "乡镇（街道）人民调解委员会"),
        ("县", "县级综治中心"),
    ]
    assert chain[0]["step_reason"] is None and "小事不出村" in chain[0]["reason"]
    assert "攻坚化解" in chain[1]["step_reason"] and "大事不出镇" in chain[1]["reason"]
    assert "访调援诉" in chain[2]["step_reason"] and chain[2]["cite"] == "报告:汉台"
    # aliases work for the type and the level; a sub-type inherits its parent's chain
    again = backend.service.route_chain("邻里矛盾", level="社区")
    assert [c["org"] for c in again] == [c["org"] for c in chain]
    sub = backend.service.route_chain("噪声扰民纠纷", level="乡镇")
    assert sub[0]["org"] == "乡镇（街道）人民调解委员会" and sub[0]["via_type"] == "邻里纠纷"


def test_specialised_bodies_and_region(backend: Backend) -> None:  # noqa: F811
    g = backend.service
    medical = g.routing_candidates("医患纠纷", level="县")
    first = [r["org"] for r in medical if r["priority"] == 1]
    assert "医疗纠纷人民调解委员会" in first and "卫生健康局" in first
    labour = {r["org"]: r for r in g.routing_candidates("劳资纠纷", level="乡镇")}
    assert labour["劳动争议调解组织"]["cite"] == "劳动争议调解仲裁法 第10条"
    assert "劳动人事争议仲裁委员会" in labour
    generic = {r["org"] for r in g.routing_candidates("婚姻家庭纠纷", level="县")}
    local = {r["org"] for r in g.routing_candidates("婚姻家庭纠纷", level="县", region="汉中市汉台区")}
    assert generic <= local


def test_escalation_deadline_strategies_articles(backend: Backend) -> None:  # noqa: F811
    g = backend.service
    assert [r["level"] for r in g.escalation_chain("村")] == ["乡镇", "县", "市", "省"]
    d = g.deadline("复杂")
    assert d is not None and d["max_days"] == 60 and d["routing_max_days"] == 1
    assert g.deadline("重大")["limit"] == "领导包案"  # type: ignore[index]
    names = {s["name"] for s in g.strategies("医疗纠纷")}
    assert {"第三方评估", "专家调解", "背对背调解"} <= names
    arts = g.governing_articles("赡养纠纷")
    assert arts[0]["id"] == "statute:民法典:1067" and arts[0]["inherited"] == 0
    assert any(a["inherited"] == 1 for a in arts)  # the parent's articles come after the type's own


def test_stationed_taxonomy_risk_signals(backend: Backend) -> None:  # noqa: F811
    g = backend.service
    resident = {r["org"] for r in g.stationed(centre="县级综治中心", mode="常驻")}
    assert {
        "信访接待中心",
        "公共法律服务中心",
        "诉讼服务中心",
        "检察服务中心",
        "网格化服务管理中心",
    } <= resident
    hantai = {(r["org"], r["mode"]) for r in g.stationed(region="汉中市汉台区")}
    linwei = {(r["org"], r["mode"]) for r in g.stationed(region="渭南市临渭区")}
    assert ("卫生健康局", "随驻") in hantai and ("卫生健康局", "轮驻") in linwei
    tax = g.taxonomy()
    labour = next(t for t in tax if t["name"] == "劳动争议")
    assert "劳资劳动纠纷" in labour["aliases"] and labour["parent"] is None
    assert next(t for t in tax if t["name"] == "拖欠工资纠纷")["parent"] == "劳动争议"
    colours = {s["name"]: s["colour"] for s in g.risk_signals()}
    assert colours["扬言跳楼自杀"] == "红" and colours["易反弹"] == "黄"


def test_every_named_query_runs(backend: Backend) -> None:  # noqa: F811
    for q in NAMED_QUERIES.values():
        rows = backend.service.run_named(q.name, q.example)
        assert isinstance(rows, list), q.name
        if q.name != "cases":
            assert rows, q.name


def test_bad_query_input(backend: Backend) -> None:  # noqa: F811
    with pytest.raises(NotFoundError):
        backend.service.run_named("no_such_query", {})
    with pytest.raises(InputError, match="dispute_type"):
        backend.service.run_named("strategies", {})
    with pytest.raises(InputError, match="bogus"):
        backend.service.run_named("deadline", {"difficulty": "一般", "bogus": 1})


def test_bad_file_loads_nothing_from_that_file(backend: Backend, tmp_path) -> None:  # noqa: F811
    import shutil

    seed_dir = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, seed_dir)
    path = seed_dir / "risk_signals.yaml"
    text = path.read_text(encoding="utf-8")
    new_row = (
        "  - name: 测试新信号\n    category: 测试\n    keywords: [测试]\n    colour: 黄\n    action: 无\n"
        "    cite: 报告:汉台\n    quote: 严防民转刑案件发生\n"
    )
    text = text.replace("risk_signals:\n", "risk_signals:\n" + new_row, 1) + new_row.replace(
        "测试新信号", "扬言报复"
    )
    path.write_text(text, encoding="utf-8")
    seed = read_seed(seed_dir)
    assert [i.file for i in seed.issues] == ["risk_signals.yaml"] and "重复" in seed.issues[0].message
    report = load(backend.service._connect(), backend.settings.graph.database, seed_dir=seed_dir)
    assert {f.file: f.status for f in report.files}["risk_signals.yaml"] == "未写入"
    live = backend.service.run_named("risk_signals")  # the graph itself, not the helper's cache
    assert live and not any(s["name"] == "测试新信号" for s in live)


def test_cache_follows_reloads(backend: Backend, tmp_path) -> None:  # noqa: F811
    """The helpers' cache: hits return equal but independent rows; a load by someone else (another
    process, another driver) is seen within graph.cache_check_s; a load through the service at once."""
    import shutil
    import time

    from brain.graph import GraphService
    from tests.kg_fixtures import graph_settings

    check_s = 1.0
    graph = backend.settings.graph
    svc = GraphService(
        graph_settings(
            tmp_path / "state",
            uri=backend.service.uri,
            user=graph.user,
            password=graph.password.get_secret_value(),
            database=graph.database,
            required=True,
            cache_check_s=check_s,
        ),
        backend=backend.store,  # the in-memory store is shared like a server would be; None over Bolt
    ).start()
    seed_dir = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, seed_dir)
    path = seed_dir / "risk_signals.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "  - name: 易反弹\n    category: 易反弹\n"
    assert marker in text
    head, tail = text.split(marker)
    path.write_text(head + marker + tail.replace("colour: 黄", "colour: 橙", 1), encoding="utf-8")

    def colour() -> str:
        return next(s["colour"] for s in svc.risk_signals() if s["name"] == "易反弹")

    try:
        first = svc.risk_signals()
        version = svc.cache_info()["version"]
        assert version and version == svc.seed_version()
        first[0]["name"] = "被调用方改写"  # a caller mutating its rows must not reach the cache
        assert svc.risk_signals()[0]["name"] != "被调用方改写"
        assert svc.cache_info()["hits"] >= 1
        routes = svc.routing_candidates("邻里纠纷", "村")
        assert svc.routing_candidates("邻里纠纷", "村") == routes

        report = load(backend.service._connect(), graph.database, seed_dir=seed_dir)  # "another process"
        loaded = time.monotonic()
        assert report.ok and report.version != version
        while colour() != "橙":  # stale answers are allowed only until the next check is due
            assert time.monotonic() - loaded <= check_s + 0.5, "cache served data across a reload"
            time.sleep(0.05)
        assert svc.cache_info()["version"] == report.version

        svc.load_seed()  # through the service: invalidated at once, no waiting for the check
        assert colour() == "黄"
    finally:
        svc.close()
        backend.service.load_seed()  # the shared graph back to the reviewed seed
        backend.service.invalidate_cache()
