"""IntakeService: what :class:`brain.service.Brain` delegates intake to.

It owns what is loaded once (taxonomy, risk rules, the two classifiers, the compiled graph) and the
operations the graph's nodes call. Routing and strategies need the live graph; when it is down, the result
says so (``routing.degraded``) instead of failing the whole intake — a clerk can still register and triage.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from brain.agents.intake import extract as extract_mod
from brain.agents.intake import risk as risk_mod
from brain.agents.intake.decide import TypeDecider
from brain.agents.intake.guard import strip_instructions
from brain.agents.intake.routing import RoutePlanner
from brain.agents.intake.schema import (
    ABSTAIN_LABEL,
    Classification,
    ClassifyResult,
    Facts,
    IntakeResult,
    Mode,
    Precedent,
    RiskAssessment,
    RiskLevel,
    Routing,
    Strategies,
    Taxonomy,
)
from brain.agents.intake.taxonomy import SEED_DIR, TaxonomyIndex, load_risk_rules, load_taxonomy
from brain.errors import BrainError, GraphUnavailableError, InputError, LLMError, NotFoundError

if TYPE_CHECKING:
    from brain.service import Brain

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parents[3] / "data" / "models" / "intake_classifier"
MAX_TEXT = 20_000


class IntakeService:
    def __init__(self, brain: Brain, *, model_dir: Path = MODEL_DIR, seed_dir: Path = SEED_DIR) -> None:
        self.brain = brain
        self.settings = brain.settings
        self.model_dir = model_dir
        self.seed_dir = seed_dir
        self._lock = threading.Lock()
        self._loaded = False

    # ------------------------------------------------------------------ loading (once)
    def warm(self) -> IntakeService:
        with self._lock:
            if self._loaded:
                return self
            from brain.agents.intake.graph import build_graph

            self.tax: TaxonomyIndex = load_taxonomy(self.seed_dir)
            self.rules = load_risk_rules(self.seed_dir)
            self.decider = TypeDecider.load(
                self.model_dir, self.tax, threshold=self.settings.intake.abstain_threshold
            )
            self.keywords = self.decider.keywords
            self.graph = build_graph()
            self.planner = RoutePlanner(lambda: self.brain.graph, self.seed_dir)
            self._loaded = True
            return self

    @property
    def threshold(self) -> float:
        """The abstention threshold: the setting when given, else the one tuned with the shipped model."""
        return self.decider.threshold

    # ------------------------------------------------------------------ facade operations
    def run(
        self,
        text: str,
        *,
        level: str = "村",
        region: str | None = None,
        source: str | None = None,
        mode: str = "auto",
        precedents: bool = True,
    ) -> IntakeResult:
        from brain.agents.intake.state import IntakeContext

        self.warm()
        t0 = time.perf_counter()
        text = _check_text(text)
        use = mode if mode != "auto" else ("llm" if self.brain.llm is not None else "deterministic")
        out = self.graph.invoke(
            {
                "text": text,
                "level": level,
                "region": region,
                "source": source,
                "mode": use,
                "precedents": precedents,
            },
            context=IntakeContext(service=self),
        )
        return IntakeResult(
            mode=out["mode_used"],
            text_redacted=out["redacted"],
            classification=out["classification"],
            risk=out["risk"],
            facts=out["facts"],
            routing=out["routing"],
            strategies=out["strategies"],
            warnings=out.get("warnings", []),
            took_ms=round((time.perf_counter() - t0) * 1000, 3),
        )

    def classify(self, text: str, *, mode: str = "auto") -> ClassifyResult:
        from brain.privacy import redact

        self.warm()
        t0 = time.perf_counter()
        redacted = redact(_check_text(text)).text
        cls = self.classify_deterministic(redacted)
        used: Mode = "deterministic"
        llm_level: RiskLevel | None = None
        if mode == "llm" or (mode == "auto" and self.brain.llm is not None):
            llm_cls, llm_level, _ = self.classify_llm(redacted, cls)
            cls, used = (llm_cls, "llm") if llm_cls else (cls, "fallback")
        risk = self.assess(redacted, cls, llm_level=llm_level)
        return ClassifyResult(
            mode=used,
            classification=cls,
            risk=risk,
            took_ms=round((time.perf_counter() - t0) * 1000, 3),
        )

    def taxonomy(self) -> Taxonomy:
        self.warm()
        return Taxonomy(types=list(self.tax.types), source=str(self.seed_dir / "dispute_types.yaml"))

    # ------------------------------------------------------------------ steps (called by the graph's nodes)
    def classify_deterministic(self, text: str) -> Classification:
        return self.decider.classify(text)

    def classify_llm(
        self, text: str, det: Classification
    ) -> tuple[Classification | None, RiskLevel | None, str | None]:
        """(classification, model's colour, warning). None classification = fall back to ``det``."""
        import prompts

        llm = self.brain.llm
        if llm is None:
            return None, None, "未配置大模型，使用规则结果"
        names = self.tax.level1
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
            sub_type=self.decider.sub_type(text, label),
            confidence=round(conf, 4),
            abstained=False,
            candidates=det.candidates,
            matched_keywords=det.matched_keywords,
            reasons=reasons,
            warnings=det.warnings,
        )
        level = out.get("risk_level")
        return cls, level if level in ("红", "橙", "黄", "蓝") else None, None

    def assess(self, text: str, cls: Classification, *, llm_level: RiskLevel | None = None) -> RiskAssessment:
        facts_amount = max((a.value_yuan for a in extract_mod.extract_amounts(text)), default=0.0)
        r = risk_mod.assess(text, cls.sub_type or cls.dispute_type, self.tax, self.rules, facts_amount)
        if llm_level and risk_mod.combine_levels(r.level, llm_level) != r.level:
            r.level = llm_level
            r.reasons.append(f"大模型研判风险为{llm_level}色（只上调，不下调规则结果）")
        return r

    def extract(self, redacted: str, mapping: dict[str, str]) -> Facts:
        """Extract on the redacted text, then give the caller back the real names behind placeholders."""
        from brain.privacy import restore

        facts = extract_mod.extract_facts(redacted)
        for party in facts.parties:
            if party.name:
                party.name = restore(party.name, mapping)
        facts.places = [restore(p, mapping) for p in facts.places]
        return facts

    def route(
        self,
        dispute_type: str,
        *,
        level: str = "村",
        region: str | None = None,
        source: str | None = None,
        text: str | None = None,
        risk_level: RiskLevel | None = None,
        difficulty: str | None = None,
    ) -> Routing:
        """Where the case goes (see :mod:`brain.agents.intake.routing`). A graph that cannot answer gives
        ``available=false`` with the reason in Chinese; bad input (unknown type, level or source) raises."""
        self.warm()
        name = self._resolve(dispute_type)
        try:
            return self.planner.plan(
                name,
                level=level,
                region=region,
                source=source,
                text=text,
                risk_level=risk_level,
                difficulty=difficulty,
            )
        except GraphUnavailableError as e:
            return Routing(
                available=False, degraded=f"知识图谱服务不可用，暂无法给出分流建议：{e.message}（{e.hint}）"
            )

    def strategies(self, dispute_type: str, *, query: str | None = None, top_k: int = 3) -> Strategies:
        self.warm()
        name = self._resolve(dispute_type)
        out = Strategies()
        problems = []
        try:
            out.items = self.planner.strategies(name)
        except GraphUnavailableError as e:
            problems.append(f"知识图谱服务不可用，暂无图谱调解策略：{e.message}")
        if query:
            try:
                from brain.types import SearchFilters, SearchRequest

                resp = self.brain.search(
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

    def _resolve(self, dispute_type: str) -> str:
        name = self.tax.resolve(dispute_type)
        if name is None:
            raise NotFoundError(
                f"纠纷类型“{dispute_type}”不在分类体系中",
                where="dispute_type",
                hint="用 GET /v1/taxonomy 查看可用类型（名称或别名均可）",
            )
        return name


# ---------------------------------------------------------------------------------------------- helpers
def _hint(det: Classification) -> str:
    """The deterministic result as a hint for the model: top candidates with their probabilities."""
    ranked = "、".join(f"{c.dispute_type}（{c.probability:.2f}）" for c in det.candidates)
    verdict = "规则分类器未作判断（需人工研判）" if det.abstained else f"规则分类器判为 {det.label}"
    return f"{verdict}；候选：{ranked or '无'}"


def _check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("投诉内容不能为空", where="text", hint="请粘贴群众反映的纠纷描述")
    if len(text) > MAX_TEXT:
        raise InputError(
            f"投诉内容过长（{len(text)} 字，上限 {MAX_TEXT} 字）",
            where="text",
            hint="请删去附件正文，只保留事实与诉求",
        )
    return text
