"""``brain eval run intake --data FILE [--json]``: dispute-type classification quality.

One case a line: ``{"id": "...", "text": "...", "expected": {"dispute_type": "劳资纠纷"}}`` (optional expected
keys ``risk_level``, ``level``, ``department``). An expected label matches a taxonomy type by its name or any
alias, or through ``--label-map FILE`` (``eval/label_map.py``: the evaluator's label -> one or more taxonomy
types, any of which counts as right); sub-types roll up to their level-1 type for the headline numbers
(``accuracy``, ``macro_f1`` …), because that is the decision routing starts from; ``sub_type_accuracy``
scores the cases whose label names a sub-type. A label that maps to nothing is listed in
``unmapped_labels`` and counted as an error (class ``未映射:<label>``), never dropped.

``accuracy`` counts every case, abstentions (需人工研判) as wrong; ``covered_accuracy`` only the answered
ones. Baselines computed in the same run on the same cases: majority class, keyword rules, and the previous
shipped classifier (``data/models/intake_classifier_v1``, char n-grams only) when it is present.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eval.dataset import load_jsonl
from eval.label_map import accepted_types, load_label_map
from eval.metrics import (
    ABSTAIN,
    classification_report,
    expected_calibration_error,
    majority_baseline,
    selective_report,
)


class Expected(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)  # "婚姻家庭纠纷 " from a spreadsheet export

    dispute_type: str = Field(min_length=1)
    risk_level: str | None = None
    level: str | None = None
    department: str | None = None


class Case(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a set may number its cases

    id: str
    text: str = Field(min_length=1)
    expected: Expected


PREVIOUS_MODEL = Path(__file__).resolve().parents[1] / "data" / "models" / "intake_classifier_v1"
UNMAPPED = "未映射:"


def _previous(tax: Any) -> Any:
    """Today's classifier before issue 13 (char n-grams, no instruction guard, no catch-all rule)."""
    from brain.agents.intake.decide import TypeDecider

    if not (PREVIOUS_MODEL / "level1" / "meta.json").exists():
        return None
    return TypeDecider.load(PREVIOUS_MODEL, tax, legacy=True)


def run_suite(
    brain: Any,
    data: Path,
    *,
    as_json: bool = False,
    report: Path | None = None,
    label_map: Path | None = None,
) -> dict[str, Any]:
    loaded = load_jsonl(data, Case)
    from brain.agents.intake.classifier import KeywordClassifier
    from brain.agents.intake.schema import ClassifyRequest
    from brain.agents.intake.taxonomy import taxonomy_index

    threshold = brain.intake_service.threshold  # in-process only: RemoteBrain refuses this suite here
    tax = taxonomy_index(brain.taxonomy().types)
    keywords = KeywordClassifier(tax.types)
    mapping = load_label_map(label_map, tax) if label_map else None
    previous = _previous(tax)
    prev_pred: list[str] = []
    acc_sets: list[tuple[str, ...]] = []  # per case: the level-1 types that count as right
    unmapped: Counter[str] = Counter()
    y_pred: list[str] = []
    conf: list[float] = []
    kw_pred: list[str] = []
    top1_correct: list[bool] = []  # the confidence is a confidence in the top-1 label, abstained or not
    sub_hits, sub_n = 0, 0
    risk_hits, risk_n = 0, 0
    latency: list[float] = []
    for case in loaded.cases:
        label = case.expected.dispute_type
        accepted = accepted_types(label, tax, mapping)
        res = brain.classify(ClassifyRequest(text=case.text, mode="deterministic"))
        c = res.classification
        latency.append(res.took_ms)
        pred = c.dispute_type if not c.abstained and c.dispute_type else ABSTAIN
        kw = keywords.predict(case.text)
        kw_pred.append(tax.top(kw) if kw else ABSTAIN)
        if previous is not None:
            pc = previous.classify(case.text)
            prev_pred.append(pc.dispute_type if not pc.abstained and pc.dispute_type else ABSTAIN)
        y_pred.append(pred)
        conf.append(c.confidence)
        if accepted is None:
            unmapped[label] += 1
            acc_sets.append((UNMAPPED + label,))
            top1_correct.append(False)
            continue
        tops = tuple(dict.fromkeys(tax.top(a) for a in accepted))
        acc_sets.append(tops)
        top1_correct.append(bool(c.candidates) and c.candidates[0].dispute_type in tops)
        name = accepted[0]
        if tax.by_name[name].parent:
            sub_n += 1
            sub_hits += c.sub_type == name
        if case.expected.risk_level:
            risk_n += 1
            risk_hits += res.risk.level == case.expected.risk_level
    y_true = _truth(acc_sets, y_pred)
    rep = classification_report(y_true, y_pred)
    sel = selective_report(y_true, y_pred, conf)
    ece, bins = expected_calibration_error(conf, top1_correct)
    kw_rep = classification_report(_truth(acc_sets, kw_pred), kw_pred)
    prev = None
    if prev_pred:
        prev_true = _truth(acc_sets, prev_pred)
        prev_rep = classification_report(prev_true, prev_pred)
        prev_sel = selective_report(prev_true, prev_pred, [1.0] * len(prev_pred))
        prev = {
            "accuracy": prev_rep["accuracy"],
            "macro_f1": prev_rep["macro_f1"],
            "coverage": prev_sel["coverage"],
            "covered_accuracy": prev_sel["covered_accuracy"],
        }
    result: dict[str, Any] = {
        "suite": "intake",
        "data": str(data),
        "n": len(y_true),
        "accuracy": rep["accuracy"],
        "macro_f1": rep["macro_f1"],
        "per_class": rep["per_class"],
        "coverage": sel["coverage"],
        "covered_accuracy": sel["covered_accuracy"],
        "ece": ece,
        "sub_type_accuracy": sub_hits / sub_n if sub_n else None,
        "sub_type_n": sub_n,
        "risk_accuracy": risk_hits / risk_n if risk_n else None,
        "abstain_threshold": threshold,
        "baselines": {
            "previous_model": prev,
            "majority": majority_baseline(y_true, y_true),
            "keyword_rules": {
                "accuracy": kw_rep["accuracy"],
                "macro_f1": kw_rep["macro_f1"],
                "coverage": sum(p != ABSTAIN for p in kw_pred) / len(kw_pred) if kw_pred else 0,
            },
        },
        "unmapped_labels": dict(unmapped),
        "unmapped_counted_as_errors": sum(unmapped.values()),
        "label_map": str(label_map) if label_map else None,
        "malformed_lines": [str(e) for e in loaded.errors],
        "reliability": bins,
        "coverage_curve": sel["curve"],
        "latency_ms": latency,
    }
    if report:
        from eval.report import write_report

        write_report(report, "intake", result, data_file=str(data))
    if as_json:
        slim = {k: v for k, v in result.items() if k not in ("latency_ms", "coverage_curve", "reliability")}
        sys.stdout.write(json.dumps(slim, ensure_ascii=False) + "\n")
    else:
        _print(result)
    return result


def _truth(acc_sets: list[tuple[str, ...]], preds: list[str]) -> list[str]:
    """Per case the expected label to score ``preds`` against: the prediction itself when it is one of the
    accepted types (a label map may accept several), else the first accepted type."""
    return [p if p in acc else acc[0] for acc, p in zip(acc_sets, preds, strict=True)]


def _print(r: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"受理分类评测 {r['data']}（n={r['n']}）")
    t.add_column("指标")
    t.add_column("值", justify="right")
    names = {
        "accuracy": "准确率（全部用例，弃权计错） accuracy",
        "covered_accuracy": "准确率（仅已作答） covered_accuracy",
        "coverage": "作答率 coverage",
        "macro_f1": "macro_f1",
        "ece": "校准误差 ece",
        "sub_type_accuracy": "子类型准确率 sub_type_accuracy",
    }
    for k, name in names.items():
        v = r[k]
        t.add_row(name, "-" if v is None else f"{v:.4f}")
    b = r["baselines"]
    if b.get("previous_model"):
        pm = b["previous_model"]
        t.add_row("baseline: 上一版分类器 accuracy（全部）", f"{pm['accuracy']:.4f}")
        t.add_row("baseline: 上一版分类器 covered_accuracy", f"{pm['covered_accuracy']:.4f}")
        t.add_row("baseline: 上一版分类器 macro_f1", f"{pm['macro_f1']:.4f}")
    t.add_row("baseline: majority accuracy", f"{b['majority']['accuracy']:.4f}")
    t.add_row("baseline: keyword rules accuracy", f"{b['keyword_rules']['accuracy']:.4f}")
    t.add_row("baseline: keyword rules macro_f1", f"{b['keyword_rules']['macro_f1']:.4f}")
    if r.get("unmapped_counted_as_errors"):
        t.add_row("未映射标签（计为错误）", str(r["unmapped_counted_as_errors"]))
    con.print(t)
    pc = Table(title="各类别 P/R/F1")
    for col in ("类别", "precision", "recall", "f1", "support"):
        pc.add_column(col, justify="left" if col == "类别" else "right")
    for label, m in sorted(r["per_class"].items(), key=lambda kv: -kv[1]["support"]):
        pc.add_row(
            label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(int(m["support"]))
        )
    con.print(pc)
    curve = r.get("coverage_curve") or []
    if curve:
        ct = Table(title="作答率—准确率曲线（按置信度阈值）")
        for col in ("阈值", "作答率", "已作答准确率"):
            ct.add_column(col, justify="right")
        step = max(1, len(curve) // 8)
        for point in curve[::step]:
            ct.add_row(*(f"{point.get(k, 0):.3f}" for k in ("threshold", "coverage", "accuracy")))
        con.print(ct)
    for label, n in r["unmapped_labels"].items():
        con.print(f"[yellow]标签“{label}”不在分类体系或标签映射中（{n} 条），计为错误[/yellow]")
    for e in r["malformed_lines"]:
        con.print(f"[red]格式错误：{e}[/red]")
