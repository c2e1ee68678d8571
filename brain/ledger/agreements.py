"""Agreements (人民调解协议书) drafted for a case: linked to it, with their obligations kept for the follow-up
to check (who pays whom how much by when). Names in obligations are kept as the party's role in the
agreement (申请人/被申请人 …), never in clear: the follow-up needs to know which side owes, not who."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from brain.agreements.models import Agreement, AgreementDraft
from brain.ledger.access import Actor
from brain.ledger.followups import schedule
from brain.ledger.schema import AgreementLink, CaseEventRequest
from brain.privacy import redact

if TYPE_CHECKING:
    from brain.ledger.ports import Ledger


def obligations_of(agreement: Agreement) -> list[dict[str, Any]]:
    roles = {p.name: p.role for p in agreement.parties if p.name}

    def who(name: str | None) -> str | None:
        if not name:
            return None
        return roles.get(name) or redact(name).text

    out = []
    for term in agreement.agreed_terms:
        for ob in term.obligations:
            out.append(
                {
                    "term": term.index,
                    "obligor": who(ob.obligor),
                    "payee": who(ob.payee),
                    "action": ob.action,
                    "amount": float(ob.amount) if ob.amount is not None else None,
                    "deadline": ob.deadline.isoformat() if ob.deadline else None,
                    "deadline_text": ob.deadline_text,
                }
            )
    return out


def link(ledger: Ledger, case_id: int, draft: AgreementDraft, actor: Actor) -> AgreementLink:
    from brain.ledger.models import Case, CaseAgreement

    now = ledger.clock()
    obligations = obligations_of(draft.agreement)
    with ledger.tx() as s:
        case = ledger.case_for_update(s, case_id, actor)
        agreement_id = int(
            s.execute(
                insert(CaseAgreement)
                .values(
                    case_id=case_id,
                    number=draft.agreement.agreement_no,
                    created_at=now,
                    obligations=obligations,
                    text_redacted=redact(draft.text).text,
                )
                .returning(CaseAgreement.id)
            ).scalar_one()
        )
        note = f"起草调解协议书 {draft.agreement.agreement_no or ''}（{len(obligations)} 项义务）".strip()
        ledger.move(
            s,
            case,
            CaseEventRequest(case_id=case_id, type="备注", note=note, version=case.version),
            case.status,
            actor,
            now,
        )
        if case.status in ("已化解", "回访中") and any(o.get("deadline") for o in obligations):
            # resolved before the agreement was drafted: check its duties too
            schedule(s, ledger, case_id, now, obligations)
        assert isinstance(case, Case)
    return AgreementLink(
        id=agreement_id, number=draft.agreement.agreement_no, created_at=now, obligations=obligations
    )
