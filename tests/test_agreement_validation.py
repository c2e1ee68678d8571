"""Bad input is refused (422) or drafted with warnings that say exactly what is wrong — never a silent bad
document; validation of an edited agreement; atomic per-committee numbering."""

from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brain.agreements.models import AgreementDraft
from brain.agreements.numbering import AgreementCounter
from brain.errors import InputError
from brain.service import Brain
from brain.settings import load_settings

FACTS = "申请人：张三，男，住枫桥镇。被申请人：李四，男，住枫桥镇。李四驾驶电动车撞伤张三。"
BASE: dict[str, Any] = {
    "facts": FACTS,
    "responsibility": "李四负全部责任。",
    "committee_name": "枫桥镇人民调解委员会",
    "date": "2026-03-01",
}


@pytest.fixture
def brain(tmp_path: Path) -> Brain:
    return Brain(load_settings("test", state_dir=str(tmp_path)))


def draft(brain: Brain, **changes: Any) -> AgreementDraft:
    result: AgreementDraft = brain.agreement_service.draft(BASE | changes)
    return result


def codes(d: Any, severity: str = "error") -> set[str]:
    return {w.code for w in d.warnings if w.severity == severity}


def test_no_parties_is_refused_with_a_clear_message(brain: Brain) -> None:
    with pytest.raises(InputError) as e:
        brain.agreement_service.draft(
            {"facts": "两家因为排水沟的事吵起来了。", "terms_text": "一方赔偿另一方500元。"}
        )
    assert e.value.where == "parties" and "未能确定当事人" in e.value.message and e.value.http_status == 422


def test_contradictory_figures_and_capitals_are_flagged_and_kept_as_typed(brain: Brain) -> None:
    d = draft(
        brain,
        terms_text="被申请人李四于2026年3月31日前以银行转账方式向申请人张三支付15000元（壹万叁仟元整）。",
    )
    w = next(w for w in d.warnings if w.code == "amount_mismatch")
    assert w.field == "agreed_terms[0].text" and "壹万伍仟元整" in w.message and w.severity == "error"
    assert "15000元（壹万叁仟元整）" in d.text  # not silently "corrected" either way
    assert not brain.agreement_service.validate(d).ok
    with pytest.raises(InputError, match="金额"):
        brain.agreement_service.export(d, "pdf")
    assert brain.agreement_service.export(d, "pdf", force=True).startswith(b"%PDF")


def test_structured_amount_capital_mismatch(brain: Brain) -> None:
    d = draft(
        brain,
        terms=[
            {
                "obligor": "李四",
                "payee": "张三",
                "amount": 15000,
                "amount_capital": "壹万伍仟伍佰元整",
                "method": "现金",
                "deadline": "2026年3月31日前",
            }
        ],
    )
    w = next(w for w in d.warnings if w.code == "amount_mismatch")
    assert w.field == "agreed_terms[0].amount_capital" and "15500" in w.message
    assert "人民币15000元（大写：壹万伍仟元整）" in d.text


def test_term_without_deadline_or_method_is_listed_and_marked(brain: Brain) -> None:
    d = draft(brain, terms_text="被申请人李四向申请人张三赔偿医疗费5000元。")
    assert {"agreed_terms[0].obligations[0].deadline", "agreed_terms[0].obligations[0].method"} <= set(
        d.missing_fields
    )
    assert {"term_missing_deadline", "term_missing_method"} <= codes(d)
    assert "【待补充：履行期限】" in d.text and "【待补充：履行方式】" in d.text
    with pytest.raises(InputError):
        brain.agreement_service.draft(
            BASE | {"terms_text": "被申请人李四向申请人张三赔偿医疗费5000元。", "strict": True}
        )


def test_impossible_date_is_an_error(brain: Brain) -> None:
    d = draft(brain, terms_text="被申请人李四于2026年2月30日前以现金方式向申请人张三支付3000元。")
    w = next(w for w in d.warnings if w.code == "invalid_date")
    assert "2026年2月30日" in w.message and w.field == "agreed_terms[0].text"
    assert "agreed_terms[0].obligations[0].deadline" in d.missing_fields  # an impossible date is no deadline
    d2 = draft(
        brain,
        terms=[
            {"obligor": "李四", "payee": "张三", "amount": 3000, "method": "现金", "deadline": "2026-02-30"}
        ],
    )
    assert "invalid_date" in codes(d2)


def test_deadline_before_signing_is_flagged(brain: Brain) -> None:
    d = draft(brain, terms_text="被申请人李四于2026年1月31日前以现金方式向申请人张三支付3000元。")
    assert "deadline_before_signing" in codes(d)


def test_a_name_spelled_two_ways_is_caught(brain: Brain) -> None:
    d = draft(
        brain,
        terms=[
            {
                "obligor": "李肆",
                "payee": "张三",
                "amount": 800,
                "method": "现金",
                "deadline": "2026年4月1日前",
            }
        ],
    )
    w = next(w for w in d.warnings if w.code == "name_mismatch")
    assert w.field == "agreed_terms[0].obligations[0].obligor" and "李四" in w.message
    d2 = draft(
        brain, terms_text="被申请人李四于2026年4月1日前以现金方式向申请人张三支付800元，张叁收款后出具收条。"
    )
    assert any(w.code == "name_variant" and "张叁" in w.message for w in d2.warnings)
    d3 = draft(
        brain,
        terms=[
            {
                "obligor": "王五",
                "payee": "张三",
                "amount": 800,
                "method": "现金",
                "deadline": "2026年4月1日前",
            }
        ],
    )
    assert "unknown_party" in codes(d3)


def test_installments_must_add_up(brain: Brain) -> None:
    d = draft(
        brain,
        terms_text="被申请人李四赔偿申请人张三共计9000元，于2026年4月1日前以现金方式支付3000元，"
        "于2026年5月1日前以现金方式支付5000元。",
    )
    assert "installment_sum_mismatch" in codes(d)


def test_validate_catches_edits_copies_notice_and_signatures(brain: Brain) -> None:
    d = draft(brain, terms_text="被申请人李四于2026年4月1日前以现金方式向申请人张三支付800元。")
    assert brain.agreement_service.validate(d).ok
    edited = d.agreement.model_copy(
        update={
            "copies_count": 2,
            "judicial_confirmation_notice": None,
            "responsibility": "【待补充：各方当事人的责任】",
            "signatures": d.agreement.signatures.model_copy(update={"parties": ["张三"]}),
        }
    )
    report = brain.agreement_service.validate(edited)
    found = {(w.field, w.code) for w in report.warnings}
    assert ("copies", "copies_count") in found
    assert ("judicial_confirmation_notice", "judicial_confirmation_notice") in found
    assert ("signatures.parties", "signature_missing_party") in found
    assert "responsibility" in report.missing_fields and not report.ok
    one_party = d.agreement.model_copy(update={"parties": d.agreement.parties[:1]})
    assert "single_party" in {w.code for w in brain.agreement_service.validate(one_party).warnings}


def test_copies_are_parties_plus_one(brain: Brain) -> None:
    d = brain.agreement_service.draft(
        BASE
        | {
            "facts": FACTS + "第三人：王五。",
            "parties": [
                {"role": "申请人", "name": "张三"},
                {"role": "被申请人", "name": "李四"},
                {"role": "被申请人", "name": "王五"},
            ],
        }
    )
    assert d.agreement.copies_count == 4 and "一式四份" in d.text


def test_nothing_is_invented_when_sources_are_missing(brain: Brain) -> None:
    d = brain.agreement_service.draft({"facts": "申请人：张三。被申请人：李四。"})
    assert d.agreement.agreed_terms == [] and d.agreement.performance is None
    assert {"agreed_terms", "performance", "committee_name", "agreement_no", "responsibility"} <= set(
        d.missing_fields
    )
    assert d.agreement.signatures.date is None and "    年    月    日" in d.text


def test_bad_request_shapes_become_input_errors(brain: Brain) -> None:
    with pytest.raises(InputError) as e:
        brain.agreement_service.draft({"facts": "x", "parties": [{"name": "  "}]})
    assert "parties.0.name" in (e.value.where or "")
    with pytest.raises(InputError):
        brain.agreement_service.export({"parties": []}, "odt")


def _bump(args: tuple[str, int]) -> list[int]:
    state, n = args
    counter = AgreementCounter(Path(state))
    return [counter.next(2026, "枫桥镇人民调解委员会") for _ in range(n)]


def test_counter_is_atomic_across_processes(tmp_path: Path) -> None:
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_bump, [(str(tmp_path), 15)] * 4)
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(1, 61))
    counter = AgreementCounter(tmp_path)
    assert counter.peek(2026, "枫桥镇人民调解委员会") == 60
    assert counter.next(2027, "枫桥镇人民调解委员会") == 1  # a new year starts again at 1
    assert counter.next(2026, "东和乡人民调解委员会") == 1  # counted per committee


def test_numbers_persist_and_use_the_agreement_year(tmp_path: Path) -> None:
    first = Brain(load_settings("test", state_dir=str(tmp_path)))
    assert draft(first).agreement.agreement_no == "（2026）枫桥镇人调字第1号"
    second = Brain(load_settings("test", state_dir=str(tmp_path)))  # a restart keeps counting
    assert draft(second).agreement.agreement_no == "（2026）枫桥镇人调字第2号"
    assert draft(second, region="枫").agreement.agreement_no == "（2026）枫调字第3号"
    assert draft(second, agreement_no="（2026）枫调字第88号").agreement.agreement_no == "（2026）枫调字第88号"
    assert draft(second, date=str(date(2025, 12, 31))).agreement.agreement_no == "（2025）枫桥镇人调字第1号"


def test_preview_does_not_use_up_a_number(brain: Brain) -> None:
    first = draft(brain).agreement.agreement_no
    preview = draft(brain, reserve_number=False).agreement.agreement_no
    again = draft(brain, reserve_number=False).agreement.agreement_no
    second = draft(brain).agreement.agreement_no
    assert first and first.endswith("第1号")
    assert preview == again == second and second.endswith("第2号")
