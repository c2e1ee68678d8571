"""What the ledger's helper modules (alerts, follow-ups, moves, agreements, import, export, demo) need from
the service: a Protocol, so they are typed against it without importing :mod:`brain.ledger.service` (which
imports them)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from brain.ledger.access import Actor
from brain.ledger.calendar import WorkCalendar
from brain.ledger.crypto import Vault
from brain.ledger.deadlines import Deadlines
from brain.ledger.models import Case
from brain.ledger.places import Places
from brain.ledger.rules import FollowUpRules
from brain.ledger.schema import CaseEventRequest, CaseGet, CaseQuery, CaseView
from brain.settings import Settings


class Ledger(Protocol):
    settings: Settings
    tz: str
    clock: Callable[[], datetime]
    calendar: WorkCalendar
    deadlines: Deadlines
    places: Places
    vault: Vault
    followup_rules: FollowUpRules

    def start(self) -> Any: ...

    def tx(self, write: bool = True) -> AbstractContextManager[Session]: ...

    def get(self, req: CaseGet, actor: Actor) -> CaseView: ...

    def move(
        self, s: Session, case: Case, req: CaseEventRequest, to: str, actor: Actor, now: datetime
    ) -> None: ...

    def case_for_update(self, s: Session, case_id: int, actor: Actor) -> Case: ...

    def conditions(self, q: CaseQuery, actor: Actor, now: datetime) -> list[Any]: ...
