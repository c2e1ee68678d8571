"""The case's life: statuses and the moves between them, in this one place.

Every change of ``cases.status`` goes through :func:`apply`; the table below is also what the API names in a
409 (the allowed moves), what the UI shows as buttons and what docs/ledger.md draws.

::

    登记 ──分流──▶ 已分流 ──开始调处──▶ 调处中 ──化解──▶ 已化解 ──回访──▶ 回访中 ──归档──▶ 已归档
      ▲              ▲                    │  └──未化解──▶ 未化解                 │反弹          │反弹
      └────退回──────┴──────提级──────────┘                                      ▼              ▼
                                                                            (a new linked case in 登记)
"""

from __future__ import annotations

from brain.errors import BrainError, InputError

STATUSES = ("登记", "已分流", "调处中", "已化解", "未化解", "回访中", "已归档")

# move -> {from status: to status}. 反弹 leaves the case where it is and opens a new linked case (to 登记).
MOVES: dict[str, dict[str, str]] = {
    "分流": {"登记": "已分流"},
    "开始调处": {"已分流": "调处中"},
    "化解": {"调处中": "已化解"},
    "未化解": {"调处中": "未化解"},
    "提级": {"已分流": "已分流", "调处中": "已分流", "未化解": "已分流"},
    "退回": {"已分流": "登记", "调处中": "登记"},
    "回访": {"已化解": "回访中"},
    "归档": {"回访中": "已归档"},
    "反弹": {"回访中": "回访中", "已归档": "已归档"},
    "备注": {s: s for s in STATUSES},
}
EVENT_TYPES = tuple(MOVES)
LEVELS_UP = {"村": "乡镇", "乡镇": "县", "县": "市", "市": "省"}


class MoveNotAllowedError(BrainError):
    """A move the case's status does not allow (or a stale version): 409 with the allowed moves named."""

    http_status = 409
    code = "conflict"


class UnknownMoveError(InputError):
    code = "unknown_event_type"


def allowed_moves(status: str) -> list[str]:
    """The moves a case in ``status`` may take, in table order (备注 always last)."""
    return [m for m, table in MOVES.items() if status in table and m != "备注"] + ["备注"]


def apply(status: str, move: str) -> str:
    """The status after ``move``; raises 422 for an unknown move and 409 for a disallowed one."""
    table = MOVES.get(move)
    if table is None:
        raise UnknownMoveError(
            f"未知的事件类型“{move}”",
            where="type",
            hint=f"可用类型：{'、'.join(EVENT_TYPES)}",
            details={"allowed": list(EVENT_TYPES)},
        )
    if status not in table:
        allowed = allowed_moves(status)
        raise MoveNotAllowedError(
            f"案件当前状态为“{status}”，不能“{move}”",
            where="type",
            hint=f"当前允许的操作：{'、'.join(allowed)}",
            details={"status": status, "allowed": allowed},
        )
    return table[status]


def next_level(level: str) -> str:
    up = LEVELS_UP.get(level)
    if up is None:
        raise MoveNotAllowedError(
            f"“{level}”级已是最高层级，无法再提级", where="level", hint="请在本级协调化解"
        )
    return up
