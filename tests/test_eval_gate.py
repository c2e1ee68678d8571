"""The regression gate of issue 9: the public dev sets in eval/gate.yaml must keep their measured quality.

One in-process Brain on the test profile (real index built from the shipped corpus, the same code path as
`brain eval run`). A failure names the metric, its value and the bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from brain.service import Brain
from brain.settings import load_settings
from eval.gate import Check, Outcome, load_checks, lookup, run_gate


def test_gate_file_is_well_formed() -> None:
    checks = load_checks()
    assert {c.suite for c in checks} == {"retrieval", "intake", "drafting", "chat"}
    for c in checks:
        assert Path(c.data).exists() or (Path(__file__).parents[1] / c.data).exists(), c.data


def test_failure_message_names_metric_value_and_bound() -> None:
    out = Outcome(Check("chat", "eval/datasets/chat_dev.jsonl", "citation_recall", min=0.5), 0.42)
    assert not out.ok
    assert out.describe() == "chat citation_recall = 0.4200，要求 >= 0.5（数据 eval/datasets/chat_dev.jsonl）"
    assert not Outcome(Check("x", "d", "m", max=0), 1.0).ok
    assert not Outcome(Check("x", "d", "m", min=0), None).ok  # a metric that vanished fails, never passes
    assert lookup({"retrievers": {"hybrid": {"recall@10": 0.7}}}, "retrievers.hybrid.recall@10") == 0.7


def test_quality_gate(tmp_path_factory: pytest.TempPathFactory) -> None:
    brain = Brain(load_settings("test", state_dir=str(tmp_path_factory.mktemp("gate-state"))))
    try:
        outcomes = run_gate(brain)
    finally:
        brain.close()
    failed = [o.describe() for o in outcomes if not o.ok]
    assert not failed, "评测回归门禁未通过：\n" + "\n".join(failed)
