"""Metrics checked against numbers worked out by hand, and the report/compare round trip."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from eval.dataset import load_jsonl
from eval.metrics import (
    ABSTAIN,
    classification_report,
    confusion_matrix,
    expected_calibration_error,
    percentiles,
    retrieval_metrics,
    selective_report,
)
from eval.report import compare, write_report


def test_classification_report_by_hand() -> None:
    y_true = ["邻里", "邻里", "劳资", "婚姻"]
    y_pred = ["邻里", "劳资", "劳资", ABSTAIN]
    rep = classification_report(y_true, y_pred)
    assert rep["accuracy"] == pytest.approx(0.5)
    # 邻里: p=1 r=.5 f1=2/3; 劳资: p=.5 r=1 f1=2/3; 婚姻: 0
    assert rep["per_class"]["邻里"]["f1"] == pytest.approx(2 / 3)
    assert rep["per_class"]["劳资"]["precision"] == pytest.approx(0.5)
    assert rep["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    sel = selective_report(y_true, y_pred, [0.9, 0.6, 0.8, 0.1])
    assert sel["coverage"] == pytest.approx(0.75)
    assert sel["covered_accuracy"] == pytest.approx(2 / 3)
    assert sel["curve"][-1]["coverage"] == 1.0


def test_confusion_and_ece() -> None:
    cm = confusion_matrix(["a", "b"], ["a", "a"])
    assert cm["labels"] == ["a", "b"] and cm["matrix"] == [[1, 0], [1, 0]]
    ece, bins = expected_calibration_error([0.95, 0.95, 0.15], [True, False, False])
    # bin (.9,1]: conf .95 acc .5 -> 2/3*.45 ; bin (.1,.2]: conf .15 acc 0 -> 1/3*.15
    assert ece == pytest.approx(2 / 3 * 0.45 + 1 / 3 * 0.15)
    assert sum(b["count"] for b in bins) == 3


def test_retrieval_metrics_by_hand() -> None:
    m = retrieval_metrics([[False, True, False], [True, False, False]], [1, 2], ks=(1, 5))
    assert m["recall@1"] == pytest.approx((0 + 0.5) / 2)
    assert m["recall@5"] == pytest.approx((1 + 0.5) / 2)
    assert m["mrr"] == pytest.approx((0.5 + 1) / 2)
    ideal2 = 1 + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / ideal2) / 2)
    assert percentiles([1, 2, 3, 4])["p50"] == 2


def test_loader_reports_bad_lines_and_continues(tmp_path: Path) -> None:
    from pydantic import BaseModel

    class Case(BaseModel):
        id: str
        text: str

    f = tmp_path / "x.jsonl"
    f.write_text(
        '{"id": "1", "text": "甲"}\n{oops\n{"id": "3"}\n{"id": "4", "text": "乙"}\n', encoding="utf-8"
    )
    loaded = load_jsonl(f, Case)
    assert [c.id for c in loaded.cases] == ["1", "4"]
    assert [e.line for e in loaded.errors] == [2, 3]
    assert "text" in loaded.errors[1].message


def test_report_html_has_plots_and_compare(tmp_path: Path) -> None:
    result: dict[str, Any] = {
        "metrics": {"accuracy": 0.5, "macro_f1": 0.4},
        "confusion": confusion_matrix(["邻里", "劳资"], ["邻里", "邻里"]),
        "reliability": expected_calibration_error([0.9, 0.4], [True, False])[1],
        "coverage_curve": [{"coverage": 0.5, "accuracy": 1.0}, {"coverage": 1.0, "accuracy": 0.5}],
        "latency_ms": [1.0, 2.0, 3.0],
    }
    html_path = write_report(tmp_path / "a", "intake", result)
    page = html_path.read_text(encoding="utf-8")
    assert page.count('<img class="plot"') == 4 and "混淆矩阵" in page
    assert json.loads((tmp_path / "a" / "report.json").read_text())["metrics"]["accuracy"] == 0.5
    result["metrics"]["accuracy"] = 0.75
    write_report(tmp_path / "b", "intake", result)
    rows = {m: d for m, _a, _b, d in compare(tmp_path / "a", tmp_path / "b")}
    assert rows["metrics.accuracy"] == pytest.approx(0.25)
