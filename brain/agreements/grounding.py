"""Grounding of a model's fill: what the model may say in a 人民调解协议书 is checked against what the caller
supplied (a name must be a listed party, an amount and a date must occur in the input, a text must carry no
placeholder or a sum/date that is not in the input). Anything else is dropped with a warning."""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import BaseModel, Field

from brain.agreements import extract
from brain.agreements.amounts import find_amounts
from brain.agreements.models import AgreementRequest, AgreementWarning, Party, TermInput
from brain.agreements.render import cn_number


class LLMTerm(BaseModel):
    text: str = Field(max_length=300)
    obligor: str | None = Field(default=None, max_length=40)
    payee: str | None = Field(default=None, max_length=40)
    amount: float | None = None
    method: str | None = Field(default=None, max_length=20)
    place: str | None = Field(default=None, max_length=40)
    deadline: str | None = Field(default=None, max_length=40)


class LLMFill(BaseModel):
    """What the model is asked for; the rest of the agreement is fixed text or comes from the input."""

    facts_and_issues: str | None = Field(default=None, max_length=600)
    responsibility: str | None = Field(default=None, max_length=300)
    dispute_type: str | None = Field(default=None, max_length=20)
    terms: list[LLMTerm] = Field(default_factory=list, max_length=10)


class Grounding:
    """Everything the caller supplied, to check that a model's answer adds no name, amount or date."""

    def __init__(self, req: AgreementRequest, parties: list[Party]) -> None:
        structured = json.dumps([t.model_dump(mode="json") for t in req.terms], ensure_ascii=False)
        self.text = "\n".join(x for x in (req.facts, req.notes or "", req.terms_text or "", structured) if x)
        self.names = {p.name for p in parties}
        self.amounts = {m.value for m in find_amounts(self.text)} | {
            Decimal(t.amount).quantize(Decimal("0.01")) for t in req.terms if t.amount is not None
        }
        self.dates = {m.group(0) for m in extract.DATE_RE.finditer(self.text)}
        self.parties = parties

    def text_ok(self, text: str) -> bool:
        if "〔" in text or "【" in text:
            return False
        if any(m.value not in self.amounts for m in find_amounts(text)):
            return False
        if any(m.group(0) not in self.dates for m in extract.DATE_RE.finditer(text)):
            return False
        return all(p.name in self.names for p in extract.extract_parties(text))

    def _method_ok(self, method: str | None) -> bool:
        """Every alternative the model names (现金或银行转账) is a method the input mentions."""
        label = extract.method_of(method or "")
        given = set((extract.method_of(self.text) or "").split("或"))
        return label is not None and set(label.split("或")) <= given

    def _deadline_ok(self, deadline: str | None) -> bool:
        if not deadline:
            return False
        if deadline in self.text:
            return True
        dates = [m.group(0) for m in extract.DATE_RE.finditer(deadline)]
        return bool(dates) and all(d in self.dates for d in dates)

    def ground_term(self, t: LLMTerm, index: int, warnings: list[AgreementWarning]) -> TermInput:
        dropped: list[str] = []

        def keep(label: str, value: str | None, ok: bool) -> str | None:
            if value and not ok:
                dropped.append(f"{label}“{value}”")
                return None
            return value

        obligor = keep("义务人", t.obligor, t.obligor in self.names)
        payee = keep("收款人", t.payee, t.payee in self.names)
        amount = None
        if t.amount is not None:
            value = Decimal(str(t.amount)).quantize(Decimal("0.01"))
            if value in self.amounts:
                amount = value
            else:
                dropped.append(f"金额{t.amount}")
        method = keep("履行方式", t.method, self._method_ok(t.method))
        place = keep("履行地点", t.place, t.place is not None and t.place in self.text)
        deadline = keep("履行期限", t.deadline, self._deadline_ok(t.deadline))
        if dropped:
            warnings.append(
                AgreementWarning(
                    field=f"agreed_terms[{index - 1}]",
                    code="llm_ungrounded",
                    severity="info",
                    message=f"第{cn_number(index)}条中大模型给出的{'、'.join(dropped)}在原文中找不到，已弃用",
                )
            )
        return TermInput(
            text=t.text,
            obligor=obligor,
            payee=payee,
            amount=amount,
            method=method,
            place=place,
            deadline=deadline,
        )
