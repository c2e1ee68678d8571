"""The UI with API keys on, in a real browser (finding 1 of the hostile test): /ui asks for a login, shows only
the role's tabs, runs every action through the API with the user's key (so it is audited under that role), and
serves a generated agreement file only to the session that made it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brain.security import open_key_store
from brain.security.passwords import hash_password
from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import live_server
from tests.browser.test_ui_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, fill

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABS = ("调解助手", "受理分流", "协议起草", "台账", "态势研判", "评测")


@pytest.fixture(scope="module")
def keyed_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state = tmp_path_factory.mktemp("ui-login")
    settings = load_settings("test", state_dir=str(state))
    Brain(settings).start(graph=False).close()  # index built before the server starts
    mediator_key = open_key_store(settings).create("mediator", "调解员王某")[1]
    env = {
        "BRAIN_API__AUTH": "keys",
        "BRAIN_API__UI_USERS__CLERK1__ROLE": "clerk",
        "BRAIN_API__UI_USERS__CLERK1__PASSWORD_HASH": hash_password("窗口密码-1"),
    }
    with live_server(state, ui=True, env=env) as url:
        yield {"url": url, "state": state, "mediator_key": mediator_key}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _context(browser: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="zh-CN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _visible_tabs(page: Any) -> set[str]:
    page.get_by_role("tab").first.wait_for()
    page.wait_for_timeout(500)  # the role's tabs are set by the page's load event
    return {
        t
        for t in TABS
        if page.get_by_role("tab", name=t).count() and page.get_by_role("tab", name=t).is_visible()
    }


def _audit_roles(state: Path, route: str) -> list[str]:
    with sqlite3.connect(state / "audit.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT role FROM audit WHERE route = ?", (route,))]


def test_without_a_login_the_ui_and_its_endpoints_are_closed(keyed_ui: dict[str, Any], browser: Any) -> None:
    url = keyed_ui["url"]
    page = _context(browser).new_page()
    page.goto(f"{url}/ui/")
    page.locator("#login-form").wait_for()
    assert page.url.endswith("/ui/login") and "请先登录" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-login.png"))
    with httpx.Client(base_url=url, trust_env=False) as http:  # what the hostile tester called directly
        assert http.get("/ui/config").status_code == 401
        r = http.post("/ui/gradio_api/queue/join", json={"fn_index": 0, "data": [], "session_hash": "x"})
        assert r.status_code == 401
        assert http.get("/ui/gradio_api/file=/etc/hostname").status_code == 401
    page.fill("#api-key", "fq_deadbeef_not-a-key")
    page.click("#login-submit")
    assert "无效" in page.locator("#login-error").inner_text()


def test_a_clerk_login_by_password_sees_only_intake_and_is_audited_as_clerk(
    keyed_ui: dict[str, Any], browser: Any
) -> None:
    page = _context(browser).new_page()
    page.goto(f"{keyed_ui['url']}/ui/")
    page.fill("#username", "clerk1")
    page.fill("#password", "窗口密码-1")
    page.click("#login-submit")
    assert _visible_tabs(page) == {"受理分流", "台账", "态势研判"}
    page.screenshot(path=str(ARTIFACTS / "ui-clerk-tabs.png"))
    page.get_by_role("tab", name="受理分流").click()
    fill(page, "intake-text", "公司拖欠我三个月工资共计一万八千元，老板一直推脱，请求帮助讨薪。")
    page.click("#intake-run")
    page.locator("#intake-summary").get_by_text("纠纷类型").wait_for()
    assert "clerk" in _audit_roles(keyed_ui["state"], "/v1/intake")


def test_a_mediator_key_login_drafts_and_only_that_session_may_download(
    keyed_ui: dict[str, Any], browser: Any
) -> None:
    url = keyed_ui["url"]
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{url}/ui/login")
    page.fill("#api-key", keyed_ui["mediator_key"])
    page.click("#login-submit")
    assert _visible_tabs(page) == {"调解助手", "受理分流", "协议起草", "台账", "态势研判"}
    page.get_by_role("tab", name="协议起草").click()
    fill(page, "ag-facts", "申请人与被申请人系邻居，被申请人装修时震裂申请人家墙面。")
    fill(page, "ag-party-a", "张建国")
    fill(page, "ag-party-b", "李明")
    fill(page, "ag-terms", "被申请人于2026年3月31日前支付申请人修复费用5000元")
    page.click("#ag-preview")
    page.locator("#ag-pdf").wait_for(state="visible")
    with page.expect_download() as download:
        page.click("#ag-pdf")
    file_url = download.value.url
    assert "/gradio_api/file=" in file_url and download.value.path().stat().st_size > 1000
    assert "mediator" in _audit_roles(keyed_ui["state"], "/v1/agreements/draft")
    # the same URL: another logged-in session, and no session at all
    other = _context(browser)
    other_page = other.new_page()
    other_page.goto(f"{url}/ui/login")
    other_page.fill("#api-key", keyed_ui["mediator_key"])
    other_page.click("#login-submit")
    other_page.get_by_role("tab").first.wait_for()
    assert other.request.get(file_url).status == 404
    with httpx.Client(trust_env=False) as http:
        assert http.get(file_url).status_code == 401
    assert context.request.get(file_url).status == 200
    # uploads: the API's 2 MB limit holds in the UI too, and an upload is served to its own session only
    png = {"name": "scan.png", "mimeType": "image/png"}
    big = context.request.post(
        f"{url}/ui/gradio_api/upload", multipart={"files": {**png, "buffer": b"0" * 3_000_000}}
    )
    assert big.status == 413, big.text()
    small = context.request.post(
        f"{url}/ui/gradio_api/upload", multipart={"files": {**png, "buffer": b"0" * 1000}}
    )
    assert small.status == 200, small.text()
    uploaded = f"{url}/ui/gradio_api/file={small.json()[0]}"
    assert context.request.get(uploaded).status == 200 and other.request.get(uploaded).status == 404
