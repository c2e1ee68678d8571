"""Who is acting on the ledger, what area they may see, and the query filters that follow from it.

The caller comes from the request's principal (``brain.security.current_principal``); the CLI and the demo
loader act as the local administrator. An area-scoped key (``brain keys create --area 青石镇`` or
``青石镇/龙潭村``) sees and touches only cases of its town (and village): other cases are "not found", so a
key cannot even learn that they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brain.errors import ForbiddenError, NotFoundError
from brain.ledger.models import Case
from brain.ledger.places import Place


@dataclass(frozen=True)
class Actor:
    id: str
    role: str | None
    area: str | None = None
    clear_ok: bool = True

    @property
    def town(self) -> str | None:
        return self.area.split("/", 1)[0] if self.area else None

    @property
    def village(self) -> str | None:
        return self.area.split("/", 1)[1] if self.area and "/" in self.area else None

    def covers(self, town: str | None, village: str | None) -> bool:
        if not self.area:
            return True
        if town != self.town:
            return False
        return self.village is None or village == self.village


LOCAL_ADMIN = Actor(id="local", role="admin", area=None, clear_ok=True)


def current_actor(area_of: Callable[[str], str | None] | None = None) -> Actor:
    """The caller of the request being handled; ``area_of`` looks up a key's area scope."""
    from brain.security import current_principal

    p = current_principal()
    if p is None:
        return LOCAL_ADMIN
    area = getattr(p, "area", None) or (area_of(p.key_id) if area_of and p.key_id else None)
    return Actor(id=p.key_id, role=p.role, area=area, clear_ok=p.sees_personal_data)


def area_filter(actor: Actor, town_col: Any, village_col: Any) -> list[Any]:
    """SQL conditions restricting a query to the actor's area (none for an unscoped actor)."""
    conds = []
    if actor.town:
        conds.append(town_col == actor.town)
    if actor.village:
        conds.append(village_col == actor.village)
    return conds


def check_case(actor: Actor, case: Case | None, case_id: int) -> Case:
    if case is None or not actor.covers(case.town, case.village):
        raise NotFoundError(f"案件 {case_id} 不存在", where="case_id", hint="用 GET /v1/cases 查看可见的案件")
    return case


def check_place(actor: Actor, place: Place) -> None:
    if not actor.covers(place.town, place.village):
        raise ForbiddenError(
            f"该密钥只能登记“{actor.area}”的案件，不能登记“{place.town or ''}{place.village or ''}”",
            where="place",
            hint="请使用对应辖区的密钥，或由县级密钥登记",
        )
