"""``brain eval run risk --data eval/datasets/risk_dev.jsonl [--json]``: risk signals and colours.

One case a line: ``{"id", "text", "expected": {"level": "红|橙|黄|蓝", "signals": [names]}, "kind", "source"}``.
``signals`` lists the signal names any one of which counts as a hit (a 持刀 threat may be caught as 扬言报复 or
as 持械或危险物品); an empty list means the case must raise no 橙/红 alarm (ordinary complaints, negated and
long-past mentions, the rules' words in a harmless sense).

What is measured (a missed threat costs far more than a false alarm, but a detector that cries wolf on every
complaint is switched off by the clerks):

- ``signal_recall``: cases with expected signals where one of them fires at its full colour;
- ``level_recall``: those cases whose colour is at least the expected one; ``level_exact``: exactly it;
- ``false_alarm_rate``: cases expecting no alarm that are coloured 橙 or 红; ``any_signal_rate``: that get
  any signal at all (黄 reminders included);
- the same per ``kind`` (threat, tool, self-harm, group, negated, past, ordinary, public …);
- baseline in the same run: the graph's keywords alone (substring match, a 3-character negation window — the
  detector before the colloquial patterns and context checks).

The dev set was read while the patterns were written: these are dev figures (``eval/datasets/README.md``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eval.dataset import load_jsonl
from eval.metrics import METRICS_VERSION, percentiles
from eval.report import print_result

ORDER = ("蓝", "黄", "橙", "红")
ALARM = ("橙", "红")
_OLD_NEGATION = ("没有", "没", "并未", "未", "不会", "不是", "并没有", "从未", "无")


class Expected(BaseModel):
    level: str = Field(pattern="^[红橙黄蓝]$")
    signals: list[str] = Field(default_factory=list)


class RiskCase(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a set may number its cases

    id: str
    text: str = Field(min_length=1)
    expected: Expected
    kind: str = "other"
    source: str | None = None


def keyword_baseline(text: str, rules: Any) -> tuple[str, set[str]]:
    """The graph's keywords only: the first non-negated substring of each rule (no patterns, no context)."""
    names: set[str] = set()
    level = "蓝"
    for rule in rules:
        for kw in rule.keywords:
            at = text.find(kw)
            while at != -1 and any(text[max(0, at - 3) : at].endswith(n) for n in _OLD_NEGATION):
                at = text.find(kw, at + 1)
            if at != -1:
                names.add(rule.name)
                level = max(level, rule.colour, key=ORDER.index)
                break
    return level, names


def _score(case: RiskCase, level: str, names: set[str]) -> dict[str, Any]:
    exp = case.expected
    positive = bool(exp.signals)
    return {
        "id": case.id,
        "kind": case.kind,
        "positive": positive,
        "signal_hit": positive and bool(names & set(exp.signals)),
        "level_ok": ORDER.index(level) >= ORDER.index(exp.level),
        "level_exact": level == exp.level,
        "alarm": level in ALARM,
        "any_signal": bool(names),
        "level": level,
        "signals": sorted(names),
    }


def summarise(scored: list[dict[str, Any]]) -> dict[str, float | int | None]:
    pos = [s for s in scored if s["positive"]]
    neg = [s for s in scored if not s["positive"]]

    def share(rows: list[dict[str, Any]], key: str) -> float | None:
        return round(sum(bool(r[key]) for r in rows) / len(rows), 4) if rows else None

    return {
        "n_positive": len(pos),
        "n_no_alarm": len(neg),
        "signal_recall": share(pos, "signal_hit"),
        "level_recall": share(pos, "level_ok"),
        "level_exact": share(pos, "level_exact"),
        "false_alarm_rate": share(neg, "alarm"),
        "any_signal_rate": share(neg, "any_signal"),
    }


def run_suite(brain: Any, data: Path, *, as_json: bool = False, report: Path | None = None) -> dict[str, Any]:
    from brain.agents.intake.schema import ClassifyRequest
    from brain.agents.intake.taxonomy import load_risk_rules

    loaded = load_jsonl(data, RiskCase)
    rules = load_risk_rules()
    scored: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    latency: list[float] = []
    failures: list[str] = []
    for case in loaded.cases:
        started = time.perf_counter()
        try:
            risk = brain.classify(ClassifyRequest(text=case.text)).risk
        except Exception as e:  # one unusable case must not end the evaluator's run
            failures.append(f"{case.id}：{e}")
            continue
        latency.append((time.perf_counter() - started) * 1000)
        current = {s.name for s in risk.signals if s.level in ALARM or "既往" not in s.rule}
        row = _score(case, risk.level, current)
        row["evidence"] = [s.evidence for s in risk.signals]
        scored.append(row)
        base.append(_score(case, *keyword_baseline(case.text, rules)))
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in scored:
        by_kind[row["kind"]].append(row)
    result: dict[str, Any] = {
        "suite": "risk",
        "data": str(data),
        "metrics_version": METRICS_VERSION,
        "n": len(scored),
        **summarise(scored),
        "baselines": {"graph_keywords_only": summarise(base)},
        "per_kind": {k: summarise(v) for k, v in sorted(by_kind.items())},
        "misses": [
            r for r in scored if (r["positive"] and not r["signal_hit"]) or (not r["positive"] and r["alarm"])
        ],
        "failed_cases": failures,
        "errors": [str(e) for e in loaded.errors],
        "cases": scored,
        "latency": percentiles(latency),
    }
    print_result(result, as_json=as_json, title=f"风险信号评测\n{data}（n={len(scored)}）")
    if not as_json:
        for kind, block in result["per_kind"].items():
            figures = "  ".join(f"{k}={v}" for k, v in block.items() if v is not None)
            print(f"  {kind}: {figures}")
    return result
