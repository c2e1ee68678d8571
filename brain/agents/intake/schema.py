"""The stable request/response schema of intake (what ``POST /v1/intake`` returns, documented in OpenAPI).

One result type for every mode (deterministic, LLM, fallback) and every caller (API, CLI, UI, eval): each
decision carries a confidence and the reasons behind it, so a clerk can accept or overrule it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from brain.types import Citation

RiskLevel = Literal["红", "橙", "黄", "蓝"]
Difficulty = Literal["咨询", "简易", "一般", "复杂", "重大"]
Mode = Literal["deterministic", "llm", "fallback"]
ABSTAIN_LABEL = "需人工研判"
RISK_ORDER: tuple[RiskLevel, ...] = ("蓝", "黄", "橙", "红")
DIFFICULTY_ORDER: tuple[Difficulty, ...] = ("咨询", "简易", "一般", "复杂", "重大")

EXAMPLE_TEXT = "邻居王某装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。"


class Candidate(BaseModel):
    dispute_type: str
    probability: float = Field(ge=0, le=1)


class Classification(BaseModel):
    label: str = Field(description="纠纷类型名称；低于阈值时为“需人工研判”", examples=["邻里纠纷"])
    dispute_type: str | None = Field(description="分类体系中的类型；弃权时为 null", examples=["邻里纠纷"])
    sub_type: str | None = Field(
        default=None, description="子类型（若分类体系有）", examples=["相邻关系纠纷"]
    )
    confidence: float = Field(ge=0, le=1, description="校准后的概率")
    abstained: bool = Field(description="置信度低于阈值，交人工研判")
    candidates: list[Candidate] = Field(default_factory=list, description="前三个候选类型及概率")
    matched_keywords: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list,
        description="需要受理人员注意的情况，如投诉内容中含有对系统下达的指令（已忽略）",
    )


class RiskSignal(BaseModel):
    name: str = Field(examples=["民转刑"])
    level: RiskLevel = Field(description="该信号至少对应的风险颜色")
    evidence: str = Field(description="触发该信号的原文片段")
    rule: str = Field(description="规则来源（图谱 risk_signals 中的条目）")


class RiskAssessment(BaseModel):
    level: RiskLevel = Field(description="风险颜色：红/橙/黄/蓝")
    difficulty: Difficulty = Field(description="难易程度：咨询/简易/一般/复杂/重大")
    confidence: float = Field(ge=0, le=1)
    signals: list[RiskSignal] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class Party(BaseModel):
    role: str = Field(examples=["邻居"])
    name: str | None = Field(default=None, examples=["王某"])


class Amount(BaseModel):
    text: str = Field(examples=["3万元"])
    value_yuan: float = Field(examples=[30000])
    approximate: bool = False
    span: tuple[int, int]


class DateMention(BaseModel):
    text: str = Field(examples=["2023年5月12日"])
    iso: str | None = Field(default=None, examples=["2023-05-12"])
    relative: bool = False
    span: tuple[int, int]


class Facts(BaseModel):
    parties: list[Party] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)


class GraphCitation(BaseModel):
    """What a graph edge rests on: a statute article in the corpus (``kind="statute"``; ``doc_id`` opens it
    with ``GET /v1/documents/{doc_id}``) or one of the seed's published reports (``kind="report"``)."""

    kind: Literal["statute", "report"]
    label: str = Field(examples=["《劳动争议调解仲裁法》第10条"])
    law: str | None = Field(default=None, examples=["劳动争议调解仲裁法"])
    article: str | None = Field(default=None, description="条号（第133条之一写作 133-1）", examples=["10"])
    doc_id: str | None = Field(default=None, examples=["statute:劳动争议调解仲裁法:10"])
    report: str | None = Field(default=None, description="报告键", examples=["汉台"])
    quote: str | None = Field(default=None, description="出处原文片段")
    why: str | None = Field(default=None, description="为何适用")


class Deadline(BaseModel):
    difficulty: str = Field(description="图谱时限规则名", examples=["一般"])
    limit: str = Field(description="办理时限", examples=["5日内办理"])
    max_days: int | None = Field(default=None, description="最长天数；0=当日/现场，null=领导包案无固定时限")
    routing_limit: str | None = Field(
        default=None, description="受理后分流时限", examples=["1个工作日内分流"]
    )
    citation: GraphCitation | None = None
    reasons: list[str] = Field(default_factory=list)


class RouteSuggestion(BaseModel):
    department: str | None = Field(default=None, description="主办部门", examples=["人力资源和社会保障局"])
    mediation_body: str | None = Field(
        default=None, description="调解组织", examples=["村（居）民调解委员会"]
    )
    level: str | None = Field(default=None, description="该机构所在层级：村/乡镇/县/市/省", examples=["村"])
    channel: str | None = Field(default=None, description="诉调/警调/访调对接", examples=["警调对接"])
    deadline: str | None = Field(default=None, description="办理时限", examples=["5日内办理"])
    confidence: float = Field(
        ge=0, le=1, description="排序分：优先级与提级步数折算，非校准概率（类别专用、本级优先）"
    )
    graph_path: list[str] = Field(
        description="图谱中的推理路径（节点与关系交替）",
        min_length=1,
        examples=[["邻里纠纷", "MEDIATED_BY", "村（居）民调解委员会", "AT_LEVEL", "村"]],
    )
    escalation_path: list[str] = Field(
        default_factory=list, description="自受理层级到该机构层级的提级路径", examples=[["村", "乡镇"]]
    )
    citations: list[GraphCitation] = Field(description="依据：法条或报告出处", min_length=1)
    reasons: list[str] = Field(default_factory=list)


class Routing(BaseModel):
    available: bool = Field(description="图谱可用且给出了分流建议")
    degraded: str | None = Field(default=None, description="降级原因（如图谱不可用）")
    level: str | None = Field(default=None, description="建议主办层级", examples=["村"])
    level_reasons: list[str] = Field(default_factory=list)
    channel: str | None = Field(default=None, description="对接渠道：诉调对接/警调对接/访调对接；无则 null")
    channel_reasons: list[str] = Field(default_factory=list)
    deadline: Deadline | None = None
    suggestions: list[RouteSuggestion] = Field(default_factory=list)
    escalation: list[str] = Field(default_factory=list, description="逐级上报链，如 村→乡镇→县")


class Strategy(BaseModel):
    title: str
    text: str
    source: str = Field(description="来源：graph（图谱）或 precedent（类案）")
    graph_path: list[str] = Field(default_factory=list)
    citations: list[GraphCitation] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)


class Precedent(BaseModel):
    doc_id: str
    title: str
    snippet: str
    citation: Citation
    score: float


class Strategies(BaseModel):
    items: list[Strategy] = Field(default_factory=list)
    precedents: list[Precedent] = Field(default_factory=list)
    degraded: str | None = None


class IntakeResult(BaseModel):
    """Everything the intake window needs about one complaint."""

    mode: Mode = Field(description="deterministic=规则与分类器；llm=大模型；fallback=大模型失败后的规则结果")
    text_redacted: str = Field(description="脱敏后的文本（送往模型与日志的只有这一版本）")
    classification: Classification
    risk: RiskAssessment
    facts: Facts
    routing: Routing
    strategies: Strategies
    warnings: list[str] = Field(default_factory=list)
    took_ms: float


class ClassifyResult(BaseModel):
    mode: Mode
    classification: Classification
    risk: RiskAssessment
    took_ms: float


SOURCE_DESCRIPTION = (
    "受理来源（来访/来电/12345/网格员/警情/诉前/信访/上级转办，或其别名）；决定诉调/警调/访调对接渠道"
)


class IntakeRequest(BaseModel):
    text: str = Field(
        min_length=1, max_length=20_000, description="投诉/纠纷描述原文", examples=[EXAMPLE_TEXT]
    )
    region: str | None = Field(default=None, description="所在地区（用于分流）", examples=["某县某镇"])
    level: str = Field(default="村", description="受理层级（村/乡镇/县/市/省或别名）", examples=["村"])
    source: str | None = Field(default=None, description=SOURCE_DESCRIPTION, examples=["来访"])
    mode: Literal["auto", "deterministic", "llm"] = Field(
        default="auto", description="auto=配置了大模型则用大模型，否则规则模式"
    )
    precedents: bool = Field(default=True, description="是否检索类案")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        # PydanticCustomError keeps the Chinese message as written in the 422 body.
        if not v.strip():
            raise PydanticCustomError("text_empty", "投诉内容不能为空，请粘贴群众反映的纠纷描述")
        return v


class RouteRequest(BaseModel):
    dispute_type: str = Field(min_length=1, description="纠纷类型名称或别名", examples=["劳资纠纷"])
    level: str = Field(default="村", description="受理层级", examples=["村"])
    region: str | None = None
    source: str | None = Field(default=None, description=SOURCE_DESCRIPTION, examples=["警情"])
    risk_level: RiskLevel | None = Field(
        default=None, description="风险颜色，红/橙时建议提级", examples=["黄"]
    )
    difficulty: Difficulty | None = Field(
        default=None, description="难易程度，决定办理时限", examples=["一般"]
    )


class ClassifyRequest(BaseModel):
    """Classification and risk only (``Brain.classify``); the text is checked by the service, so a blank or
    over-long text is the same Chinese :class:`~brain.errors.InputError` as for a full intake."""

    text: str
    mode: Literal["auto", "deterministic", "llm"] = "auto"


class StrategiesRequest(BaseModel):
    dispute_type: str = Field(min_length=1, description="纠纷类型名称或别名", examples=["邻里纠纷"])
    query: str | None = Field(default=None, description="有则同时检索类案（按此文本）")
    top_k: int = Field(default=3, ge=1, le=20)


class TaxonomyType(BaseModel):
    name: str
    parent: str | None = None
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class Taxonomy(BaseModel):
    types: list[TaxonomyType]
    source: str = Field(description="图谱种子文件或图谱服务")
