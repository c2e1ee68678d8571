"""The ledger's tables (SQLAlchemy 2.x declarative). The schema is the contract with the analysis (研判) that reads
this database: columns are named and documented here, changed only by an Alembic migration
(``brain/ledger/migrations``).

Conventions
-----------
* Times are **naive local times of the centre** (``ledger.timezone``, default Asia/Shanghai): working days,
  "当日办结" and the holiday calendar are local notions, and SQLite has no time zones. The API converts an
  incoming ISO time with an offset to local time.
* ``cases.text_redacted`` and ``case_events.note`` hold only redacted text (``brain.privacy`` placeholders such
  as ``〔手机号1〕``). Clear personal data lives only in ``parties.*_enc`` (encrypted, AES-GCM) and is matched
  across cases through keyed hashes (HMAC-SHA256 with a key derived from ``ledger.data_key``).
* ``case_events`` is append-only (database triggers refuse UPDATE and DELETE); ``cases.status`` is the state
  after the last event, and ``cases.version`` counts the events that changed the case (optimistic locking).
* Primary keys are integers. The paged list is newest first by ``(received_at, id)``; its cursor is that pair.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT on PostgreSQL (a province outgrows 2^31 events), INTEGER on SQLite (only INTEGER PRIMARY KEY is the
# rowid alias that autoincrements).
BigId = BigInteger().with_variant(Integer(), "sqlite")

STATUSES = ("登记", "已分流", "调处中", "已化解", "未化解", "回访中", "已归档")
OPEN_STATUSES = ("登记", "已分流", "调处中")  # a case in one of these can run late
SOURCES = ("来访", "来电", "12345", "网格员", "警情", "诉情", "访情", "上级转办")
SOURCE_ALIASES = {"诉前": "诉情", "信访": "访情", "电话": "来电", "热线": "12345", "转办": "上级转办"}
# How other systems name the same channels (a hotline export, a petition office's sheet): first match wins.
_SOURCE_PATTERNS = (
    ("12345", ("12345", "热线", "市长", "政务服务便民", "hotline")),
    ("访情", ("信访", "上访", "访情", "来信", "petition")),
    ("警情", ("110", "警情", "派出所", "公安", "police")),
    ("诉情", ("法院", "诉前", "诉讼", "诉情", "立案", "court")),
    ("网格员", ("网格", "巡查", "排查", "grid")),
    ("上级转办", ("转办", "交办", "督办", "转交")),
    ("来电", ("电话", "来电", "致电", "phone", "call")),
    ("来访", ("来访", "走访", "窗口", "现场", "到访", "当面", "visit", "walk")),
)


def resolve_source(raw: str | None) -> str | None:
    """The ledger's channel for a source name (exact, alias, or a known wording: 12345热线 → 12345, 群众来信
    信访 → 访情); None when nothing fits."""
    src = (raw or "").strip()
    src = SOURCE_ALIASES.get(src, src)
    if src in SOURCES:
        return src
    low = src.lower()
    return next((ch for ch, words in _SOURCE_PATTERNS if any(w in low for w in words)), None)


RISKS = ("红", "橙", "黄", "蓝")
DIFFICULTIES = ("咨询", "简易", "一般", "复杂", "重大")
FOLLOWUP_OUTCOMES = ("履行", "部分履行", "未履行", "反弹")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012 (SQLAlchemy reads it)


class Case(Base):
    """One dispute, from registration (登记) to archive (已归档)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    external_id: Mapped[str | None] = mapped_column(
        String(64), unique=True, comment="the workflow system's id; unique, for idempotent upsert"
    )
    source: Mapped[str] = mapped_column(String(8), comment="受理渠道: one of SOURCES")
    received_at: Mapped[datetime] = mapped_column(DateTime, comment="受理时间 (local)")
    county: Mapped[str] = mapped_column(String(32), comment="县 from configs/places.yaml")
    town: Mapped[str | None] = mapped_column(String(32), comment="乡镇/街道; null when not known")
    village: Mapped[str | None] = mapped_column(String(32), comment="村/社区; null when not known")
    type: Mapped[str] = mapped_column(String(32), comment="纠纷类型 (level 1) or 需人工研判")
    subtype: Mapped[str | None] = mapped_column(String(32), comment="子类型 (level 2) when named")
    risk: Mapped[str] = mapped_column(String(2), comment="风险颜色 红/橙/黄/蓝")
    difficulty: Mapped[str] = mapped_column(String(4), comment="难易程度 咨询/简易/一般/复杂/重大")
    level: Mapped[str] = mapped_column(String(4), comment="承办层级 村/乡镇/县/市/省 (changes on 提级)")
    assignee: Mapped[str | None] = mapped_column(String(64), comment="承办单位 (routing or 分流/提级)")
    channel: Mapped[str | None] = mapped_column(String(8), comment="诉调/警调/访调对接 or null")
    status: Mapped[str] = mapped_column(String(4), comment="one of STATUSES; moved only by state_machine")
    routing_due_at: Mapped[datetime | None] = mapped_column(DateTime, comment="分流时限: 1 working day")
    due_at: Mapped[datetime | None] = mapped_column(
        DateTime, comment="办理时限 by difficulty in working days; null = 领导包案 (no fixed limit)"
    )
    deadline_rule: Mapped[str | None] = mapped_column(String(16), comment="deadline_rules.yaml rule name")
    text_redacted: Mapped[str] = mapped_column(Text, comment="complaint text, personal data redacted")
    text_mapping_enc: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="encrypted placeholder -> value map: restores the clear text for allowed roles"
    )
    intake: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, comment="intake summary at registration: confidences, reasons, routing"
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, comment="time of 化解 / 未化解")
    archived_at: Mapped[datetime | None] = mapped_column(DateTime, comment="time of 归档")
    reopened_from: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("cases.id"), comment="the case this one reopens after 反弹"
    )
    import_batch: Mapped[int | None] = mapped_column(BigId, comment="import_batches.id for imported cases")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, comment="optimistic lock; +1 per move")

    __table_args__ = (
        # the list is newest first by received_at (then id): one (filter, received_at, id) index per filter
        # serves "filter = x, newest first" and "filter = x within a window" from the index alone
        Index("ix_cases_status_recv", "status", "received_at", "id"),
        Index("ix_cases_town_recv", "town", "received_at", "id"),
        Index("ix_cases_village_recv", "village", "received_at", "id"),
        Index("ix_cases_place_recv", "town", "village", "received_at"),  # the hot-spot cell's history
        Index("ix_cases_type_recv", "type", "received_at", "id"),
        Index("ix_cases_risk_recv", "risk", "received_at", "id"),
        Index("ix_cases_recv", "received_at", "id"),
        Index("ix_cases_due_at", "due_at"),
        Index("ix_cases_reopened_from", "reopened_from"),
    )


class Party(Base):
    """A person in a case. Clear values only encrypted; hashes match the same person across cases."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), comment="申请人/被申请人/当事人/反映人 ...")
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    person_hash: Mapped[str] = mapped_column(
        String(32), index=True, comment="HMAC of ID number, else phone, else name: the same person"
    )
    id_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    name_hash: Mapped[str | None] = mapped_column(String(32), index=True)


class CaseEvent(Base):
    """One change of a case (or a note). Append-only."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(8), comment="登记 or a move of state_machine.MOVES, or 备注")
    from_status: Mapped[str | None] = mapped_column(String(4))
    to_status: Mapped[str] = mapped_column(String(4))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64), comment="key id, CLI user or import batch")
    actor_role: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, comment="redacted")
    assignee: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(4))
    version: Mapped[int] = mapped_column(Integer, comment="the case's version after this event")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Alert(Base):
    """A warning stored when a case runs late (or is about to). Unique per case, kind and deadline."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), comment="分流超时/办理超时/临期预警/回访超时")
    deadline: Mapped[datetime] = mapped_column(DateTime, comment="the deadline this alert is about")
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    late_hours: Mapped[float] = mapped_column(comment="hours past the deadline (negative: early warning)")
    message: Mapped[str] = mapped_column(Text)
    supervisor: Mapped[str] = mapped_column(String(64), comment="suggested 督办: who should act")
    town: Mapped[str | None] = mapped_column(String(32))
    village: Mapped[str | None] = mapped_column(String(32))
    acked_at: Mapped[datetime | None] = mapped_column(DateTime)
    acked_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("case_id", "kind", "deadline", name="uq_alerts_case_kind_deadline"),
        Index("ix_alerts_acked_at", "acked_at"),
    )


class FollowUp(Base):
    """A scheduled 回访 of a resolved case, with its rule and the outcome once done."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, comment="1st, 2nd ... follow-up of the case")
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    rule: Mapped[str] = mapped_column(String(64), comment="followup_rules.yaml rule name")
    source: Mapped[str] = mapped_column(Text, comment="where the rule comes from")
    obligations: Mapped[list[Any]] = mapped_column(JSON, default=list, comment="agreement duties to check")
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(8), comment="履行/部分履行/未履行/反弹")
    note: Mapped[str | None] = mapped_column(Text, comment="redacted")
    reopened_case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))


class CaseAgreement(Base):
    """A 人民调解协议书 drafted for a case, with its obligations (who pays whom how much by when)."""

    __tablename__ = "case_agreements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[str | None] = mapped_column(String(64), comment="协议书编号")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    obligations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text_redacted: Mapped[str] = mapped_column(Text)


class ClearRead(Base):
    """Audit of every read of clear personal data (who, when, which case, which fields). Append-only."""

    __tablename__ = "clear_reads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(BigId, index=True)
    fields: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str | None] = mapped_column(String(64))


class ImportBatch(Base):
    """One ``brain cases import`` run; its cases carry its id in ``cases.import_batch``."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    file: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_ok: Mapped[int] = mapped_column(Integer, default=0)
    rows_bad: Mapped[int] = mapped_column(Integer, default=0)
