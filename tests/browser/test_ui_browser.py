"""The UI in a real browser: Debian's chromium, headless, driven by Playwright, against the real API server
(uvicorn process with the UI mounted at /ui and the embedded graph server). Screenshots go to
``test-artifacts/``; the page must not fetch anything from outside hosts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import REPO, live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("browser-state")
    Brain(load_settings("test", state_dir=str(state))).start(graph=False).close()  # index built before start
    with live_server(state, ui=True, graph=True) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium fonts-noto-cjk)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh page on /ui; afterwards, every request it made must have gone to the loopback server."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="zh-CN"
    )
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    requested: list[str] = []
    pg.on("request", lambda r: requested.append(r.url))
    pg.goto(f"{server}/ui/")
    pg.get_by_role("tab", name="调解助手").wait_for()
    yield pg
    context.close()
    outside = {
        u
        for u in requested
        if urlparse(u).hostname not in ("127.0.0.1", "localhost", None)
        and not u.startswith(("data:", "blob:"))
    }
    assert not outside, f"the page fetched outside hosts (breaks offline use): {sorted(outside)[:10]}"


def fill(page, elem_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Gradio renders a Textbox as <input> or <textarea> depending on its lines; the role is the same."""
    page.locator(f"#{elem_id}").get_by_role("textbox").fill(text)


def test_ask_a_question_and_read_a_cited_source(page) -> None:  # type: ignore[no-untyped-def]
    fill(page, "chat-input", "邻居装修噪音扰民适用哪条法律？")
    page.locator("#chat-send").click()
    page.locator("#chatbot").get_by_text("以下为检索摘录", exact=False).first.wait_for()
    first_source = page.locator("#sources label").first
    first_source.wait_for()
    assert "[1]" in first_source.inner_text()
    first_source.click()
    viewer = page.locator("#source-view")
    viewer.get_by_text("第", exact=False).first.wait_for()
    assert "噪声" in viewer.inner_text() or "噪音" in viewer.inner_text()
    page.screenshot(path=str(ARTIFACTS / "ui-chat.png"), full_page=True)

    # the thread is kept on the server: clear the page, paste the thread id back, and it reappears
    thread_id = page.locator("#thread-id").get_by_role("textbox").input_value()
    assert thread_id
    page.locator("#chat-new").click()
    page.locator("#chatbot").get_by_text("以下为检索摘录", exact=False).first.wait_for(state="detached")
    fill(page, "thread-id", thread_id)
    page.locator("#chat-load").click()
    page.locator("#chatbot").get_by_text("以下为检索摘录", exact=False).first.wait_for()
    page.locator("#sources label").first.wait_for()


def test_out_of_domain_question_says_no_basis(page) -> None:  # type: ignore[no-untyped-def]
    fill(page, "chat-input", "怎么做红烧肉")
    page.locator("#chat-send").click()
    page.locator("#chatbot").get_by_text("未找到依据", exact=False).first.wait_for()


def test_run_an_intake(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="受理分流").click()
    fill(
        page,
        "intake-text",
        "邻居王某装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。",
    )
    page.locator("#intake-run").click()
    summary = page.locator("#intake-summary")
    summary.get_by_text("纠纷类型", exact=False).first.wait_for()
    text = summary.inner_text()
    assert "邻里纠纷" in text and "红色" in text and "办理时限" in text
    page.screenshot(path=str(ARTIFACTS / "ui-intake.png"), full_page=True)


def test_draft_an_agreement_and_download_it(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="协议起草").click()
    fill(page, "ag-facts", "申请人张三与被申请人李四系邻居，李四装修时致张三家墙面开裂，双方就赔偿发生争议。")
    fill(page, "ag-party-a", "张三")
    fill(page, "ag-party-b", "李四")
    fill(page, "ag-responsibility", "李四装修施工不当，对墙面开裂负全部责任。")
    fill(page, "ag-terms", "李四于2026年12月31日前一次性赔偿张三修缮费5000元，以银行转账方式支付。")
    fill(page, "ag-committee", "枫桥镇人民调解委员会")
    fill(page, "ag-mediator", "王调解")
    page.locator("#ag-preview").click()
    page.locator("#ag-docx").wait_for(state="visible")
    preview = page.locator("#ag-text").get_by_role("textbox").input_value()
    assert "张三" in preview and "负全部责任" in preview and "伍仟元" in preview
    for elem, magic in (("#ag-docx", b"PK"), ("#ag-pdf", b"%PDF")):
        with page.expect_download() as info:
            page.locator(elem).click()
        download = info.value
        target = ARTIFACTS / f"ui-agreement{Path(download.suggested_filename).suffix}"
        download.save_as(str(target))
        assert target.read_bytes()[: len(magic)] == magic
    page.screenshot(path=str(ARTIFACTS / "ui-agreement.png"), full_page=True)


def test_evaluation_tab_shows_empty_state(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="评测").click()
    page.locator("#eval-summary").get_by_text("暂无评测报告", exact=False).wait_for()


def test_chromium_is_the_system_build() -> None:
    assert shutil.which("chromium") == CHROMIUM
