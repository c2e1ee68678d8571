"""Request and result types of 人民调解协议书 drafting.

The agreement model carries every field of ``agreement_spec/renmin_tiaojie_xieyishu_fields.json``
(人民调解法 第二十八至三十三条; 司法部 2010 文书格式). A field with no source stays ``None``; the renderer
prints it as 【待补充：字段名】 and :class:`AgreementDraft.missing_fields` lists it, so a mediator sees at once
what still has to be asked, and nothing is invented to fill the gap.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PartyRole = Literal["申请人", "被申请人", "当事人", "甲方", "乙方", "丙方", "丁方"]
CaseSource = Literal[
    "当事人申请", "人民调解委员会主动调解", "公安机关移交", "人民法院委托", "政府部门指定", "其他"
]
Mode = Literal["deterministic", "llm", "fallback"]
Severity = Literal["error", "warning", "info"]

# Chinese labels of the fields, used in 【待补充：…】 and in warnings.
FIELD_LABELS: dict[str, str] = {
    "agreement_no": "编号",
    "committee_name": "人民调解委员会名称",
    "parties": "当事人基本情况",
    "dispute_type": "纠纷类型",
    "case_source": "案件来源",
    "facts_and_issues": "纠纷主要事实、争议事项",
    "responsibility": "各方当事人的责任",
    "agreed_terms": "协议内容",
    "performance": "履行方式、地点、期限",
    "copies": "份数与持有",
    "effect_clause": "生效与效力条款",
    "judicial_confirmation_notice": "司法确认告知",
    "signatures": "签署栏",
    "obligor": "义务人",
    "payee": "收款人",
    "amount": "金额",
    "method": "履行方式",
    "place": "履行地点",
    "deadline": "履行期限",
    "name": "姓名或单位名称",
}
REQUIRED_FIELDS = [
    "agreement_no",
    "committee_name",
    "parties",
    "facts_and_issues",
    "responsibility",
    "agreed_terms",
    "performance",
    "copies",
    "effect_clause",
    "signatures",
]

MAX_TEXT = 20_000


class Party(BaseModel):
    """当事人基本情况. Only ``name`` is needed; every other item is printed when known and left out otherwise."""

    role: PartyRole = "当事人"
    name: str = Field(min_length=1, max_length=60, examples=["张建国"])
    kind: Literal["自然人", "单位"] = "自然人"
    gender: Literal["男", "女"] | None = None
    ethnicity: str | None = Field(default=None, max_length=10, examples=["汉族"])
    birth_or_age: str | None = Field(default=None, max_length=30, examples=["1975年3月生", "48岁"])
    occupation: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=30)
    id_number: str | None = Field(default=None, max_length=30)
    legal_rep: str | None = Field(default=None, max_length=60, description="法定代表人/负责人（单位当事人）")
    agent: str | None = Field(default=None, max_length=120, description="法定代理人或委托代理人")

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("当事人姓名不能为空白")
        return v


class TermInput(BaseModel):
    """One agreed term as the mediator typed it: free ``text``, structured items, or both."""

    text: str | None = Field(
        default=None, max_length=2000, examples=["被申请人于2026年3月31日前支付申请人15000元"]
    )
    obligor: str | None = Field(default=None, description="义务人")
    payee: str | None = Field(default=None, description="收款人/权利人")
    amount: Decimal | None = Field(default=None, ge=0, description="金额（元，小写）")
    amount_capital: str | None = Field(default=None, description="金额大写，给出时与 amount 核对")
    method: str | None = Field(default=None, examples=["银行转账"])
    place: str | None = None
    deadline: str | None = Field(default=None, examples=["2026年3月31日前", "2026-03-31"])


class AgreementRequest(BaseModel):
    """What a mediator hands in. Everything but the facts is optional; what is missing is reported, not guessed."""

    # A misspelt key (``term_text``) must be an error, not a silently ignored field and a draft without terms.
    model_config = ConfigDict(extra="forbid")

    facts: str = Field(default="", max_length=MAX_TEXT, description="案情：纠纷主要事实与争议事项")
    parties: list[Party] = Field(default_factory=list, description="为空时从案情与调解记录中按规则提取")
    notes: str | None = Field(default=None, max_length=MAX_TEXT, description="调解记录或对话记录")
    responsibility: str | None = Field(default=None, max_length=4000, description="各方责任")
    terms_text: str | None = Field(
        default=None, max_length=MAX_TEXT, description="达成的协议内容（自由文本）"
    )
    terms: list[TermInput] = Field(default_factory=list, description="结构化协议条款")
    performance: str | None = Field(
        default=None, max_length=4000, description="履行方式、地点、期限（另行说明时）"
    )
    dispute_type: str | None = Field(default=None, max_length=40)
    case_source: CaseSource | None = None
    committee_name: str | None = Field(default=None, max_length=80, examples=["枫桥镇人民调解委员会"])
    mediator: str | None = Field(default=None, max_length=40)
    recorder: str | None = Field(default=None, max_length=40)
    date: dt.date | None = Field(default=None, description="协议形成日期")
    region: str | None = Field(default=None, max_length=20, description="编号中的机构简称，如“枫桥”")
    agreement_no: str | None = Field(default=None, max_length=60, description="已有编号时直接使用")
    reserve_number: bool = Field(
        default=True,
        description="为假时只预览下一个编号而不占用（评测、试算）；正式起草应为真，编号按委员会逐年递增",
    )
    strict: bool = Field(default=False, description="为真时，存在错误级提示即返回 422 而不出草稿")


class Obligation(BaseModel):
    """One thing someone must do (usually pay), with what the law says a 协议书 must state about doing it."""

    obligor: str | None = None
    payee: str | None = None
    action: str | None = Field(default=None, description="支付/赔偿/返还/修复……")
    amount: Decimal | None = None
    amount_capital: str | None = None
    method: str | None = None
    place: str | None = None
    deadline: dt.date | None = None
    deadline_text: str | None = Field(default=None, description="期限原文，如“协议签订之日起十日内”")

    @property
    def monetary(self) -> bool:
        return self.amount is not None


class Term(BaseModel):
    index: int = Field(ge=1)
    text: str
    obligations: list[Obligation] = Field(default_factory=list)


class Signatures(BaseModel):
    parties: list[str] = Field(default_factory=list, description="当事人签名（盖章或按指印）")
    mediator: str | None = Field(default=None, description="人民调解员")
    recorder: str | None = Field(default=None, description="记录人")
    committee_seal: str | None = Field(default=None, description="人民调解委员会（印章）")
    date: dt.date | None = None


class Agreement(BaseModel):
    """The structured 人民调解协议书. ``None`` means no source was found (rendered 【待补充：…】)."""

    model_config = ConfigDict(
        extra="forbid"
    )  # posting a whole draft here is an error, not an empty agreement

    agreement_no: str | None = None
    committee_name: str | None = None
    parties: list[Party] = Field(default_factory=list)
    dispute_type: str | None = None
    case_source: CaseSource | None = None
    facts_and_issues: str | None = None
    responsibility: str | None = None
    agreed_terms: list[Term] = Field(default_factory=list)
    performance: str | None = None
    copies_count: int | None = Field(default=None, ge=1)
    copies: str | None = None
    effect_clause: str | None = None
    judicial_confirmation_notice: str | None = None
    signatures: Signatures = Field(default_factory=Signatures)


class AgreementWarning(BaseModel):
    """One finding. ``field`` is a path into :class:`Agreement` (``agreed_terms[2].obligations[0].deadline``)."""

    field: str
    code: str
    message: str
    severity: Severity = "warning"


class ValidationReport(BaseModel):
    ok: bool = Field(description="没有错误级提示且没有缺项")
    missing_fields: list[str] = Field(default_factory=list)
    warnings: list[AgreementWarning] = Field(default_factory=list)


class AgreementDraft(BaseModel):
    agreement: Agreement
    text: str = Field(description="协议书全文（纯文本）")
    missing_fields: list[str] = Field(default_factory=list)
    warnings: list[AgreementWarning] = Field(default_factory=list)
    mode: Mode = "deterministic"


ExportFormat = Literal["docx", "pdf", "html"]


class AgreementExportRequest(BaseModel):
    """``Brain.export_agreement``: DOCX/PDF are refused while the agreement has a defect the page would not
    show, unless ``force`` (a discussion copy); the HTML preview always renders, findings on top."""

    agreement: Agreement
    format: ExportFormat = "pdf"
    force: bool = False


class AgreementExport(BaseModel):
    content: bytes
    media_type: str
    filename: str = Field(
        description="人民调解协议书_（2026）枫桥镇人调字第3号.pdf (for Content-Disposition)"
    )
