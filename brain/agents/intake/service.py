"""IntakeService: classification, risk, routing and strategies for one complaint.

It is built with the parts it uses (settings, the graph service, retrieval for precedents, the LLM back end
or None) and owns what is loaded once (:class:`~brain.agents.intake.steps.IntakeModels`, the compiled
graph). Each run hands the parts to the graph's nodes in the run context. Routing and strategies need the
live graph; when it is down, the result says so (``routing.degraded``) instead of failing the whole intake —
a clerk can still register and triage.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brain.agents.intake import steps
from brain.agents.intake.routing import RoutePlanner, plan_or_degrade
from brain.agents.intake.schema import (
    ClassifyRequest,
    ClassifyResult,
    IntakeRequest,
    IntakeResult,
    Mode,
    RiskLevel,
    RouteRequest,
    Routing,
    Strategies,
    StrategiesRequest,
    Taxonomy,
)
from brain.agents.intake.state import IntakeContext
from brain.agents.intake.steps import IntakeModels
from brain.agents.intake.taxonomy import SEED_DIR
from brain.errors import InputError

if TYPE_CHECKING:
    from brain.graph import GraphService
    from brain.llm import LLMBackend
    from brain.retrieval.service import RetrievalService
    from brain.settings import Settings

MODEL_DIR = Path(__file__).resolve().parents[3] / "data" / "models" / "intake_classifier"
MAX_TEXT = 20_000


class IntakeService:
    def __init__(
        self,
        settings: Settings,
        *,
        graph: GraphService,
        retrieval: RetrievalService | None,
        llm: LLMBackend | None,
        model_dir: Path = MODEL_DIR,
        seed_dir: Path = SEED_DIR,
    ) -> None:
        self.settings = settings
        self.graph_service = graph
        self.retrieval = retrieval
        self.llm = llm
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

            self.models = IntakeModels.load(
                self.model_dir, self.seed_dir, self.settings.intake.abstain_threshold
            )
            self.graph: Any = build_graph()
            self.planner = RoutePlanner(self.graph_service, self.seed_dir)
            self._context = IntakeContext(
                models=self.models, llm=self.llm, planner=self.planner, retrieval=self.retrieval
            )
            self._loaded = True
            return self

    @property
    def threshold(self) -> float:
        return self.warm().models.threshold

    # ------------------------------------------------------------------ operations
    def run(self, req: IntakeRequest) -> IntakeResult:
        self.warm()
        t0 = time.perf_counter()
        text = _check_text(req.text)
        use = req.mode if req.mode != "auto" else ("llm" if self.llm is not None else "deterministic")
        out = self.graph.invoke(
            {
                "text": text,
                "level": req.level,
                "region": req.region,
                "source": req.source,
                "mode": use,
                "precedents": req.precedents,
            },
            context=self._context,
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

    def classify(self, req: ClassifyRequest) -> ClassifyResult:
        from brain.privacy import redact

        self.warm()
        t0 = time.perf_counter()
        redacted = redact(_check_text(req.text)).text
        cls = steps.classify_deterministic(self.models, redacted)
        used: Mode = "deterministic"
        llm_level: RiskLevel | None = None
        if req.mode == "llm" or (req.mode == "auto" and self.llm is not None):
            llm_cls, llm_level, _ = steps.classify_llm(self.models, self.llm, redacted, cls)
            cls, used = (llm_cls, "llm") if llm_cls else (cls, "fallback")
        risk = steps.assess(self.models, redacted, cls, llm_level=llm_level)
        return ClassifyResult(
            mode=used,
            classification=cls,
            risk=risk,
            took_ms=round((time.perf_counter() - t0) * 1000, 3),
        )

    def taxonomy(self) -> Taxonomy:
        self.warm()
        return Taxonomy(types=list(self.models.tax.types), source=str(self.seed_dir / "dispute_types.yaml"))

    def route(self, req: RouteRequest) -> Routing:
        """Where the case goes (see :mod:`brain.agents.intake.routing`). A graph that cannot answer gives
        ``available=false`` with the reason in Chinese; bad input (unknown type, level or source) raises."""
        self.warm()
        return plan_or_degrade(
            self.planner,
            self.models.resolve(req.dispute_type),
            level=req.level,
            region=req.region,
            source=req.source,
            risk_level=req.risk_level,
            difficulty=req.difficulty,
        )

    def strategies(self, req: StrategiesRequest) -> Strategies:
        self.warm()
        name = self.models.resolve(req.dispute_type)
        return steps.strategies(self.planner, self.retrieval, name, query=req.query, top_k=req.top_k)


# ---------------------------------------------------------------------------------------------- helpers
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
