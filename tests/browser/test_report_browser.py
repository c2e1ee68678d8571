"""The HTML report opens in a real headless chromium (Debian's, no browser download) and its plots load:
each <img class="plot"> has a natural width > 0, i.e. the embedded PNG decoded."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.metrics import confusion_matrix, expected_calibration_error
from eval.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium not installed (apt-get install chromium)"
    ),
]


def _loaded_plots(html_path: Path) -> list[tuple[str, int]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(html_path.as_uri())
            page.wait_for_load_state("load")
            plots: list[tuple[str, int]] = page.eval_on_selector_all(
                "img.plot", "els => els.map(e => [e.alt, e.complete ? e.naturalWidth : 0])"
            )
        finally:
            browser.close()
    return plots


def test_report_plots_load_in_chromium(tmp_path: Path) -> None:
    y_true, y_pred = (
        ["邻里纠纷", "劳动争议", "婚姻家庭纠纷", "邻里纠纷"],
        ["邻里纠纷", "邻里纠纷", "婚姻家庭纠纷", "邻里纠纷"],
    )
    result = {
        "accuracy": 0.75,
        "confusion": confusion_matrix(y_true, y_pred),
        "reliability": expected_calibration_error([0.9, 0.6, 0.8, 0.7], [True, False, True, True])[1],
        "coverage_curve": [{"coverage": 0.5, "accuracy": 1.0}, {"coverage": 1.0, "accuracy": 0.75}],
        "latency_ms": [3.1, 4.2, 5.0, 12.5],
        "retrievers": {
            "bm25": {"recall@1": 0.4, "recall@10": 0.7},
            "hybrid": {"recall@1": 0.45, "recall@10": 0.72},
        },
    }
    html = write_report(tmp_path, "intake", result)
    plots = dict(_loaded_plots(html))
    assert set(plots) == {"混淆矩阵", "可靠性图", "覆盖率-准确率曲线", "延迟分布", "各检索器指标"}
    assert all(width > 0 for width in plots.values()), plots


def test_cli_report_of_a_shipped_set_opens_with_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: `brain eval run drafting --report DIR` on the shipped dev set, then chromium."""
    from typer.testing import CliRunner

    from brain.cli import app

    monkeypatch.setenv("BRAIN_PROFILE", "test")
    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path / "state"))
    data = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "drafting_dev.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "run", "drafting", "--data", str(data), "--report", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.stderr
    plots = _loaded_plots(tmp_path / "r" / "report.html")
    assert plots and all(width > 0 for _, width in plots), plots
