"""The 台账 tab's client calls and rendering over a real Brain (no browser): the FacadeClient builds the typed
requests from the facade's own annotations; overdue rows render red; a case shows its timeline and the
allowed moves; a move through the client changes the case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brain.api.ui_client import FacadeClient
from brain.ledger.schema import CaseCreate
from brain.service import Brain
from brain.settings import load_settings
from ui.client import UIError
from ui.tabs.ledger import render_case, render_cases


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FacadeClient]:
    brain = Brain(load_settings("test", state_dir=str(tmp_path), graph={"uri": "bolt://127.0.0.1:9"}))
    old = brain.register_case(
        CaseCreate(
            text="公司拖欠工资三个月，老板不给。",
            source="来访",
            place="安平街道",
            received_at="2026-01-05T09:00:00",
        )  # type: ignore[arg-type]
    )
    brain.register_case(CaseCreate(text="物业公司不修电梯。", source="12345", place="城关镇东门社区"))
    yield FacadeClient(brain)
    assert old.id
    brain.close()


def test_list_renders_overdue_rows_red_and_filters(client: FacadeClient) -> None:
    page = client.list_cases({})
    assert len(page["items"]) == 2
    html = render_cases(page)
    assert html.count('class="case-row overdue"') == 1 and "#fde7e7" in html and "超期" in html
    only = client.list_cases({"town": "城关镇"})
    assert [c["place"]["town"] for c in only["items"]] == ["城关镇"]
    with pytest.raises(UIError):
        client.list_cases({"limit": 0})


def test_case_timeline_and_moves(client: FacadeClient) -> None:
    cid = client.list_cases({"town": "安平街道"})["items"][0]["id"]
    case = client.get_case(cid)
    assert case["allowed_moves"] == ["分流", "备注"]
    assert "登记" in render_case(case) and "时间线" in render_case(case)
    moved = client.case_event(
        cid, {"type": "分流", "version": case["version"], "assignee": "安平街道人民调解委员会"}
    )
    assert moved["status"] == "已分流" and "开始调处" in moved["allowed_moves"]
    with pytest.raises(UIError, match="不能"):
        client.case_event(cid, {"type": "归档", "version": moved["version"]})
    assert "alerts" not in client.list_alerts({})  # a page: {"items", "next_cursor"}
    assert client.list_alerts({})["items"]
