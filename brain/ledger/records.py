"""Building ledger rows from inputs — shared by registration, import and the demo generator, so that a case
enters the ledger the same way (redacted text, encrypted parties, keyed hashes) whichever door it came in by."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from brain.agents.intake.schema import IntakeResult
from brain.errors import InputError
from brain.ledger.crypto import Vault
from brain.ledger.schema import PartyIn
from brain.privacy import Redaction

EARLIEST = datetime(1990, 1, 1)
LATEST = datetime(2200, 1, 1)


def to_local(dt: datetime, tz: str, where: str = "time") -> datetime:
    """A naive local time of the centre: aware times are converted, naive ones are taken as local. Times far
    outside any ledger (before 1990, after 2200) are refused: deadline arithmetic would overflow on them."""
    try:
        local = dt if dt.tzinfo is None else dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    except (OverflowError, ValueError):
        local = EARLIEST - timedelta(days=1)
    if not EARLIEST <= local < LATEST:
        raise InputError(
            f"时间超出范围：{dt.isoformat()}", where=where, hint="请使用 1990 年至 2200 年之间的时间"
        )
    return local


def now_local(tz: str) -> datetime:
    return datetime.now(ZoneInfo(tz)).replace(tzinfo=None, microsecond=0)


def party_values(vault: Vault, p: PartyIn) -> dict[str, Any]:
    """Column values of one party (without ``case_id``)."""
    id_hash = vault.hash("id_number", p.id_number)
    phone_hash = vault.hash("phone", p.phone)
    name_hash = vault.hash("name", p.name)
    # the strongest identifier decides who the person is; a name alone is a weak match but still a match
    person = id_hash or phone_hash or name_hash or vault.hash("anonymous", secrets.token_hex(8))
    return {
        "role": p.role,
        "name_enc": vault.encrypt(p.name),
        "id_number_enc": vault.encrypt(p.id_number),
        "phone_enc": vault.encrypt(p.phone),
        "address_enc": vault.encrypt(p.address),
        "person_hash": person,
        "id_hash": id_hash,
        "phone_hash": phone_hash,
        "name_hash": name_hash,
    }


def parties_from_text(red: Redaction) -> list[PartyIn]:
    """When the caller named no parties: the people the text mentions (names), and the complainant's own
    contact details (the first ID number and phone in the text) as the 反映人."""
    out: list[PartyIn] = []
    names = [v for k, v in red.mapping.items() if k.startswith("〔姓名")]
    ids = [v for k, v in red.mapping.items() if k.startswith("〔身份证号")]
    phones = [v for k, v in red.mapping.items() if k.startswith("〔手机号")]
    if ids or phones:
        out.append(
            PartyIn(role="反映人", id_number=ids[0] if ids else None, phone=phones[0] if phones else None)
        )
    out += [PartyIn(role="当事人", name=n) for n in names[:10]]
    return out


def mapping_blob(vault: Vault, red: Redaction) -> bytes | None:
    return vault.encrypt(json.dumps(red.mapping, ensure_ascii=False)) if red.mapping else None


def intake_summary(r: IntakeResult) -> dict[str, Any]:
    """What the ledger keeps of the intake result: decisions with their confidence and reasons (no facts:
    extracted names are personal data, and the parties table holds them encrypted)."""
    c, risk, routing = r.classification, r.risk, r.routing
    top = routing.suggestions[0] if routing.suggestions else None
    return {
        "mode": r.mode,
        "classification": {
            "label": c.label,
            "confidence": c.confidence,
            "abstained": c.abstained,
            "candidates": [x.model_dump() for x in c.candidates],
            "reasons": c.reasons[:4],
        },
        "risk": {
            "level": risk.level,
            "difficulty": risk.difficulty,
            "signals": [s.name for s in risk.signals],
            "reasons": risk.reasons[:4],
        },
        "routing": {
            "available": routing.available,
            "degraded": routing.degraded,
            "level": routing.level,
            "channel": routing.channel,
            "department": top.department if top else None,
            "mediation_body": top.mediation_body if top else None,
            "deadline": routing.deadline.limit if routing.deadline else None,
            "escalation": routing.escalation,
        },
        "warnings": r.warnings[:4],
    }


def parse_cursor(value: str) -> tuple[datetime, int]:
    """The list's cursor: ``<received_at ISO>|<id>`` of the last case of the previous page."""
    try:
        at, last = value.rsplit("|", 1)
        return datetime.fromisoformat(at), int(last)
    except ValueError:
        raise InputError("分页游标无效", where="cursor", hint="使用上一页返回的 next_cursor") from None
