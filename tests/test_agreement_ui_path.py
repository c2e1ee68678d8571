"""Issue 14 item 1: terms typed one per line (the UI's ``terms: [{"text"}]``) and the same lines as
``terms_text`` give the same draft and the same warnings; a payment with no sum and a missing mediator warn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brain.agreements.service import AgreementService
from brain.errors import InputError
from brain.settings import load_settings
from ui.render import agreement_form_problem, parse_terms

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "agreement_neighbour_leak.json"
PARTIES = [{"role": "申请人", "name": "刘淑芬"}, {"role": "被申请人", "name": "赵志强"}]


@pytest.fixture
def service(tmp_path: Path) -> AgreementService:
    settings = load_settings("test", state_dir=str(tmp_path))
    return AgreementService(settings, llm=None)


def test_ui_terms_and_terms_text_agree(service: AgreementService) -> None:
    ex = json.loads(EXAMPLE.read_text("utf-8"))
    common = {k: ex[k] for k in ("facts", "responsibility", "committee_name", "mediator", "date")}
    ui = service.draft({**common, "parties": PARTIES, "terms": parse_terms(ex["terms_text"])})
    api = service.draft({**common, "parties": PARTIES, "terms_text": ex["terms_text"]})
    assert [w.message for w in ui.warnings] == [w.message for w in api.warnings] == []
    assert ui.agreement.agreed_terms == api.agreement.agreed_terms
    assert "待补充" not in ui.text


@pytest.mark.parametrize("how", ["terms", "terms_text"])
def test_compensation_without_sum_or_mediator_warns(service: AgreementService, how: str) -> None:
    line = "赵志强赔偿刘淑芬损失"
    terms: object = [{"text": line}] if how == "terms" else line
    draft = service.draft({"facts": "楼上漏水致楼下受损。", "parties": PARTIES, how: terms})
    codes = {w.code for w in draft.warnings}
    assert {"term_missing_amount", "mediator_missing"} <= codes
    assert any("金额" in w.message for w in draft.warnings)


def test_no_parties_message_names_the_form_fields(service: AgreementService) -> None:
    with pytest.raises(InputError) as info:
        service.draft({"facts": "", "parties": []})
    assert "请求中没有 parties" not in str(info.value) and "当事人姓名" in str(info.value)


def test_empty_form_gets_a_chinese_hint() -> None:
    assert "请先填写" in (agreement_form_problem("", "", "", "") or "")
    assert "当事人" in (agreement_form_problem("漏水", "", "", "赔偿100元") or "")
    assert agreement_form_problem("漏水", "张三", "李四", "李四赔偿张三100元") is None
