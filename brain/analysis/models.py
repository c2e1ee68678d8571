"""Typed records of the analysis area: the columnar case view it reads, alerts, queries and reports.

The detectors read cases only through :class:`CaseRecord` (one row of the ``cases`` view: the columns the
ledger's ``cases`` table carries, plus the keyed hashes of the case's parties), so the same code runs over the
analysis' own store, a test table and the ledger's database once merged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from brain.ledger import schema as ledger_schema
from brain.ledger.schema import Time  # naive times go out with the centre's offset (RFC 3339)


def _local_query_time(value: datetime) -> datetime:
    """A query bound as the centre's naive local time (the store keeps naive local times): an aware time is
    converted; one outside 1900-2200 is refused (the window arithmetic would overflow on year 1 or 9999;
    the ledger takes cases from 1990 on, and the detectors' history windows reach a year before that)."""
    try:
        local = (
            value if value.tzinfo is None else value.astimezone(ledger_schema.LOCAL_TZ).replace(tzinfo=None)
        )
    except (OverflowError, ValueError):
        local = datetime(1, 1, 1)
    if not datetime(1900, 1, 1) <= local < datetime(2200, 1, 1):
        raise ValueError("时间超出范围，请使用 1900 年至 2200 年之间的时间")
    return local


QueryTime = Annotated[datetime, AfterValidator(_local_query_time)]
LocalTime = QueryTime  # a case's own times likewise: a stream may mix "…+08:00", "…Z" and naive local times

AlertKind = Literal["hotspot", "emerging", "collective", "repeat", "duplicate", "escalation", "rebound"]
AlertLevel = Literal["蓝", "橙", "红"]
ALERT_KINDS: tuple[str, ...] = (
    "hotspot",
    "emerging",
    "collective",
    "repeat",
    "duplicate",
    "escalation",
    "rebound",
)
KIND_LABELS = {
    "hotspot": "热点",
    "emerging": "苗头",
    "collective": "群体性苗头",
    "repeat": "重复访",
    "duplicate": "重复投诉",
    "escalation": "民转刑风险",
    "rebound": "易反弹",
}
LEVEL_RANK = {"蓝": 1, "橙": 2, "红": 3}
RISK_RANK = {"蓝": 1, "黄": 2, "橙": 3, "红": 4}


class Place(BaseModel):
    county: str = ""
    town: str = ""
    village: str = ""

    @field_validator("county", "town", "village", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        """An export's ``null`` (or a padded name) is a place not named: ""."""
        return "" if v is None else (v.strip() if isinstance(v, str) else v)


class CaseRecord(BaseModel):
    """One row of the ``cases`` view (see module docstring)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)  # the ledger's ids are integers

    id: str
    external_id: str | None = None
    source: str = ""
    received_at: Time
    county: str = ""
    town: str = ""
    village: str = ""
    type: str | None = None
    subtype: str | None = None
    risk: str | None = None
    status: str = "登记"
    due_at: Time | None = None
    resolved_at: Time | None = None
    reopened_from: str | None = None
    text_redacted: str = ""
    person_hashes: list[str] = Field(default_factory=list, description="keyed hashes of the parties")
    signals: list[str] = Field(default_factory=list, description="intake risk signal codes")

    @field_validator("county", "town", "village", "source", "text_redacted", mode="before")
    @classmethod
    def _blank(cls, v: object) -> object:
        return "" if v is None else v  # the ledger stores a case without a village (or town) as NULL


class Alert(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # the ledger's case ids are integers

    id: str
    kind: AlertKind
    level: AlertLevel
    title: str
    place: Place
    key: str = Field(description="what the alert is about (cell, cluster, person, counterparty)")
    rule: str = Field(description="the rule or statistic that fired, in words")
    evidence: dict[str, Any] = Field(default_factory=dict)
    case_ids: list[str] = Field(default_factory=list)
    created_at: Time
    updated_at: Time
    first_case_at: Time | None = None
    status: Literal["open", "acknowledged", "closed"] = "open"


class AlertChange(BaseModel):
    alert: Alert
    change: Literal["new", "escalated", "updated"]


class RegisterResult(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # the ledger's case ids are integers

    case_id: str
    linked_to: str | None = Field(default=None, description="the first case this one repeats or duplicates")
    changes: list[AlertChange] = Field(default_factory=list)
    took_ms: float = 0.0


class AnalysisAlertQuery(BaseModel):
    kind: AlertKind | None = None
    level: AlertLevel | None = None
    place: str | None = Field(default=None, description="县、乡镇或村名（任一级）")
    since: QueryTime | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class AnalysisAlertPage(BaseModel):
    items: list[Alert]
    total: int


class HotspotQuery(BaseModel):
    level: Literal["县", "镇", "村"] = "村"
    place: str | None = None
    since: QueryTime | None = None
    until: QueryTime | None = None


class HotspotCell(BaseModel):
    place: str
    town: str
    type: str
    count: int
    expected: float
    p_value: float
    level: AlertLevel | None = None


class HotspotResult(BaseModel):
    since: Time
    until: Time
    cells: list[HotspotCell]
    sql: str = Field(description="the query behind the counts")


class ReportRequest(BaseModel):
    level: Literal["镇", "县"] = "县"
    place: str = Field(min_length=1, description="乡镇或县名")
    period: Literal["week", "half-month", "month", "custom"] = "month"
    end: QueryTime | None = Field(default=None, description="期末（不含）；缺省为现在")
    start: QueryTime | None = Field(
        default=None, description="custom 时的期初（与 end 同给时为该期间的期初）"
    )
    formats: list[Literal["html", "pdf", "docx"]] = Field(default_factory=lambda: ["html", "pdf"])  # type: ignore[arg-type]


class ReportResult(BaseModel):
    id: str
    title: str
    level: str
    place: str
    start: Time
    end: Time
    numbers: dict[str, Any] = Field(description="every figure in the text, with the query that counted it")
    files: dict[str, str] = Field(default_factory=dict, description="format -> path under state_dir")
    html: str = ""
    period: str = Field(default="", description="week / half-month / month / custom")
    scheduled: bool = Field(default=False, description="written by the schedule (analysis.schedule)")


class ReportList(BaseModel):
    items: list[ReportResult]


class ScheduleRun(BaseModel):
    """Run the scheduled reports that are due (``analysis.schedule``) as of ``now``."""

    now: QueryTime | None = Field(default=None, description="as of this time; default now (tests move it)")


class LetterRequest(BaseModel):
    alert_id: str
    kind: Literal["风险提示函", "问题督办函"] = "风险提示函"


class LetterResult(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # the ledger's case ids are integers

    alert_id: str
    kind: str
    text: str
    case_ids: list[str]
