"""What the clerk reads (issue 14 item 5), as pure rendering: Chinese relation names, mode, deadline note, each
basis once, past signals marked; [n] become links only for listed sources."""

from __future__ import annotations

from ui.render import graph_path, link_citations, render_intake, report_figures

RESULT = {
    "mode": "deterministic",
    "classification": {"label": "邻里纠纷", "sub_type": "相邻关系纠纷", "confidence": 0.62},
    "risk": {
        "level": "红",
        "difficulty": "重大",
        "signals": [
            {"name": "扬言报复", "evidence": "扬言要杀了我", "rule": "risk_signals.yaml:扬言报复（民转刑）"},
            {
                "name": "持械或危险物品",
                "evidence": "以前拿刀",
                "rule": "risk_signals.yaml:持械；既往言行，按黄色关注",
            },
        ],
    },
    "routing": {
        "available": True,
        "level": "县",
        "deadline": {"limit": "领导包案", "routing_limit": "1个工作日内分流"},
        "suggestions": [
            {
                "level": "县",
                "mediation_body": "县级综治中心",
                "graph_path": [
                    "相邻关系纠纷",
                    "SUBTYPE_OF",
                    "邻里纠纷",
                    "MEDIATED_BY",
                    "县级综治中心",
                    "AT_LEVEL",
                    "县",
                ],
                "citations": [{"label": "《噪声污染防治法》第70条"}, {"label": "《噪声污染防治法》第70条"}],
            }
        ],
    },
}


def test_intake_page_is_in_chinese() -> None:
    page = render_intake(RESULT)
    assert "相邻关系纠纷 → 属于 → 邻里纠纷 → 由…调解 → 县级综治中心 → 层级 → 县" in page
    assert "SUBTYPE_OF" not in page and "deterministic" not in page
    assert "规则模式（未接入大模型）" in page
    assert "领导包案（重大纠纷，领导包案，专班攻坚，无固定时限）" in page
    assert page.count("《噪声污染防治法》第70条") == 1
    assert "「持械或危险物品」（既往言行，按黄色关注）" in page


def test_unknown_relation_is_shown_as_is() -> None:
    assert graph_path(["甲", "NEW_REL", "乙"]) == "甲 → NEW_REL → 乙"


def test_citation_numbers_become_links_for_listed_sources_only() -> None:
    text = link_citations("依据[1]和[2]，另见[7]。", [{"n": 1}, {"n": 2}])
    assert text == "依据[[1]](#cite-1)和[[2]](#cite-2)，另见[7]。"


def test_report_figures_are_chinese_and_skip_raw_keys() -> None:
    figures = dict(report_figures({"metrics": {"accuracy": 0.5, "per_class": {"x": 1}}, "n": 10}))
    assert figures == {"用例数": "10", "准确率": "0.500"}
