"""The regression gate: run the public dev sets named in ``eval/gate.yaml`` and compare chosen metrics with
their bounds. ``make test`` runs it (tests/test_eval_gate.py); ``brain eval gate`` prints the same table.

Each suite/data pair runs once however many checks read it. A failed check names the metric, the value and
the bound, so the person whose change dropped quality sees what dropped without opening a report.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from brain.settings import REPO_ROOT

GATE_FILE = REPO_ROOT / "eval" / "gate.yaml"


@dataclass(frozen=True)
class Check:
    suite: str
    data: str
    metric: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Outcome:
    check: Check
    value: float | None

    @property
    def ok(self) -> bool:
        if self.value is None:
            return False
        lo_ok = self.check.min is None or self.value >= self.check.min
        hi_ok = self.check.max is None or self.value <= self.check.max
        return lo_ok and hi_ok

    def describe(self) -> str:
        c = self.check
        bound = f">= {c.min}" if c.min is not None else f"<= {c.max}"
        value = "缺失" if self.value is None else f"{self.value:.4f}"
        return f"{c.suite} {c.metric} = {value}，要求 {bound}（数据 {c.data}）"


def load_checks(path: Path = GATE_FILE) -> list[Check]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    checks = [Check(**item) for item in raw.get("checks", [])]
    for c in checks:
        if (c.min is None) == (c.max is None):
            raise ValueError(f"{path}: {c.suite} {c.metric} 需要且只需要 min 或 max 之一")
    return checks


def lookup(result: dict[str, Any], dotted: str) -> float | None:
    """``retrievers.hybrid.recall@10`` -> result["retrievers"]["hybrid"]["recall@10"] (keys may hold dots
    only as path separators; ``recall@10`` has none)."""
    node: Any = result
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def run_gate(brain: Any, checks: list[Check] | None = None) -> list[Outcome]:
    """Run every suite/data pair the checks need (quietly) and evaluate the checks."""
    checks = checks if checks is not None else load_checks()
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for c in checks:
        key = (c.suite, c.data)
        if key not in results:
            module = importlib.import_module(f"eval.{c.suite}")
            with contextlib.redirect_stdout(io.StringIO()):
                results[key] = module.run_suite(brain, REPO_ROOT / c.data, as_json=True, report=None)
    return [Outcome(c, lookup(results[(c.suite, c.data)], c.metric)) for c in checks]
