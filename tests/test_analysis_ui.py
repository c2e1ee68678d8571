"""The 态势研判 tab: its facade client over a real Brain (typed requests, plain dicts back), the alert list
rendering, and the tab building inside a Gradio page; ``ui/tabs`` imports nothing from ``brain``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from brain.analysis.models import CaseRecord
from brain.api.analysis_ui import AnalysisFacadeClient
from brain.service import Brain
from brain.settings import load_settings
from ui.client import UIError
from ui.tabs.analysis import KINDS, build_tab, render_alerts


def test_tab_module_does_not_import_brain() -> None:
    for path in Path("ui/tabs").glob("*.py"):
        assert "from brain" not in path.read_text() and "import brain" not in path.read_text(), path


def test_facade_client_alerts_and_report(tmp_path: Path) -> None:
    settings = load_settings(
        "test",
        state_dir=str(tmp_path),
        graph={"uri": "bolt://127.0.0.1:9"},
        analysis={"follow_ledger": False, "embedder": False},
    )
    brain = Brain(settings)
    try:
        svc = brain.analysis_service
        t0 = datetime(2026, 3, 2, 9)
        for j in range(3):
            svc.register(
                CaseRecord(
                    id=f"u{j}",
                    source="12345",
                    received_at=t0 + timedelta(days=j),
                    county="清溪县",
                    town="青石镇",
                    village="石桥村",
                    type="劳动争议",
                    risk="黄",
                    text_redacted=f"宏达建筑劳务有限公司拖欠工资，第{j}次反映",
                    person_hashes=[f"p{j}"],
                )
            )
        client = AnalysisFacadeClient(brain)
        page = client.alerts({"kind": "collective", "limit": 10})
        rows, md = render_alerts(page)
        assert rows[0][1] == KINDS["collective"] and rows[0][4] == "3" and "宏达建筑劳务有限公司" in md
        rep = client.report({"level": "镇", "place": "青石镇", "period": "week", "formats": ["html"]})
        assert "plot-map" in client.report_file(rep["id"], "html").decode()
        with pytest.raises(UIError, match="没有镇"):
            client.report({"level": "镇", "place": "不存在镇", "period": "week"})
    finally:
        brain.close()


def test_tab_builds_in_a_page() -> None:
    import gradio as gr

    class Fake:
        def alerts(self, query: dict) -> dict:  # type: ignore[type-arg]
            return {"items": [], "total": 0}

        def report(self, request: dict) -> dict:  # type: ignore[type-arg]
            raise UIError("无数据")

        def report_file(self, report_id: str, fmt: str) -> bytes:
            return b""

    with gr.Blocks() as demo:
        build_tab(Fake())
    assert any(getattr(b, "elem_id", None) == "an-report" for b in demo.blocks.values())
