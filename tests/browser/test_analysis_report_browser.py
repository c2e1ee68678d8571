"""A town-week and a county-month 研判报告 open in real headless chromium (Debian's) and print to PDF: the
three plots decode, the Chinese text is in the printed PDF, and the numbers equal a direct count."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from brain.analysis.models import ReportRequest
from brain.analysis.report import build_report
from tests.browser.test_report_browser import ARGS, CHROMIUM
from tests.test_analysis_surfaces import T0, _settings, _store_with_cases

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium not installed (apt-get install chromium)"
    ),
]


@pytest.mark.parametrize(
    ("level", "place", "period", "days"), [("镇", "城关镇", "week", 7), ("县", "清溪县", "month", 30)]
)
def test_report_renders_and_prints(tmp_path: Path, level: str, place: str, period: str, days: int) -> None:
    import pymupdf
    from playwright.sync_api import sync_playwright

    svc, recs = _store_with_cases(tmp_path)
    end = T0 + timedelta(days=60)
    res = build_report(
        svc.store,
        ReportRequest(level=level, place=place, period=period, end=end, formats=["html"]),
        _settings(tmp_path),
    )  # type: ignore[arg-type]
    mine = [
        r
        for r in recs
        if end - timedelta(days=days) <= r.received_at < end
        and (r.town if level == "镇" else r.county) == place
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(Path(res.files["html"]).as_uri())
            page.wait_for_load_state("load")
            plots = page.eval_on_selector_all(
                "img.plot", "els => els.map(e => [e.id, e.complete ? e.naturalWidth : 0])"
            )
            total = page.inner_text('[data-figure="total"]')
            by_type = {
                t: int(page.inner_text(f'[data-figure="by_type:{t}"]'))
                for t in {r.type for r in mine if r.type}
            }
            pdf = page.pdf(format="A4", print_background=True)
        finally:
            browser.close()
    assert sorted(i for i, _ in plots) == ["plot-heatmap", "plot-map", "plot-trend"] and all(
        w > 300 for _, w in plots
    )
    assert int(total) == len(mine)
    assert by_type == dict(Counter(r.type for r in mine))
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    text = "".join(pg.get_text() for pg in doc).replace("\n", "")
    assert f"{place}" in text and "研判报告" in text and f"共受理矛盾纠纷 {len(mine)} 件" in text
    assert sum(len(pg.get_images()) for pg in doc) >= 3
