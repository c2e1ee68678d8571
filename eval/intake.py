"""``brain eval run intake --data FILE [--json]``: dispute-type classification quality.

One case a line: ``{"id": "...", "text": "...", "expected": {"dispute_type": "劳资纠纷"}}`` (optional expected
keys ``risk_level``, ``level``, ``department``). An expected label matches a taxonomy type by its name or any
alias; sub-types roll up to their level-1 type for the headline numbers (``accuracy``, ``macro_f1`` …),
because that is the decision routing starts from; ``sub_type_accuracy`` scores the cases whose label names a
sub-type. A label that maps to nothing is reported and left out of the metrics, never silently dropped.
Baselines (majority class, keyword rules) are computed in the same run on the same cases.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from eval.dataset import load_jsonl
from eval.metrics import (
    ABSTAIN,
    classification_report,
    expected_calibration_error,
    majority_baseline,
    selective_report,
)


class Expected(BaseModel):
    dispute_type: str = Field(min_length=1)
    risk_level: str | None = None
    level: str | None = None
    department: str | None = None


class Case(BaseModel):
    id: str
    text: str = Field(min_length=1)
    expected: Expected


def run_suite(brain: Any, data: Path, *, as_json: bool = False, report: Path | None = None) -> dict[str, Any]:
    loaded = load_jsonl(data, Case)
    from brain.agents.intake.classifier import KeywordClassifier
    from brain.agents.intake.schema import ClassifyRequest
    from brain.agents.intake.taxonomy import taxonomy_index

    threshold = brain.intake_service.threshold  # in-process only: RemoteBrain refuses this suite here
    tax = taxonomy_index(brain.taxonomy().types)
    keywords = KeywordClassifier(tax.types)
    unmapped: Counter[str] = Counter()
    y_true: list[str] = []
    y_pred: list[str] = []
    conf: list[float] = []
    kw_pred: list[str] = []
    top1_correct: list[bool] = []  # the confidence is a confidence in the top-1 label, abstained or not
    sub_hits, sub_n = 0, 0
    risk_hits, risk_n = 0, 0
    latency: list[float] = []
    for case in loaded.cases:
        name = tax.resolve(case.expected.dispute_type)
        if name is None:
            unmapped[case.expected.dispute_type] += 1
            continue
        res = brain.classify(ClassifyRequest(text=case.text, mode="deterministic"))
        c = res.classification
        latency.append(res.took_ms)
        y_true.append(tax.top(name))
        y_pred.append(c.dispute_type if not c.abstained and c.dispute_type else ABSTAIN)
        conf.append(c.confidence)
        top1_correct.append(bool(c.candidates) and c.candidates[0].dispute_type == tax.top(name))
        kw = keywords.predict(case.text)
        kw_pred.append(tax.top(kw) if kw else ABSTAIN)
        if tax.by_name[name].parent:
            sub_n += 1
            sub_hits += c.sub_type == name
        if case.expected.risk_level:
            risk_n += 1
            risk_hits += res.risk.level == case.expected.risk_level
    rep = classification_report(y_true, y_pred)
    sel = selective_report(y_true, y_pred, conf)
    ece, bins = expected_calibration_error(conf, top1_correct)
    kw_rep = classification_report(y_true, kw_pred)
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
            "majority": majority_baseline(y_true, y_true),
            "keyword_rules": {
                "accuracy": kw_rep["accuracy"],
                "macro_f1": kw_rep["macro_f1"],
                "coverage": sum(p != ABSTAIN for p in kw_pred) / len(kw_pred) if kw_pred else 0,
            },
        },
        "unmapped_labels": dict(unmapped),
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


def _print(r: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"受理分类评测 {r['data']}（n={r['n']}）")
    t.add_column("指标")
    t.add_column("值", justify="right")
    for k in ("accuracy", "macro_f1", "coverage", "covered_accuracy", "ece", "sub_type_accuracy"):
        v = r[k]
        t.add_row(k, "-" if v is None else f"{v:.4f}")
    t.add_row("baseline: majority accuracy", f"{r['baselines']['majority']['accuracy']:.4f}")
    t.add_row("baseline: keyword rules accuracy", f"{r['baselines']['keyword_rules']['accuracy']:.4f}")
    t.add_row("baseline: keyword rules macro_f1", f"{r['baselines']['keyword_rules']['macro_f1']:.4f}")
    con.print(t)
    pc = Table(title="各类别 P/R/F1")
    for col in ("类别", "precision", "recall", "f1", "support"):
        pc.add_column(col, justify="left" if col == "类别" else "right")
    for label, m in sorted(r["per_class"].items(), key=lambda kv: -kv[1]["support"]):
        pc.add_row(
            label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(int(m["support"]))
        )
    con.print(pc)
    for label, n in r["unmapped_labels"].items():
        con.print(f"[yellow]标签“{label}”不在分类体系中（{n} 条），未计入[/yellow]")
    for e in r["malformed_lines"]:
        con.print(f"[red]格式错误：{e}[/red]")
