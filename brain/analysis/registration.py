"""Registering a case for analysis: the small adapter between "a complaint arrived" and the case view.

:class:`OwnRegistrar` runs intake (type, sub-type, risk colour, redacted text), hashes the parties with the
keyed hash and writes the row into the analysis' own ``cases`` table. Once the ledger is merged, a
``LedgerRegistrar`` with the same ``register`` signature lets the ledger write its case (it runs intake
itself) and hands the stored row to :meth:`AnalysisService.register` with a sink that writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from brain.analysis import text as T
from brain.analysis.models import CaseRecord, Place, RegisterResult
from brain.analysis.service import AnalysisService


class PartyIn(BaseModel):
    name: str | None = Field(default=None, max_length=64)
    id_number: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)


class CaseIn(BaseModel):
    """One case as a stream line or a workflow event carries it (clear text; redacted before storage)."""

    id: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=128)
    received_at: datetime
    source: str = Field(default="来访", max_length=32)
    place: Place = Field(default_factory=Place)
    text: str = Field(min_length=1, max_length=20_000)
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    resolved_at: datetime | None = None
    reopened_from: str | None = None


IntakeFn = Callable[[str, str | None], Any]  # (text, source) -> IntakeResult


class Registrar(Protocol):
    def register(self, case: CaseIn) -> RegisterResult: ...


def party_hashes(parties: list[PartyIn], key: str) -> list[str]:
    """Keyed hashes of each party's ID number and phone (a name alone is too common to join on)."""
    out: list[str] = []
    for p in parties:
        if p.id_number:
            out.append(T.person_hash(key, "id", p.id_number))
        if p.phone:
            out.append(T.person_hash(key, "phone", p.phone))
    return out


def person_groups(parties: list[PartyIn], key: str) -> list[list[str]]:
    return [g for g in ([*party_hashes([p], key)] for p in parties) if g]


class OwnRegistrar:
    def __init__(self, service: AnalysisService, intake: IntakeFn, hash_key: str) -> None:
        self.service = service
        self.intake = intake
        self.hash_key = hash_key

    def record(self, case: CaseIn) -> CaseRecord:
        result = self.intake(case.text, case.source)
        cls, risk = result.classification, result.risk
        return CaseRecord(
            id=case.id or f"C{uuid.uuid4().hex[:12]}",
            external_id=case.external_id,
            source=case.source,
            received_at=case.received_at,
            county=case.place.county,
            town=case.place.town,
            village=case.place.village,
            type=cls.dispute_type,
            subtype=cls.sub_type,
            risk=risk.level,
            resolved_at=case.resolved_at,
            reopened_from=case.reopened_from,
            text_redacted=result.text_redacted,
            person_hashes=party_hashes(case.parties, self.hash_key),
            signals=[s.name for s in risk.signals],
        )

    def register(self, case: CaseIn) -> RegisterResult:
        rec = self.record(case)
        # The complainant (first party) is the person the repeat detector follows; all parties are kept for
        # the escalation detector (the same two families again).
        groups = person_groups(case.parties, self.hash_key)
        return self.service.register(rec, parties=groups)
