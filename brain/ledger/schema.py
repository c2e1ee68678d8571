"""Request and result models of the ledger (what the API, CLI, MCP tools and UI exchange with ``Brain``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, PlainSerializer, field_validator
from pydantic_core import PydanticCustomError

from brain.agreements.models import AgreementDraft, AgreementRequest
from brain.ledger.crypto import normalise
from brain.privacy import is_valid_id_number


def _aware(value: datetime) -> datetime:
    """Ledger times are naive local times of the centre; on the wire they carry its offset (RFC 3339)."""
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # set from ledger.timezone when the ledger starts
Time = Annotated[datetime, PlainSerializer(_aware, return_type=datetime, when_used="json")]
Source = Literal["来访", "来电", "12345", "网格员", "警情", "诉情", "访情", "上级转办"]
Outcome = Literal["履行", "部分履行", "未履行", "反弹"]
EXAMPLE = "青石镇龙潭村村民反映：邻居王某建房占用我家宅基地约20平方米，多次协商未果，双方发生推搡。"


class PlaceIn(BaseModel):
    town: str | None = Field(default=None, examples=["青石镇"])
    village: str | None = Field(default=None, examples=["龙潭村"])


class PlaceView(BaseModel):
    county: str
    town: str | None = None
    village: str | None = None


class PartyIn(BaseModel):
    """A person in the case. Stored encrypted; matched across cases by keyed hashes."""

    role: str = Field(default="当事人", max_length=16, examples=["申请人"])
    name: str | None = Field(default=None, max_length=60, examples=["王建国"])
    id_number: str | None = Field(
        default=None, max_length=18, description="居民身份证号（18 位，校验码有效）"
    )
    phone: str | None = Field(default=None, max_length=30, examples=["13800138000"])
    address: str | None = Field(default=None, max_length=120)

    @field_validator("id_number", mode="before")
    @classmethod
    def _compact_id(cls, v: Any) -> Any:
        """An ID number as a form or a spreadsheet writes it (110105 19491231 002x): its 18 characters, X
        upper-case."""
        return normalise("id_number", v) if isinstance(v, str) else v

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, v: str | None) -> str | None:
        if v and not is_valid_id_number(v.strip()):
            raise PydanticCustomError(
                "id_number_invalid", "身份证号无效（位数、出生日期或校验码不符），请核对"
            )
        return v.strip() if v else v


class PartyView(BaseModel):
    role: str
    person_hash: str = Field(description="同一人跨案件匹配用的键控哈希")
    name: str | None = Field(default=None, description="明文，仅对有权角色且 clear=true 时返回（留痕）")
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


class CaseCreate(BaseModel):
    text: str = Field(
        min_length=1, max_length=20_000, description="纠纷描述原文（入库前脱敏）", examples=[EXAMPLE]
    )
    source: Source = Field(description="受理渠道", examples=["来访"])
    received_at: datetime | None = Field(
        default=None, description="受理时间；缺省为现在（带时区时换算为本地时间）"
    )
    place: PlaceIn | str | None = Field(default=None, description="乡镇/村，或“青石镇龙潭村”这样的字符串")
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    external_id: str | None = Field(
        default=None, max_length=64, description="案件系统编号；同一编号再次提交返回已有案件（幂等）"
    )
    level: str = Field(default="村", description="受理层级（村/乡镇/县）", examples=["村"])

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise PydanticCustomError("text_empty", "纠纷描述不能为空，请填写群众反映的事项")
        return v


class EventView(BaseModel):
    id: int
    type: str
    from_status: str | None
    to_status: str
    at: Time
    actor: str
    actor_role: str | None = None
    note: str | None = None
    assignee: str | None = None
    level: str | None = None
    version: int
    data: dict[str, Any] = Field(default_factory=dict)


class FollowUpView(BaseModel):
    id: int
    case_id: int
    seq: int
    due_at: Time
    rule: str
    source: str
    obligations: list[dict[str, Any]] = Field(default_factory=list)
    done_at: Time | None = None
    outcome: str | None = None
    note: str | None = None
    reopened_case_id: int | None = None
    town: str | None = None
    village: str | None = None


class AgreementLink(BaseModel):
    id: int
    number: str | None
    created_at: Time
    obligations: list[dict[str, Any]] = Field(default_factory=list)


class CaseSummary(BaseModel):
    id: int
    external_id: str | None = None
    source: str
    received_at: Time
    place: PlaceView
    type: str
    subtype: str | None = None
    risk: str
    difficulty: str
    level: str
    assignee: str | None = None
    status: str
    due_at: Time | None = None
    overdue: bool = Field(description="未结案件已过办理时限（或未分流已过分流时限）")
    version: int


class CaseView(CaseSummary):
    channel: str | None = None
    routing_due_at: Time | None = None
    deadline_rule: str | None = None
    deadline_source: str | None = None
    text_redacted: str
    text: str | None = Field(default=None, description="原文，仅对有权角色且 clear=true 时返回（留痕）")
    intake: dict[str, Any] = Field(default_factory=dict, description="登记时的研判结果（类型、风险、分流）")
    allowed_moves: list[str] = Field(description="当前状态允许的操作")
    parties: list[PartyView] = Field(default_factory=list)
    resolved_at: Time | None = None
    archived_at: Time | None = None
    reopened_from: int | None = None
    reopened_as: list[int] = Field(default_factory=list)
    created_at: Time
    updated_at: Time
    events: list[EventView] = Field(default_factory=list)
    followups: list[FollowUpView] = Field(default_factory=list)
    agreements: list[AgreementLink] = Field(default_factory=list)
    created: bool = Field(default=False, description="本次请求新建（false=按 external_id 返回已有案件）")


class CaseGet(BaseModel):
    case_id: int
    clear: bool = Field(default=False, description="返回明文个人信息（仅限有权角色，留痕）")


class CaseEventRequest(BaseModel):
    case_id: int = Field(default=0, description="案件编号（HTTP 中取自路径）")
    type: str = Field(
        description="分流/开始调处/化解/未化解/提级/退回/回访/归档/反弹/备注", examples=["分流"]
    )
    note: str | None = Field(default=None, max_length=4000)
    assignee: str | None = Field(default=None, max_length=64, description="承办单位（分流、提级时）")
    level: str | None = Field(default=None, description="提级的目标层级；缺省为上一级")
    version: int = Field(ge=1, description="客户端所见的案件版本；不一致时返回 409")


class CaseQuery(BaseModel):
    status: str | None = None
    type: str | None = None
    risk: str | None = None
    source: str | None = None
    town: str | None = None
    village: str | None = None
    overdue: bool | None = None
    since: datetime | None = Field(default=None, description="受理时间下限（含）")
    until: datetime | None = Field(default=None, description="受理时间上限（不含）")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=500)


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = None


class AlertView(BaseModel):
    id: int
    case_id: int
    kind: str = Field(description="分流超时/办理超时/临期预警/回访超时")
    deadline: Time
    raised_at: Time
    late_hours: float
    late: str = Field(description="超期多少（工作日/小时），或距期限多久")
    message: str
    supervisor: str = Field(description="建议督办：谁应当督促办理")
    town: str | None = None
    village: str | None = None
    acked_at: Time | None = None
    acked_by: str | None = None


class AlertQuery(BaseModel):
    acked: bool | None = Field(default=False, description="false=未确认（默认），true=已确认，不填=全部")
    kind: str | None = None
    town: str | None = None
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=500)


class AlertPage(BaseModel):
    items: list[AlertView]
    next_cursor: str | None = None


class AlertAck(BaseModel):
    alert_id: int
    note: str | None = Field(default=None, max_length=1000)


class FollowUpQuery(BaseModel):
    due_before: datetime | None = Field(default=None, description="到期时间上限；缺省为现在")
    done: bool = False
    town: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class FollowUpPage(BaseModel):
    items: list[FollowUpView]


class FollowUpResult(BaseModel):
    followup_id: int = Field(default=0, description="回访编号（HTTP 中取自路径）")
    outcome: Outcome
    note: str | None = Field(default=None, max_length=4000)


class FollowUpRecorded(BaseModel):
    followup: FollowUpView
    case: CaseView
    reopened_case: CaseView | None = Field(default=None, description="反弹时新建的关联案件")


class ImportRowError(BaseModel):
    row: int = Field(description="文件中的行号（CSV/XLSX 含表头行，从 1 计；JSONL 从 1 计）")
    field: str | None = None
    message: str


class ImportRequest(BaseModel):
    path: str
    map_file: str | None = Field(
        default=None, description="列映射 YAML：columns（台账字段: 文件列名）与 defaults"
    )
    column_map: dict[str, str] = Field(
        default_factory=dict, description="台账字段 -> 文件列名（覆盖 map_file）"
    )
    defaults: dict[str, str] = Field(default_factory=dict)
    classify_missing: bool = Field(default=True, description="没有纠纷类型的行用规则分类器补全")
    workers: int = Field(default=1, ge=1, le=32, description="并行校验与脱敏的进程数")
    progress: bool = Field(default=False, description="每写入一批在标准错误输出进度")


class ImportReport(BaseModel):
    batch_id: int | None
    file: str
    rows_total: int
    rows_ok: int
    rows_bad: int
    errors: list[ImportRowError]
    took_s: float
    rows_per_s: float


class ExportRequest(BaseModel):
    path: str = Field(description="输出文件；“-” 为标准输出")
    query: CaseQuery = Field(default_factory=CaseQuery)
    fmt: Literal["csv", "jsonl"] = "jsonl"


class ExportReport(BaseModel):
    path: str
    fmt: str
    rows: int


class LedgerStats(BaseModel):
    cases: int
    by_status: dict[str, int]
    overdue: int
    alerts_open: int
    followups_due: int


class DemoRequest(BaseModel):
    cases: int = Field(default=20_000, ge=10, le=2_000_000)
    seed: int = 7
    end: date | None = Field(default=None, description="最后一天；缺省为今天")
    days: int = Field(default=730, ge=30, le=3650)
    if_empty: bool = Field(default=True, description="台账已有案件时不再生成")


class DemoReport(BaseModel):
    loaded: bool
    cases: int = 0
    events: int = 0
    parties: int = 0
    followups: int = 0
    took_s: float = 0.0
    planted: dict[str, Any] = Field(default_factory=dict)
    message: str = ""


class CaseAgreementRequest(BaseModel):
    case_id: int = Field(default=0, description="案件编号（HTTP 中取自路径）")
    request: AgreementRequest


class CaseAgreementResult(BaseModel):
    draft: AgreementDraft
    link: AgreementLink
