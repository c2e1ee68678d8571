"""Registering a case for analysis: the small adapter between "a complaint arrived" and the case view.

:class:`OwnRegistrar` runs intake (type, sub-type, risk colour, redacted text), hashes the parties with the
keyed hash and writes the row into the analysis' own ``cases`` table. Once the ledger is merged, a
``LedgerRegistrar`` with the same ``register`` signature lets the ledger write its case (it runs intake
itself) and hands the stored row to :meth:`AnalysisService.register` with a sink that writes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brain.analysis import text as T
from brain.analysis.models import CaseRecord, LocalTime, Place, RegisterResult
from brain.analysis.service import AnalysisService
from brain.ledger.readers import parse_time

# What Chinese exports call a party's fields (姓名, 联系电话, 身份证号码 …).
_PARTY_KEYS = {
    "name": ("姓名", "名字", "当事人", "反映人", "诉求人"),
    "phone": ("电话", "手机", "手机号", "手机号码", "联系电话", "联系方式", "tel", "mobile"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "id_card", "idcard"),
}
# 县/市/区/旗, then 镇/乡/街道, then the village; a 社区 is no 区, 某市某区 is one county
_PLACE = re.compile(
    r"^(?P<county>[^镇乡]+?(县|市|旗|(?<!社)区)([^镇乡]+?(?<!社)区)?)?"
    r"(?P<town>[^村]+?(镇|乡|街道))?(?P<village>.*)$"
)


class PartyIn(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a phone exported as a JSON number

    name: str | None = Field(default=None, max_length=64)
    id_number: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)

    @model_validator(mode="before")
    @classmethod
    def _their_keys(cls, data: Any) -> Any:
        """A party given by a bare name ("张三") or with an export's own keys (姓名, 联系电话, 身份证号)."""
        if isinstance(data, str):
            return {"name": data}
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for field, keys in _PARTY_KEYS.items():
            if out.get(field) is None:
                out[field] = next((data[k] for k in keys if data.get(k) is not None), None)
        return out


class CaseIn(BaseModel):
    """One case as a stream line or a workflow event carries it (clear text; redacted before storage).

    Exports from other systems write ``null`` for what they do not know and numbers for ids: a ``null``
    channel, place or party list reads as not given (the default channel 来访, no place, no parties), a party
    with neither name, ID number nor phone is none, and a numeric id or phone reads as its digits. A place
    may come as one string (清溪县城关镇东门社区), one party as an object or a bare name, and a party's fields
    under an export's Chinese keys (姓名, 联系电话, 身份证号)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=128)
    received_at: LocalTime
    source: str = Field(default="来访", max_length=32)
    place: Place = Field(default_factory=Place)
    text: str = Field(min_length=1, max_length=20_000)
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    resolved_at: LocalTime | None = None
    reopened_from: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_absent(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    @field_validator("parties", mode="before")
    @classmethod
    def _one_party(cls, v: Any) -> Any:
        """One party given as an object or a name, not a list of them."""
        return [v] if isinstance(v, dict | str) else v

    @field_validator("place", mode="before")
    @classmethod
    def _place_text(cls, v: Any) -> Any:
        """A place written as one string, 清溪县城关镇东门社区: split at the county (县/市/区/旗) and the town
        (镇/乡/街道); what follows is the village. A bare name without those is taken as the village."""
        if not isinstance(v, str):
            return v
        m = _PLACE.match(v.strip())
        assert m is not None  # the pattern matches any string
        return {k: (m.group(k) or "") for k in ("county", "town", "village")}

    @field_validator("received_at", "resolved_at", mode="before")
    @classmethod
    def _ledger_formats(cls, v: Any) -> Any:
        """The formats the ledger's import reads too: 2026/3/2 8:00, 2026年3月2日, 2026.03.02 …"""
        if isinstance(v, str) and v.strip():
            try:
                return parse_time(v)
            except ValueError:
                return v  # pydantic's own message names the field
        return v

    @field_validator("parties", mode="after")
    @classmethod
    def _no_empty_party(cls, v: list[PartyIn]) -> list[PartyIn]:
        return [p for p in v if p.name or p.id_number or p.phone]


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
