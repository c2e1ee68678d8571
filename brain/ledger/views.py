"""Rows to result models; clear personal data only through :func:`clear_parties` / :func:`clear_text`, which
the service calls after deciding the caller may see it (and after writing the ``clear_reads`` record)."""

from __future__ import annotations

import json
from datetime import datetime

from brain.ledger.crypto import Vault
from brain.ledger.models import OPEN_STATUSES, Case, CaseAgreement, CaseEvent, FollowUp, Party
from brain.ledger.schema import (
    AgreementLink,
    CaseSummary,
    CaseView,
    EventView,
    FollowUpView,
    PartyView,
    PlaceView,
)
from brain.ledger.state_machine import allowed_moves
from brain.privacy import restore


def is_overdue(case: Case, now: datetime) -> bool:
    if case.status not in OPEN_STATUSES:
        return False
    if case.due_at is not None and case.due_at <= now:
        return True
    return case.status == "登记" and case.routing_due_at is not None and case.routing_due_at <= now


def summary(case: Case, now: datetime) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        external_id=case.external_id,
        source=case.source,
        received_at=case.received_at,
        place=PlaceView(county=case.county, town=case.town, village=case.village),
        type=case.type,
        subtype=case.subtype,
        risk=case.risk,
        difficulty=case.difficulty,
        level=case.level,
        assignee=case.assignee,
        status=case.status,
        due_at=case.due_at,
        overdue=is_overdue(case, now),
        version=case.version,
    )


def event_view(e: CaseEvent) -> EventView:
    return EventView(
        id=e.id,
        type=e.type,
        from_status=e.from_status,
        to_status=e.to_status,
        at=e.at,
        actor=e.actor,
        actor_role=e.actor_role,
        note=e.note,
        assignee=e.assignee,
        level=e.level,
        version=e.version,
        data=e.data or {},
    )


def followup_view(f: FollowUp, case: Case | None = None) -> FollowUpView:
    return FollowUpView(
        id=f.id,
        case_id=f.case_id,
        seq=f.seq,
        due_at=f.due_at,
        rule=f.rule,
        source=f.source,
        obligations=f.obligations or [],
        done_at=f.done_at,
        outcome=f.outcome,
        note=f.note,
        reopened_case_id=f.reopened_case_id,
        town=case.town if case else None,
        village=case.village if case else None,
    )


def case_view(
    case: Case,
    now: datetime,
    *,
    events: list[CaseEvent],
    parties: list[Party],
    followups: list[FollowUp],
    agreements: list[CaseAgreement],
    reopened_as: list[int],
) -> CaseView:
    s = summary(case, now)
    intake = dict(case.intake or {})
    return CaseView(
        **s.model_dump(),
        channel=case.channel,
        routing_due_at=case.routing_due_at,
        deadline_rule=case.deadline_rule,
        deadline_source=intake.get("deadline_source"),
        text_redacted=case.text_redacted,
        intake=intake,
        allowed_moves=allowed_moves(case.status),
        parties=[PartyView(role=p.role, person_hash=p.person_hash) for p in parties],
        resolved_at=case.resolved_at,
        archived_at=case.archived_at,
        reopened_from=case.reopened_from,
        reopened_as=reopened_as,
        created_at=case.created_at,
        updated_at=case.updated_at,
        events=[event_view(e) for e in events],
        followups=[followup_view(f, case) for f in followups],
        agreements=[
            AgreementLink(id=a.id, number=a.number, created_at=a.created_at, obligations=a.obligations or [])
            for a in agreements
        ],
    )


def clear_parties(vault: Vault, parties: list[Party]) -> list[PartyView]:
    return [
        PartyView(
            role=p.role,
            person_hash=p.person_hash,
            name=vault.decrypt(p.name_enc),
            id_number=vault.decrypt(p.id_number_enc),
            phone=vault.decrypt(p.phone_enc),
            address=vault.decrypt(p.address_enc),
        )
        for p in parties
    ]


def clear_text(vault: Vault, case: Case) -> str:
    raw = vault.decrypt(case.text_mapping_enc)
    return restore(case.text_redacted, json.loads(raw)) if raw else case.text_redacted
