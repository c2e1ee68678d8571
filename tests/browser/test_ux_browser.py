"""Issue 14 in a real browser (Debian chromium via Playwright, the real API server with the UI and the embedded
graph server): what clerks and mediators see. Screenshots go to ``test-artifacts/``; the ``page`` fixture
fails a test whose page fetched anything from an outside host."""

# ruff: noqa: F811  (the page/browser fixtures are imported from test_ui_browser)
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import REPO, free_port, live_server
from tests.browser.test_ui_browser import ARTIFACTS, browser, fill, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEAK = json.loads((REPO / "docs" / "examples" / "agreement_neighbour_leak.json").read_text("utf-8"))
HOE = "我家和邻居因为宅基地边界吵了两年，昨天他儿子还拿着锄头到我家门口骂人，说再闹就让我好看。"
REPORT = {
    "meta": {"suite": "intake", "created": "2026-11-30T10:00:00+00:00", "data": "/srv/secret/path.jsonl"},
    "suite": "intake",
    "n": 195,
    "accuracy": 0.364,
    "macro_f1": 0.434,
    "per_class": {"交通事故纠纷": {"precision": 0.5}},
}


@pytest.fixture(scope="module")
def server_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    state = tmp_path_factory.mktemp("ux-browser-state")
    Brain(load_settings("test", state_dir=str(state))).start(graph=False).close()  # index built before start
    reports = state / "reports" / "intake-test"
    reports.mkdir(parents=True)
    (reports / "report.json").write_text(json.dumps(REPORT, ensure_ascii=False), "utf-8")
    (reports / "report.html").write_text("<h2>总体指标</h2><p>受理分类评测报告正文</p>", "utf-8")
    with live_server(state, ui=True, graph=True) as url:
        yield url, state


@pytest.fixture(scope="module")
def server(server_state: tuple[str, Path]) -> str:
    return server_state[0]


def server_log(state: Path) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace") for p in state.glob("server-*.log"))


def no_error_toast(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(800)
    toasts = page.locator(".toast-body")
    assert toasts.count() == 0, toasts.all_inner_texts()
    assert "Error" not in page.locator("body").inner_text()


# ------------------------------------------------------------------------------------------- 1 协议起草
def test_terms_one_per_line_give_no_invented_gaps_and_the_docx_says_so(page) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    page.get_by_role("tab", name="协议起草").click()
    fill(page, "ag-facts", LEAK["facts"])
    fill(page, "ag-party-a", "刘淑芬")
    fill(page, "ag-party-b", "赵志强")
    fill(page, "ag-responsibility", LEAK["responsibility"])
    fill(page, "ag-terms", LEAK["terms_text"])
    fill(page, "ag-committee", LEAK["committee_name"])
    fill(page, "ag-mediator", LEAK["mediator"])
    page.locator("#ag-preview").click()
    page.locator("#ag-docx").wait_for(state="visible")
    notes = page.locator("#ag-notes").inner_text()
    assert "缺少义务人" not in notes and "缺少履行期限" not in notes, notes
    with page.expect_download() as info:
        page.locator("#ag-docx").click()
    target = ARTIFACTS / "ux-agreement.docx"
    info.value.save_as(str(target))
    doc = Document(io.BytesIO(target.read_bytes()))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert "重做卫生间防水层" in text and "叁仟捌佰元" in text and "周敏" in text
    assert "待补充：义务人" not in text and "待补充：履行期限" not in text
    page.screenshot(path=str(ARTIFACTS / "ux-agreement.png"), full_page=True)


def test_a_compensation_without_sum_or_mediator_is_flagged(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="协议起草").click()
    fill(page, "ag-facts", "赵志强家卫生间漏水致刘淑芬家吊顶受损。")
    fill(page, "ag-party-a", "刘淑芬")
    fill(page, "ag-party-b", "赵志强")
    fill(page, "ag-terms", "赵志强赔偿刘淑芬损失")
    page.locator("#ag-preview").click()
    notes = page.locator("#ag-notes")
    notes.get_by_text("缺少金额", exact=False).wait_for()
    assert "人民调解员" in notes.inner_text()


def test_an_empty_form_gets_a_quiet_chinese_hint(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="协议起草").click()
    page.locator("#ag-preview").click()
    page.locator("#ag-notes").get_by_text("请先填写表单", exact=False).wait_for()
    text = page.locator("#ag-notes").inner_text()
    assert "parties" not in text and "位置" not in text
    no_error_toast(page)


# ------------------------------------------------------------------------------------------- 2 风险
def test_the_hoe_threat_is_coloured_through_the_ui(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="受理分流").click()
    fill(page, "intake-text", HOE)
    page.locator("#intake-run").click()
    summary = page.locator("#intake-summary")
    summary.get_by_text("风险信号", exact=False).first.wait_for()
    text = summary.inner_text()
    assert "红色" in text or "橙色" in text, text
    assert "言语威胁" in text or "扬言报复" in text
    assert "持棍棒农具滋事" in text or "持械或危险物品" in text
    page.screenshot(path=str(ARTIFACTS / "ux-intake-hoe.png"), full_page=True)


# ------------------------------------------------------------------------------------------- 4 调解助手
def test_citation_numbers_open_their_source_and_the_answer_opens_at_the_top(page) -> None:  # type: ignore[no-untyped-def]
    fill(page, "chat-input", "邻居装修噪音扰民适用哪条法律？")
    page.locator("#chat-send").click()
    link = page.locator('#chatbot a[href="#cite-1"]').first
    link.wait_for()
    scroller = page.locator("#chatbot .bubble-wrap, #chatbot [role=log]").first
    if scroller.count():
        assert scroller.evaluate("el => el.scrollTop") == 0
    link.click()
    viewer = page.locator("#source-view")
    viewer.get_by_text("第", exact=False).first.wait_for()
    assert "噪声" in viewer.inner_text()
    assert page.locator("#sources input:checked").count() == 1
    assert len(page.context.pages) == 1  # the link did not open a new tab
    page.screenshot(path=str(ARTIFACTS / "ux-chat-links.png"), full_page=True)


# ------------------------------------------------------------------------------------------- 5 中文
def test_intake_speaks_chinese(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="受理分流").click()
    fill(
        page,
        "intake-text",
        "邻居王某装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。",
    )
    page.locator("#intake-run").click()
    summary = page.locator("#intake-summary")
    summary.get_by_text("图谱路径", exact=False).first.wait_for()
    text = summary.inner_text()
    assert not re.search(r"[A-Z]{3,}_[A-Z]{2,}", text), text  # no SUBTYPE_OF / MEDIATED_BY / AT_LEVEL
    assert "层级" in text and ("由…调解" in text or "由…办理" in text)
    assert "规则模式（未接入大模型）" in text and "deterministic" not in text
    assert "无固定时限" in text  # 红 → 重大 → 领导包案, explained
    basis = next((line for line in text.splitlines() if line.startswith("依据")), "")
    items = [x for x in basis.removeprefix("依据：").split("；") if x]
    assert len(items) == len(set(items)), basis
    page.screenshot(path=str(ARTIFACTS / "ux-intake-chinese.png"), full_page=True)


def test_empty_inputs_get_quiet_hints_and_no_traceback(page, server_state) -> None:  # type: ignore[no-untyped-def]
    _, state = server_state
    before = server_log(state)
    page.locator("#chat-send").click()
    page.locator("#chat-hint").get_by_text("请先在上面输入问题", exact=False).wait_for()
    no_error_toast(page)
    page.get_by_role("tab", name="受理分流").click()
    page.locator("#intake-run").click()
    page.locator("#intake-summary").get_by_text("请先粘贴纠纷描述", exact=False).wait_for()
    no_error_toast(page)
    page.screenshot(path=str(ARTIFACTS / "ux-empty-hints.png"), full_page=True)
    after = server_log(state)[len(before) :]
    assert "Traceback" not in after, after[-2000:]


def test_evaluation_tab_shows_key_figures_in_chinese(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="评测").click()
    summary = page.locator("#eval-summary")
    summary.get_by_text("关键指标", exact=False).wait_for()
    text = summary.inner_text()
    assert "受理分类" in text and "宏平均 F1" in text and "0.434" in text
    assert "per_class" not in text and "/srv/" not in text and "reports" not in text
    page.locator("#eval-html").get_by_text("受理分类评测报告正文").wait_for()
    page.screenshot(path=str(ARTIFACTS / "ux-eval.png"), full_page=True)


# ------------------------------------------------------------------------------------------- 6 入口
def test_root_opens_the_ui_and_the_docs_render_offline(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    requested: list[str] = []
    pg.on("request", lambda r: requested.append(r.url))
    pg.goto(f"{server}/")
    pg.get_by_role("tab", name="调解助手").wait_for(timeout=60_000)
    assert "/ui" in pg.url
    pg.goto(f"{server}/docs")
    pg.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    assert "枫桥智脑" in pg.locator(".swagger-ui .info .title").inner_text()
    pg.screenshot(path=str(ARTIFACTS / "ux-docs.png"))
    pg.goto(f"{server}/redoc")
    pg.get_by_text("枫桥智脑", exact=False).first.wait_for(timeout=30_000)
    pg.screenshot(path=str(ARTIFACTS / "ux-redoc.png"))
    context.close()
    outside = [u for u in requested if not u.startswith(server) and not u.startswith(("data:", "blob:"))]
    assert not outside, outside[:10]


def test_brain_serve_log_names_the_ui_and_the_docs(tmp_path: Path) -> None:
    """What `make run` prints: `brain serve` (graph down, so it starts in seconds) names both addresses."""
    state = tmp_path / "state"
    port = free_port()
    Brain(load_settings("test", state_dir=str(state))).start(graph=False).close()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BRAIN_PROFILE": "test",
        "BRAIN_STATE_DIR": str(state),
        "BRAIN_API__UI": "true",
        "BRAIN_GRAPH__URI": f"bolt://127.0.0.1:{free_port()}",
        "BRAIN_GRAPH__START_TIMEOUT_S": "2",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from brain.cli import main; main()", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        deadline = time.time() + 180
        while time.time() < deadline and f"127.0.0.1:{port}/docs" not in log.read_text("utf-8", "replace"):
            assert proc.poll() is None, log.read_text("utf-8", "replace")[-3000:]
            time.sleep(1)
        text = log.read_text("utf-8", "replace")
        assert f"http://127.0.0.1:{port}/ui" in text and f"http://127.0.0.1:{port}/docs" in text, text[-3000:]
        assert httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False).status_code == 307
        assert not (tmp_path / "log").exists()  # no ArcadeDB log/ in the working directory
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_brain_intake_url_uses_the_running_service(server: str, tmp_path: Path) -> None:
    """``brain intake --url`` asks the running service instead of starting a graph server of its own."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "BRAIN_PROFILE": "test", "BRAIN_STATE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", "from brain.cli import main; main()", "intake", HOE, "--url", server],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "红色" in out.stdout and "规则模式（未接入大模型）" in out.stdout, out.stdout
    assert "属于" in out.stdout or "层级" in out.stdout
    assert not (tmp_path / "graph").exists()  # no embedded graph server was started for this command
