"""The intake steps, as functions of the parts they use (no service, no facade).

:class:`IntakeModels` is what is loaded once (taxonomy, risk rules, the two classifiers); the graph's nodes
(:mod:`brain.agents.intake.nodes`) and the service's single-step operations (classify, route, strategies)
call these functions with the parts from the run context, so nothing calls back up into the service.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from brain.agents.intake import extract as extract_mod
from brain.agents.intake import risk as risk_mod
from brain.agents.intake.classifier import KeywordClassifier, TfidfClassifier
from brain.agents.intake.decide import TypeDecider
from brain.agents.intake.guard import strip_instructions
from brain.agents.intake.schema import (
    ABSTAIN_LABEL,
    Classification,
    Facts,
    Precedent,
    RiskAssessment,
    RiskLevel,
    Strategies,
)
from brain.agents.intake.taxonomy import SignalRule, TaxonomyIndex, load_risk_rules, load_taxonomy
from brain.errors import BrainError, GraphUnavailableError, LLMError, NotFoundError

if TYPE_CHECKING:
    from brain.agents.intake.routing import RoutePlanner
    from brain.llm import LLMBackend
    from brain.retrieval.service import RetrievalService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeModels:
    """What intake loads once: the taxonomy, the risk rules, and the type decision (keyword rules and the
    two classifiers inside :class:`~brain.agents.intake.decide.TypeDecider`)."""

    tax: TaxonomyIndex
    rules: tuple[SignalRule, ...]
    decider: TypeDecider

    @classmethod
    def load(cls, model_dir: Path, seed_dir: Path, threshold: float | None) -> IntakeModels:
        tax = load_taxonomy(seed_dir)
        # the abstention threshold: the setting when given, else the one tuned with the shipped model
        return cls(tax, load_risk_rules(seed_dir), TypeDecider.load(model_dir, tax, threshold=threshold))

    @property
    def keywords(self) -> KeywordClassifier:
        return self.decider.keywords

    @property
    def top(self) -> TfidfClassifier:
        return self.decider.top

    @property
    def sub(self) -> TfidfClassifier:
        return self.decider.sub

    @property
    def threshold(self) -> float:
        return self.decider.threshold

    def resolve(self, dispute_type: str) -> str:
        name = self.tax.resolve(dispute_type)
        if name is None:
            raise NotFoundError(
                f"纠纷类型“{dispute_type}”不在分类体系中",
                where="dispute_type",
                hint="用 GET /v1/taxonomy 查看可用类型（名称或别名均可）",
            )
        return name


def classify_deterministic(m: IntakeModels, text: str) -> Classification:
    return m.decider.classify(text)


def sub_type(m: IntakeModels, text: str, parent: str) -> str | None:
    return m.decider.sub_type(text, parent)


def _hint(det: Classification) -> str:
    """The deterministic result as a hint for the model: top candidates with their probabilities."""
    ranked = "、".join(f"{c.dispute_type}（{c.probability:.2f}）" for c in det.candidates)
    verdict = "规则分类器未作判断（需人工研判）" if det.abstained else f"规则分类器判为 {det.label}"
    return f"{verdict}；候选：{ranked or '无'}"


def classify_llm(
    m: IntakeModels, llm: LLMBackend | None, text: str, det: Classification
) -> tuple[Classification | None, RiskLevel | None, str | None]:
    """(classification, model's colour, warning). None classification = fall back to ``det``."""
    import prompts

    if llm is None:
        return None, None, "未配置大模型，使用规则结果"
    names = m.tax.level1
    schema = {
        "title": "IntakeJudgement",
        "type": "object",
        "additionalProperties": False,
        "required": ["dispute_type", "risk_level", "difficulty", "reason"],
        "properties": {
            "dispute_type": {"type": "string", "enum": [*names, ABSTAIN_LABEL]},
            "risk_level": {"type": "string", "enum": ["红", "橙", "黄", "蓝"]},
            "difficulty": {"type": "string", "enum": ["咨询", "简易", "一般", "复杂", "重大"]},
            "reason": {"type": "string", "maxLength": 120},
        },
    }
    complaint, _ = strip_instructions(text)  # orders to the system never reach the model either
    messages = prompts.load("intake_classify").render(
        complaint=complaint or text, categories="、".join(names), hint=_hint(det)
    )
    try:
        out = llm.complete_json(messages, schema)
    except LLMError as e:
        log.warning("intake LLM call failed, falling back: %s", e.code)
        return None, None, f"大模型调用失败（{e.message}），已回退到规则结果"
    label = out.get("dispute_type")
    if label not in names:
        return None, None, "大模型给出的类型不在分类体系中，已回退到规则结果"
    agree = label == det.dispute_type
    conf = max(det.confidence, 0.6) if agree else 0.5
    reasons = [
        f"大模型研判：{label}（{str(out.get('reason', ''))[:60]}）",
        "与规则分类器一致" if agree else f"规则分类器结果为 {det.label}",
    ]
    cls = Classification(
        label=label,
        dispute_type=label,
        sub_type=sub_type(m, text, label),
        confidence=round(conf, 4),
        abstained=False,
        candidates=det.candidates,
        matched_keywords=det.matched_keywords,
        reasons=reasons,
        warnings=det.warnings,
    )
    level = out.get("risk_level")
    return cls, level if level in ("红", "橙", "黄", "蓝") else None, None


def assess(
    m: IntakeModels, text: str, cls: Classification, *, llm_level: RiskLevel | None = None
) -> RiskAssessment:
    facts_amount = max((a.value_yuan for a in extract_mod.extract_amounts(text)), default=0.0)
    r = risk_mod.assess(text, cls.sub_type or cls.dispute_type, m.tax, m.rules, facts_amount)
    if llm_level and risk_mod.combine_levels(r.level, llm_level) != r.level:
        r.level = llm_level
        r.reasons.append(f"大模型研判风险为{llm_level}色（只上调，不下调规则结果）")
    return r


def extract(redacted: str, mapping: dict[str, str]) -> Facts:
    """Extract on the redacted text, then give the caller back the real names behind placeholders."""
    from brain.privacy import restore

    facts = extract_mod.extract_facts(redacted)
    for party in facts.parties:
        if party.name:
            party.name = restore(party.name, mapping)
    facts.places = [restore(p, mapping) for p in facts.places]
    return facts


def strategies(
    planner: RoutePlanner,
    retrieval: RetrievalService | None,
    name: str,
    *,
    query: str | None = None,
    top_k: int = 3,
) -> Strategies:
    """Graph strategies for the (resolved) type, and precedent cases when ``query`` is given."""
    out = Strategies()
    problems = []
    try:
        out.items = planner.strategies(name)
    except GraphUnavailableError as e:
        problems.append(f"知识图谱服务不可用，暂无图谱调解策略：{e.message}")
    if query:
        try:
            from brain.types import SearchFilters, SearchRequest

            if retrieval is None:
                raise ImportError("no retrieval part")
            resp = retrieval.search(
                SearchRequest(query=query[:500], top_k=top_k, filters=SearchFilters(kind="case"))
            )
            out.precedents = [
                Precedent(
                    doc_id=h.doc_id,
                    title=h.title,
                    snippet=h.snippet,
                    citation=h.citation,
                    score=round(h.score.fused, 4),
                )
                for h in resp.hits
            ]
        except (BrainError, ImportError) as e:
            problems.append(f"类案检索不可用：{e.message if isinstance(e, BrainError) else '未安装'}")
    out.degraded = "；".join(problems) or None
    return out
