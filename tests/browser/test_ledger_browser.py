"""The 台账 tab in a real browser (Debian's chromium via Playwright) against the real API server with a small
demo ledger: the list with overdue rows in red, a case's timeline, the allowed moves as the only buttons, and
a move that changes the case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from brain.ledger.schema import DemoRequest
from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import live_server
from tests.browser.test_ui_browser import ARTIFACTS, browser, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("ledger-browser")
    brain = Brain(load_settings("test", state_dir=str(state), graph={"uri": "bolt://127.0.0.1:9"}))
    brain.load_demo_ledger(DemoRequest(cases=300, seed=5, end=date.today()))
    brain.close()
    index = tmp_path_factory.getbasetemp() / "shared-index"
    with live_server(state, ui=True, env={"BRAIN_RETRIEVAL__INDEX_DIR": str(index)}) as url:
        yield url


def test_ledger_tab_list_timeline_and_moves(page, server: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.get_by_role("tab", name="台账").click()
    page.locator("#ledger-overdue").get_by_role("checkbox").check()
    page.locator("#ledger-search").click()
    table = page.locator("#ledger-table")
    table.wait_for()
    row = page.locator("#ledger-table tr.overdue").first
    row.wait_for()
    colour = row.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(253, 231, 231)"
    case_id = int(row.locator("td").first.inner_text())
    expected = httpx.get(f"{server}/v1/cases/{case_id}").json()
    assert expected["overdue"]
    page.locator("#ledger-case-id").get_by_role("spinbutton").fill(str(case_id))
    page.locator("#ledger-open").click()
    detail = page.locator("#ledger-case")
    detail.get_by_text("时间线", exact=False).first.wait_for()
    assert f"案件 {case_id}" in detail.inner_text()
    visible = [b.inner_text() for b in page.locator("[id^=ledger-move-]").all() if b.is_visible()]
    assert visible == expected["allowed_moves"]
    page.screenshot(path=str(ARTIFACTS / "ui-ledger.png"), full_page=True)
    first = expected["allowed_moves"][0]
    page.locator("[id^=ledger-move-]", has_text=first).first.click()
    page.locator("#ledger-message").get_by_text(f"已执行：{first}", exact=False).wait_for()
    after = httpx.get(f"{server}/v1/cases/{case_id}").json()
    assert after["version"] == expected["version"] + 1 and after["events"][-1]["type"] == first
