"""LLM-mode logic over an in-process fake back end (``tests/support/fake_llm.py``): what intake and drafting do
with a model's answer — accept it, raise the colour but never lower it, fall back on a label outside the
taxonomy or on an LLMError — without booting the torch test model. The wire (OpenAI protocol, guided
decoding, timeouts, redaction of what is sent) stays tested against the real test server in
tests/test_llm_client.py, tests/test_intake.py and tests/test_agreement_llm.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brain.agents.intake.schema import ClassifyRequest, IntakeRequest
from brain.errors import LLMError
from brain.llm import LLMBackend
from brain.service import Brain
from brain.settings import load_settings
from tests.support.fake_llm import FakeLLM

WAGES = "老板拖欠我们三个月工资不发，工资条都有，要求帮忙讨薪"


def judgement(**over: Any) -> dict[str, Any]:
    return {"dispute_type": "劳动争议", "risk_level": "黄", "difficulty": "一般", "reason": "拖欠工资"} | over


@pytest.fixture
def make_brain(tmp_path: Path) -> Iterator[Any]:
    made: list[Brain] = []

    def make(llm: FakeLLM) -> Brain:
        # the graph points at a closed port: routing degrades cleanly, nothing is started
        settings = load_settings("test", state_dir=str(tmp_path), graph={"uri": "bolt://127.0.0.1:9"})
        made.append(Brain(settings, llm=llm))
        return made[-1]

    yield make
    for b in made:
        b.close()


def test_the_fake_answers_the_backend_protocol() -> None:
    llm: LLMBackend = FakeLLM(["答复", {"a": 1}])  # mypy checks the protocol here
    assert "".join(llm.stream([{"role": "user", "content": "x"}])) == "答复"
    assert llm.complete_json([{"role": "user", "content": "x"}], {"type": "object"}) == {"a": 1}
    assert llm.status()["ok"]


def test_auto_mode_uses_the_model_and_it_may_raise_the_colour(make_brain: Any) -> None:
    llm = FakeLLM(judgement(risk_level="红"))
    r = make_brain(llm).intake(IntakeRequest(text=WAGES, precedents=False))
    assert r.mode == "llm" and r.classification.dispute_type == "劳动争议"
    assert r.risk.level == "红" and any("只上调" in x for x in r.risk.reasons)
    (call,) = llm.calls
    assert call.kind == "complete_json" and "劳动争议" in call.schema["properties"]["dispute_type"]["enum"]
    assert WAGES in call.messages[-1]["content"]  # the complaint travels in the user message, as data


def test_the_model_never_lowers_the_rules_colour(make_brain: Any) -> None:
    text = "邻居因为宅基地边界跟我吵了好几年，昨天他扬言要杀了他全家"
    rules = make_brain(FakeLLM(judgement())).classify(ClassifyRequest(text=text, mode="deterministic"))
    r = make_brain(FakeLLM(judgement(dispute_type="邻里纠纷", risk_level="蓝"))).classify(
        ClassifyRequest(text=text)
    )
    assert r.mode == "llm" and rules.risk.level == "红" and r.risk.level == "红"


def test_a_label_outside_the_taxonomy_falls_back_to_the_rules(make_brain: Any) -> None:
    r = make_brain(FakeLLM(judgement(dispute_type="火星纠纷"))).intake(
        IntakeRequest(text=WAGES, precedents=False)
    )
    assert r.mode == "fallback" and r.classification.dispute_type == "劳动争议"
    assert any("不在分类体系" in w for w in r.warnings)


def test_an_llm_error_falls_back_with_a_warning(make_brain: Any) -> None:
    llm = FakeLLM(LLMError("模型服务不可用", where="test"))
    r = make_brain(llm).intake(IntakeRequest(text=WAGES, precedents=False, mode="llm"))
    assert r.mode == "fallback" and r.classification.dispute_type == "劳动争议" and llm.calls
    assert any("回退" in w for w in r.warnings)


def test_deterministic_mode_never_calls_the_model(make_brain: Any) -> None:
    llm = FakeLLM(judgement())
    r = make_brain(llm).intake(IntakeRequest(text=WAGES, precedents=False, mode="deterministic"))
    assert r.mode == "deterministic" and llm.calls == []


def test_drafting_uses_the_facades_llm_part(make_brain: Any) -> None:
    """The agreement service gets the same LLM part as intake (no second client, no facade call-back)."""
    from brain.agreements.models import AgreementRequest

    llm = FakeLLM(LLMError("模型超时", where="test"))
    brain = make_brain(llm)
    d = brain.draft_agreement(
        AgreementRequest.model_validate({"facts": "申请人：张三。被申请人：李四。李四欠张三货款5000元。"})
    )
    assert d.mode == "fallback" and [c.kind for c in llm.calls] == ["complete_json"]
    assert brain.agreement_service.llm is brain.intake_service.llm is llm
