"""Intake routing and strategies against the real graph: the embedded ArcadeDB server (one per test session,
``tests.kg_fixtures.embedded_server``) loaded with the seed, queried over Bolt by GraphService. And with the
graph down: routing says so in Chinese, classification still works."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from brain.agents.intake.schema import IntakeRequest, IntakeResult, RouteRequest, Routing
from brain.errors import InputError
from brain.graph import GraphService
from brain.service import Brain
from knowledge_graph.server import EmbeddedServer, free_port
from tests.kg_fixtures import STATUTES, embedded_server, graph_settings  # noqa: F401

pytestmark = pytest.mark.slow

STATUTE_IDS = {json.loads(line)["id"] for line in STATUTES.open(encoding="utf-8")}
REPORTS = {"汉台", "临渭", "甘肃", "巴中"}


def graph_brain(server: EmbeddedServer, state: Path) -> Brain:
    """A Brain whose graph is the session's embedded server (seed loaded by GraphService.start)."""
    settings = graph_settings(
        state,
        uri=f"bolt://127.0.0.1:{server.bolt_port}",
        user="root",
        password=server.password,
        database=server.database,
        required=True,
    )
    brain = Brain(settings)
    brain._graph = GraphService(settings).start()
    return brain


@pytest.fixture(scope="module")
def brain(embedded_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Brain]:  # noqa: F811
    b = graph_brain(embedded_server, tmp_path_factory.mktemp("intake-graph"))
    yield b
    b.close()


def assert_cited(routing: Routing) -> None:
    """The contract: every suggestion has a graph path and a citation that resolves to the corpus or a report."""
    assert routing.available and routing.suggestions
    for s in routing.suggestions:
        assert len(s.graph_path) >= 5 and s.graph_path[-2] == "AT_LEVEL"
        assert s.citations
        assert len({c.label for c in s.citations}) == len(s.citations), s.citations  # each basis once
        for c in s.citations:
            if c.kind == "statute":
                assert c.doc_id in STATUTE_IDS, c
            else:
                assert c.report in REPORTS and c.label.startswith("报告："), c


def test_neighbour_dispute_at_village_goes_to_village_committee(brain: Brain) -> None:
    r = brain.intake(
        IntakeRequest(
            text="楼上邻居每天半夜跳舞噪音很大，说了多次不听，想请村里调解", level="村", precedents=False
        )
    )
    assert r.classification.dispute_type == "邻里纠纷"
    routing = r.routing
    assert_cited(routing)
    top = routing.suggestions[0]
    assert top.mediation_body == "村（居）民调解委员会" and top.level == "村"
    # sub-type -> parent -> village committee at village level (the sub-type inherits the parent's route)
    assert top.graph_path[-5:] == ["邻里纠纷", "MEDIATED_BY", "村（居）民调解委员会", "AT_LEVEL", "村"]
    assert top.graph_path[0] == (r.classification.sub_type or "邻里纠纷")
    assert routing.escalation[:3] == ["村", "乡镇", "县"]
    assert routing.level == "村" and any("就地化解" in x for x in routing.level_reasons)
    # the chain continues through the town committee to the county centre, each step with its reason
    by_org = {s.mediation_body or s.department: s for s in routing.suggestions}
    assert by_org["乡镇（街道）人民调解委员会"].escalation_path == ["村", "乡镇"]
    assert by_org["县级综治中心"].escalation_path == ["村", "乡镇", "县"]
    assert any("镇级攻坚" in x for x in by_org["县级综治中心"].reasons)
    # deadline from the difficulty, with the report it rests on; no court/police/petition cue -> no channel
    assert routing.deadline is not None and routing.deadline.difficulty == r.risk.difficulty
    assert routing.deadline.citation is not None and routing.deadline.citation.report == "巴中"
    assert top.deadline == routing.deadline.limit and routing.deadline.routing_limit == "1个工作日内分流"
    assert routing.channel is None and routing.channel_reasons
    # strategies come from the graph, each with its source
    assert r.strategies.items and all(
        s.citations and s.graph_path[1] == "SUGGESTS" for s in r.strategies.items
    )


def test_labour_complaint_goes_to_labour_body_with_cited_article(brain: Brain) -> None:
    r = brain.intake(
        IntakeRequest(text="老板拖欠我们三个月工资不发，工资条都有，要求帮忙讨薪", precedents=False)
    )
    assert r.classification.dispute_type == "劳动争议"
    assert_cited(r.routing)
    top = r.routing.suggestions[0]
    labour = top.department or top.mediation_body or ""
    assert "劳动" in labour or "人力资源" in labour
    assert any(c.kind == "statute" and c.law in ("劳动争议调解仲裁法", "劳动合同法") for c in top.citations)
    assert "SUBTYPE_OF" in top.graph_path or top.graph_path[0] == "劳动争议"


def test_alias_route_with_risk_raises_level_and_source_gives_channel(brain: Brain) -> None:
    routing = brain.route(
        RouteRequest(
            dispute_type="劳资纠纷", level="村", source="110警情", risk_level="红", difficulty="重大"
        )
    )
    assert_cited(routing)
    assert routing.level == "县" and any("县级兜底" in x for x in routing.level_reasons)
    assert all(s.level == "县" for s in routing.suggestions[:3])  # nothing below the target level first
    assert routing.channel == "警调对接" and "82.6%" in routing.channel_reasons[0]
    assert routing.deadline is not None and routing.deadline.limit == "领导包案"
    assert routing.deadline.max_days is None


def test_channel_from_text_cue(brain: Brain) -> None:
    r = brain.intake(IntakeRequest(text="法院立案前让我们先调解，邻居占了我家宅基地两米", precedents=False))
    assert r.routing.channel == "诉调对接" and "法院" in r.routing.channel_reasons[0]


def test_bad_level_and_source_are_input_errors(brain: Brain) -> None:
    with pytest.raises(InputError, match="层级"):
        brain.route(RouteRequest(dispute_type="邻里纠纷", level="火星"))
    with pytest.raises(InputError, match="来源"):
        brain.route(RouteRequest(dispute_type="邻里纠纷", source="飞鸽传书"))


def test_graph_down_routing_unavailable_classification_works(tmp_path: Path) -> None:
    settings = graph_settings(tmp_path, uri=f"bolt://127.0.0.1:{free_port()}")  # nothing listens there
    brain = Brain(settings)
    brain._graph = GraphService(settings).start()  # logs, does not raise (graph.required is false)
    try:
        r = brain.intake(IntakeRequest(text="老板拖欠我们三个月工资不发，要求帮忙讨薪", precedents=False))
        IntakeResult.model_validate(r.model_dump())
        assert r.classification.dispute_type == "劳动争议" and not r.classification.abstained
        assert r.risk.level in ("红", "橙", "黄", "蓝")
        assert r.routing.available is False and not r.routing.suggestions
        assert "知识图谱服务不可用" in (r.routing.degraded or "")
        assert r.strategies.degraded and "不可用" in r.strategies.degraded
        assert brain.route(RouteRequest(dispute_type="邻里纠纷")).available is False
    finally:
        brain.close()


def test_noise_route_cites_each_article_once(brain: Brain) -> None:
    """Issue 14: a route for a noise complaint cited 《噪声污染防治法》第70条 twice (its own rule and the type's)."""
    r = brain.intake(IntakeRequest(text="楼上邻居天天半夜装修，噪音扰民，说了多次也不听，请社区调解。"))
    assert_cited(r.routing)
