"""Drafting suite: ``brain eval run drafting --data FILE [--json] [--report DIR] [--url URL]``.

One case a line::

    {"id": "...", "input": {<AgreementRequest: facts, parties, terms_text, ...>},
     "expected": {"missing_fields": ["committee_name", ...], "warnings": ["amount_mismatch", ...]}}

``input`` is exactly the body of ``POST /v1/agreements/draft`` (:class:`brain.agreements.models.AgreementRequest`).
``expected.missing_fields`` is the full list of gaps the draft should report (field paths as the API names
them); ``expected.warnings`` the finding codes it must raise (others may appear; unexpected *error-level*
codes are counted as false alarms).

What is measured, and why (a 协议书 is signed and can be enforced by a court, so silent defects matter most):

- ``fields_accounted``: share of required fields (人民调解法 第二十九条) that are filled *or* flagged missing;
  anything below 1.0 is a silent gap. ``completeness``: share actually filled.
- ``missing_fields_precision/recall`` over (case, field) pairs, and ``missing_fields_exact`` (cases whose
  list is exactly the expected one).
- ``warning_recall`` over expected codes; ``unexpected_error_cases``: cases with an error-level finding not
  expected (a false alarm makes a mediator stop trusting the checker).
- ``consistency_errors``: amounts whose figures and capitals disagree in the rendered text, plus 【待补充】
  gaps in the text that ``missing_fields`` does not list; ``unflagged_consistency_errors``: those the checker
  did not report (an input with a wrong 大写 should be rendered *and* flagged ``amount_mismatch``).
- ``invented_names`` / ``invented_amounts``: names and sums in the rendered text that do not occur in the
  input — the mechanical check of tests/test_agreement_cases.py. ``cases_with_invention`` counts the cases.
- per-case latency (``latency``: p50/p95/p99 ms).
"""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brain.agreements.amounts import find_amounts
from brain.agreements.extract import extract_parties
from brain.agreements.models import FIELD_LABELS, REQUIRED_FIELDS, AgreementDraft, AgreementRequest
from brain.agreements.render import PLACEHOLDER_RE
from brain.errors import BrainError
from eval.dataset import load_jsonl
from eval.metrics import METRICS_VERSION, percentiles
from eval.report import print_result

_SIGNATURE_LINE = re.compile(r"^(?:申请人|被申请人|甲方|乙方|丙方|丁方|当事人) (\S+)：$", re.M)
_STAFF_LINE = re.compile(r"(?:人民调解员|记录人)（签名）：(\S+)")


class Expected(BaseModel):
    missing_fields: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class DraftingCase(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a set may number its cases

    id: str
    input: AgreementRequest
    expected: Expected = Field(default_factory=Expected)


def _filled(draft: AgreementDraft, key: str) -> bool:
    value = draft.agreement.signatures.parties if key == "signatures" else getattr(draft.agreement, key)
    return bool(value)


def inventions(request: AgreementRequest, draft: AgreementDraft) -> tuple[list[str], list[str]]:
    """Names and amounts in the rendered text that the input never mentions (empty lists: nothing invented)."""
    source = request.model_dump_json(exclude_none=True)
    source_plain = json.dumps(json.loads(source), ensure_ascii=False)
    names = {p.name for p in extract_parties(draft.text)}
    names |= set(_SIGNATURE_LINE.findall(draft.text)) | set(_STAFF_LINE.findall(draft.text))
    for term in draft.agreement.agreed_terms:
        names |= {n for ob in term.obligations for n in (ob.obligor, ob.payee) if n}
    invented_names = sorted(n for n in names if n not in source_plain)
    known = {m.value for m in find_amounts(source_plain)} | {
        Decimal(t.amount).quantize(Decimal("0.01")) for t in request.terms if t.amount is not None
    }
    invented_amounts = sorted({str(m.value) for m in find_amounts(draft.text) if m.value not in known})
    return invented_names, invented_amounts


def score_case(case: DraftingCase, draft: AgreementDraft) -> dict[str, Any]:
    """Per-case numbers; the suite sums them. Kept separate so a test can score a hand-made draft."""
    got_missing, want_missing = set(draft.missing_fields), set(case.expected.missing_fields)
    codes = {w.code for w in draft.warnings}
    error_codes = {w.code for w in draft.warnings if w.severity == "error"}
    listed_labels = {FIELD_LABELS.get(k.rsplit(".", 1)[-1], k) for k in draft.missing_fields}
    unlisted_gaps = [
        g for g in PLACEHOLDER_RE.findall(draft.text) if g[len("【待补充：") : -1] not in listed_labels
    ]
    inconsistent = [m.text for m in find_amounts(draft.text) if not m.consistent]
    names, amounts = inventions(case.input, draft)
    return {
        "id": case.id,
        "filled": sum(_filled(draft, k) for k in REQUIRED_FIELDS),
        "accounted": sum(_filled(draft, k) or k in got_missing for k in REQUIRED_FIELDS),
        "missing_tp": len(got_missing & want_missing),
        "missing_fp": sorted(got_missing - want_missing),
        "missing_fn": sorted(want_missing - got_missing),
        "warnings_found": sorted(set(case.expected.warnings) & codes),
        "warnings_not_raised": sorted(set(case.expected.warnings) - codes),
        "unexpected_errors": sorted(error_codes - set(case.expected.warnings) - {"missing_field"}),
        "consistency_errors": inconsistent + unlisted_gaps,
        # an inconsistency the checker did not flag is what would reach the bank or the court unnoticed
        "unflagged_consistency_errors": len(unlisted_gaps)
        + (len(inconsistent) if "amount_mismatch" not in codes else 0),
        "invented_names": names,
        "invented_amounts": amounts,
        "mode": draft.mode,
    }


def run_suite(brain: Any, data: Path, *, as_json: bool = False, report: Path | None = None) -> dict[str, Any]:
    loaded = load_jsonl(data, DraftingCase)
    per_case: list[dict[str, Any]] = []
    latency: list[float] = []
    failures: list[str] = []
    for case in loaded.cases:
        started = time.perf_counter()
        try:
            # Evaluation must not use up the committee's real agreement numbers.
            draft = brain.draft_agreement(case.input.model_copy(update={"reserve_number": False}))
        except BrainError as e:  # one unusable case must not end the evaluator's run
            failures.append(f"{case.id}：{e}")
            continue
        latency.append((time.perf_counter() - started) * 1000)
        per_case.append(score_case(case, draft))
    result = summarise(per_case, latency)
    result = {
        "suite": "drafting",
        "data": str(data),
        "metrics_version": METRICS_VERSION,
        **result,
        "failed_cases": failures,
        "errors": [str(e) for e in loaded.errors],
        "cases": per_case,
        "latency_ms": latency,
    }
    print_result(result, as_json=as_json, title=f"协议书起草评测 {data}（n={result['n']}）")
    return result


def summarise(per_case: list[dict[str, Any]], latency: list[float]) -> dict[str, Any]:
    n = len(per_case)
    req = len(REQUIRED_FIELDS) * n
    tp = sum(c["missing_tp"] for c in per_case)
    fp = sum(len(c["missing_fp"]) for c in per_case)
    fn = sum(len(c["missing_fn"]) for c in per_case)
    w_found = sum(len(c["warnings_found"]) for c in per_case)
    w_total = w_found + sum(len(c["warnings_not_raised"]) for c in per_case)
    return {
        "n": n,
        "completeness": sum(c["filled"] for c in per_case) / req if req else 0.0,
        "fields_accounted": sum(c["accounted"] for c in per_case) / req if req else 0.0,
        "missing_fields_precision": tp / (tp + fp) if tp + fp else 1.0,
        "missing_fields_recall": tp / (tp + fn) if tp + fn else 1.0,
        "missing_fields_exact": sum(not c["missing_fp"] and not c["missing_fn"] for c in per_case) / n
        if n
        else 0.0,
        "warning_recall": w_found / w_total if w_total else 1.0,
        "unexpected_error_cases": sum(bool(c["unexpected_errors"]) for c in per_case),
        "consistency_errors": sum(len(c["consistency_errors"]) for c in per_case),
        "unflagged_consistency_errors": sum(c["unflagged_consistency_errors"] for c in per_case),
        "invented_names": sum(len(c["invented_names"]) for c in per_case),
        "invented_amounts": sum(len(c["invented_amounts"]) for c in per_case),
        "cases_with_invention": sum(bool(c["invented_names"] or c["invented_amounts"]) for c in per_case),
        "latency": percentiles(latency),
    }
