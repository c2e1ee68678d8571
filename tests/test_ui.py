"""The UI's client adapter and rendering over a real Brain (no browser; tests/browser/ drives the page)."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from brain.api.ui_client import FacadeClient
from brain.service import Brain
from brain.settings import load_settings
from ui.app import EMPTY_REPORT, parse_terms, render_document, render_intake, render_report
from ui.client import UIError, newest_report

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
COMPLAINT = "邻居王某装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。"


@pytest.fixture(scope="module")
def brain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Brain]:
    state = tmp_path_factory.mktemp("ui-state")
    # the graph is pointed at a closed port: the UI must work (degraded) while the graph server is down
    b = Brain(load_settings("test", state_dir=str(state), graph={"uri": "bolt://127.0.0.1:9"})).start(
        graph=False
    )
    yield b
    b.close()


@pytest.fixture
def client(brain: Brain) -> FacadeClient:
    return FacadeClient(brain)


def test_ui_package_does_not_import_brain() -> None:
    for path in Path("ui").glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+brain\b", path.read_text("utf-8"), re.M), path


def test_chat_events_are_plain_dicts_and_sources_open(client: FacadeClient) -> None:
    events = list(client.chat(None, "有没有类似的宅基地纠纷案例？"))
    assert events[0]["event"] == "meta" and events[-1]["event"] == "done"
    sources = next(e["data"]["sources"] for e in events if e["event"] == "sources")
    case = next(s for s in sources if s["kind"] == "case")
    doc = client.get_document(case["id"])
    assert doc["kind"] == "case"
    page = render_document(doc)
    assert doc["title"] in page and "案情" in page


def test_chat_history_reads_the_thread_back(client: FacadeClient) -> None:
    events = list(client.chat(None, "拖欠工资怎么调解？"))
    turns = client.chat_history(events[0]["data"]["thread_id"])
    assert [t["role"] for t in turns] == ["user", "assistant"] and turns[1]["sources"]


def test_unknown_document_is_a_ui_error(client: FacadeClient) -> None:
    with pytest.raises(UIError, match="文档不存在"):
        client.get_document("statute:不存在:1")


def test_intake_text_renders_type_risk_deadline(client: FacadeClient) -> None:
    result = client.intake(COMPLAINT)
    page = render_intake(result)
    assert "邻里纠纷" in page and "红色" in page and "办理时限" in page
    assert "分流降级" in page  # the graph is down: routing says so instead of guessing


@pytest.mark.skipif(not CJK_FONT.exists(), reason="needs fonts-noto-cjk to render the test scan")
def test_intake_from_a_scanned_image_uses_real_ocr(client: FacadeClient) -> None:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (900, 140), "white")
    ImageDraw.Draw(img).text(
        (20, 40),
        "邻居装修噪音扰民，多次协商不成，请求调解。",
        fill="black",
        font=ImageFont.truetype(str(CJK_FONT), 36),
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    result = client.intake_image(buf.getvalue(), "scan.png")
    assert "噪音" in result["ocr_text"] and "调解" in result["ocr_text"]
    assert result["classification"]["label"]
    assert "识别文字（OCR）" in render_intake(result)


def test_broken_image_is_a_clear_error(client: FacadeClient) -> None:
    with pytest.raises(UIError, match="图片无法解码"):
        client.intake_image(b"not an image", "scan.png")


def test_draft_and_export_agreement(client: FacadeClient) -> None:
    request = {
        "facts": "申请人张三与被申请人李四系邻居，李四装修时致张三家墙面开裂，双方就赔偿发生争议。",
        "parties": [{"role": "申请人", "name": "张三"}, {"role": "被申请人", "name": "李四"}],
        "terms": parse_terms("1. 李四于2026年12月31日前一次性赔偿张三修缮费5000元，以银行转账方式支付。"),
        "committee_name": "枫桥镇人民调解委员会",
        "mediator": "王调解",
    }
    draft = client.draft_agreement(request)
    assert "张三" in draft["text"] and "5000" in draft["text"]
    assert client.export_agreement(draft["agreement"], "docx")[:2] == b"PK"
    assert client.export_agreement(draft["agreement"], "pdf")[:4] == b"%PDF"


def test_parse_terms_strips_mediator_numbering() -> None:
    assert parse_terms("1. 赔偿五千元\n\n二、赔礼道歉\n（三）其他") == [
        {"text": "赔偿五千元"},
        {"text": "赔礼道歉"},
        {"text": "（三）其他"},
    ]


def test_report_empty_state_and_newest_report(tmp_path: Path) -> None:
    assert render_report(newest_report(tmp_path / "reports")) == (EMPTY_REPORT, "")
    old = tmp_path / "reports" / "retrieval" / "report.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"metrics": {"recall@10": 0.5}}), "utf-8")
    new = tmp_path / "reports" / "intake" / "report.json"
    new.parent.mkdir(parents=True)
    new.write_text(json.dumps({"metrics": {"macro_f1": 0.81, "n": 200}, "name": "intake"}), "utf-8")
    new.with_suffix(".html").write_text("<h1>受理评测</h1>", "utf-8")
    os.utime(old, (1, 1))
    summary, html = render_report(newest_report(tmp_path / "reports"))
    assert "受理分类" in summary and "宏平均 F1 | 0.810" in summary and "用例数 | 200" in summary
    assert "recall" not in summary and str(tmp_path) not in summary and "metrics." not in summary
    assert html == "<h1>受理评测</h1>"


def test_ui_mounts_on_the_api_server(tmp_path: Path, brain: Brain) -> None:
    from fastapi.testclient import TestClient

    from brain.api.app import create_app

    settings = brain.settings.model_copy(update={"api": brain.settings.api.model_copy(update={"ui": True})})
    app = create_app(settings, brain=brain)
    with TestClient(app) as http:
        page = http.get("/ui/")
        assert page.status_code == 200 and "枫桥智脑" in page.text
        assert "fonts.googleapis.com" not in page.text  # local fonts only (offline networks)
        config = http.get("/ui/config").json()
        labels = json.dumps(config, ensure_ascii=False)
        for tab in ("调解助手", "受理分流", "协议起草", "评测"):
            assert tab in labels
