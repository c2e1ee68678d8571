"""LLM mode: schema-guided fill through the real client and the OpenAI-compatible test server, grounding of
what the model returns (it may rephrase, never add a name, sum or date), and fallback on LLMError."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from brain.agreements.amounts import find_amounts
from brain.agreements.service import AgreementService
from brain.errors import LLMError
from brain.settings import LLMSettings, load_settings
from tests.support.fake_llm import FakeLLM

CASE = json.loads(
    (Path(__file__).parent / "data" / "agreements" / "01_labour_injury.json").read_text("utf-8")
)
REQ: dict[str, Any] = CASE["request"]


def service(tmp_path: Path, llm: Any) -> AgreementService:
    # The service is built with the parts it uses (settings and the LLM back end): no index, no graph.
    return AgreementService(load_settings("test", state_dir=str(tmp_path)), llm=llm)


def _input_amounts() -> set[Decimal]:
    return {m.value for m in find_amounts(json.dumps(REQ, ensure_ascii=False))}


def test_llm_mode_against_the_test_server(tmp_path: Path, llm_server: Any, llm_settings: LLMSettings) -> None:
    from brain.llm.client import LLMClient

    client = LLMClient(llm_settings.model_copy(update={"max_tokens": 512}))
    try:
        d = service(tmp_path, client).draft(REQ)
    finally:
        client.close()
    assert d.mode in {"llm", "fallback"}  # a random-weight model may run out of tokens mid-JSON
    assert llm_server.requests, "the model server was not asked"
    sent = json.dumps(llm_server.requests, ensure_ascii=False)
    assert "张建国" not in sent and "〔姓名" in sent  # personal names went out redacted
    assert "response_format" in sent and "json_schema" in sent
    assert [p.name for p in d.agreement.parties] == ["张建国", "浙江某建筑劳务有限公司"]
    assert {m.value for m in find_amounts(d.text)} <= _input_amounts()
    assert all(m.consistent for m in find_amounts(d.text))


def test_server_failure_falls_back_to_rules(
    tmp_path: Path, llm_server: Any, llm_settings: LLMSettings
) -> None:
    from brain.llm.client import LLMClient

    llm_server.set_mode(fail_status=503)
    client = LLMClient(llm_settings)
    try:
        d = service(tmp_path / "a", client).draft(REQ)
    finally:
        client.close()
    rules = service(tmp_path / "b", None).draft(REQ)
    assert d.mode == "fallback" and rules.mode == "deterministic"
    assert any(w.code == "llm_fallback" and w.severity == "info" for w in d.warnings)
    assert d.agreement == rules.agreement and d.text == rules.text


def ScriptedLLM(answer: dict[str, Any] | Exception) -> FakeLLM:
    """Answers ``complete_json`` with a fixed object (what a real model might say), recording the calls."""

    def reply(messages: Any, schema: dict[str, Any] | None) -> dict[str, Any] | Exception:
        assert schema is not None and schema["type"] == "object" and "terms" in schema["properties"]
        return answer

    return FakeLLM(reply)


def test_grounded_rephrasing_is_used(tmp_path: Path) -> None:
    answer = {
        "facts_and_issues": "2025年10月12日张建国在工地作业时跌落受伤，被认定为工伤，双方对赔偿数额有争议。",
        "responsibility": None,
        "dispute_type": "工伤赔偿纠纷",
        "terms": [
            {
                "text": "被申请人于2026年1月15日前以银行转账方式向申请人张建国支付30000元，于2026年3月31日前支付56000元。",
                "obligor": "浙江某建筑劳务有限公司",
                "payee": "张建国",
                "amount": 30000,
                "method": "银行转账",
                "place": None,
                "deadline": "2026年1月15日前",
            }
        ],
    }
    d = service(tmp_path, ScriptedLLM(answer)).draft(REQ)
    assert d.mode == "llm"
    assert d.agreement.facts_and_issues == answer["facts_and_issues"]
    assert d.agreement.dispute_type == "工伤赔偿纠纷"
    obligations = d.agreement.agreed_terms[0].obligations
    assert [(o.amount, o.deadline_text) for o in obligations] == [
        (Decimal("30000.00"), "2026年1月15日前"),
        (Decimal("56000.00"), "2026年3月31日前"),
    ]
    assert not [w for w in d.warnings if w.code == "llm_ungrounded"]


def test_invented_names_amounts_and_dates_are_dropped(tmp_path: Path) -> None:
    answer = {
        "facts_and_issues": "申请人王大锤于2025年9月1日受伤，索赔120000元。",  # none of this is in the input
        "responsibility": "〔姓名1〕负全部责任。",  # a redaction placeholder must never reach the document
        "dispute_type": None,
        "terms": [
            {
                "text": "被申请人向申请人支付99000元。",
                "obligor": "王大锤",
                "payee": "张建国",
                "amount": 99000,
                "method": "支票",
                "place": "北京",
                "deadline": "2027年1月1日前",
            }
        ],
    }
    d = service(tmp_path, ScriptedLLM(answer)).draft(REQ)
    assert d.mode == "llm"
    assert "王大锤" not in d.text and "99000" not in d.text and "120000" not in d.text and "〔" not in d.text
    fields = {w.field for w in d.warnings if w.code == "llm_ungrounded"}
    assert {"facts_and_issues", "responsibility", "agreed_terms"} <= fields
    rules = service(tmp_path / "rules", None).draft(REQ)
    assert d.agreement.agreed_terms == rules.agreement.agreed_terms  # terms came from the rules instead
    assert d.agreement.facts_and_issues == rules.agreement.facts_and_issues


def test_llm_error_means_fallback(tmp_path: Path) -> None:
    llm = ScriptedLLM(LLMError("模型超时", where="test"))
    d = service(tmp_path, llm).draft(REQ)
    assert d.mode == "fallback" and llm.calls
    user = llm.calls[0].messages[-1]["content"]
    assert "<<<数据:facts>>>" in user  # the case text travels as a delimited data block
