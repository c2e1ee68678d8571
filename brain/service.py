"""The one service facade. The API, the CLI, the UI and the evaluation runner call :class:`Brain` and nothing
below it, so every caller takes the same path (and the same privacy, audit and fallback rules).

The constructor is cheap: it loads nothing. :meth:`Brain.start` loads the search index, connects (or starts)
the governance graph and builds the LLM client once; :meth:`Brain.close` releases them. Capabilities are
implemented in their own modules; the methods here only delegate, so a newcomer can read the whole surface
on one screen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The ledger's request/result models are light (pydantic) and imported at run time: the UI's client reads a
# facade method's request type from its annotation.
from brain.ledger.schema import (
    AlertAck,
    AlertPage,
    AlertQuery,
    AlertView,
    CaseCreate,
    CaseEventRequest,
    CaseGet,
    CasePage,
    CaseQuery,
    CaseView,
    ExportReport,
    ExportRequest,
    FollowUpPage,
    FollowUpQuery,
    FollowUpRecorded,
    FollowUpResult,
    ImportReport,
    ImportRequest,
)
from brain.settings import Settings, load_settings
from brain.types import Document, SearchRequest, SearchResponse

if TYPE_CHECKING:  # imported lazily at run time: each area pulls heavy libraries
    from brain.agents.chat.service import ChatService
    from brain.agents.intake.schema import IntakeResult
    from brain.agents.intake.service import IntakeService
    from brain.agreements.service import AgreementService
    from brain.analysis.models import (
        AnalysisAlertPage,
        AnalysisAlertQuery,
        HotspotQuery,
        HotspotResult,
        LetterRequest,
        LetterResult,
        RegisterResult,
        ReportList,
        ReportRequest,
        ReportResult,
    )
    from brain.analysis.registration import CaseIn
    from brain.analysis.service import AnalysisService
    from brain.graph import GraphService
    from brain.ledger.agreements import CaseAgreementRequest, CaseAgreementResult
    from brain.ledger.demo import DemoReport, DemoRequest
    from brain.ledger.service import LedgerService
    from brain.llm.client import LLMClient
    from brain.retrieval.service import RetrievalService

log = logging.getLogger(__name__)


class Brain:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self._lock = threading.Lock()
        self._retrieval: RetrievalService | None = None
        self._graph: GraphService | None = None
        self._llm: LLMClient | None = None
        self._intake: IntakeService | None = None
        self._agreements: AgreementService | None = None
        self._chat: ChatService | None = None
        self._analysis: AnalysisService | None = None
        self._ledger: LedgerService | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, graph: bool = True) -> Brain:
        """Load what is not loaded yet; safe to call again. ``graph=False`` skips the graph (CLI search).

        Each part is checked on its own: a caller that touched ``retrieval`` first (which starts the index
        alone) still gets the graph and the LLM client from a later ``start()``."""
        with self._lock:
            if self._retrieval is None:
                from brain.retrieval.service import RetrievalService

                retrieval = RetrievalService(self.settings)
                retrieval.load()
                self._retrieval = retrieval
            if graph and self._graph is None:
                from brain.graph import GraphService

                self._graph = GraphService(self.settings)
                self._graph.start()  # never raises for an unreachable server unless graph.required
            if self._llm is None and self.settings.llm.backend != "none":
                from brain.llm.client import LLMClient

                self._llm = LLMClient(self.settings.llm)
            return self

    def close(self) -> None:
        with self._lock:
            for part in (self._chat, self._ledger, self._graph, self._retrieval, self._llm):
                close = getattr(part, "close", None)
                if close:
                    try:
                        close()
                    except Exception:  # closing must not mask the reason we are shutting down
                        log.exception("error while closing %s", type(part).__name__)
            self._chat = self._graph = self._retrieval = self._llm = None
            self._ledger = None

    def __enter__(self) -> Brain:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ parts (started lazily on first use)
    @property
    def retrieval(self) -> RetrievalService:
        if self._retrieval is None:
            self.start(graph=False)
        assert self._retrieval is not None
        return self._retrieval

    @property
    def graph(self) -> GraphService:
        if self._graph is None:
            from brain.graph import GraphService

            self._graph = GraphService(self.settings)
            self._graph.start()
        return self._graph

    @property
    def llm(self) -> LLMClient | None:
        """None in deterministic mode."""
        return self._llm

    @property
    def intake_service(self) -> IntakeService:
        if self._intake is None:
            from brain.agents.intake.service import IntakeService

            self._intake = IntakeService(self)
        return self._intake

    @property
    def agreement_service(self) -> AgreementService:
        if self._agreements is None:
            from brain.agreements.service import AgreementService

            self._agreements = AgreementService(self)
        return self._agreements

    @property
    def chat_service(self) -> ChatService:
        if self._chat is None:
            from brain.agents.chat.service import ChatService

            self._chat = ChatService(self)
        return self._chat

    @property
    def ledger_service(self) -> LedgerService:
        if self._ledger is None:
            from brain.ledger.service import LedgerService

            intake = self.intake_service

            def run_intake(text: str, source: str | None, level: str) -> IntakeResult:
                return intake.run(text, source=source, level=level, precedents=False)

            self._ledger = LedgerService(self.settings, run_intake)
        return self._ledger

    # ------------------------------------------------------------------ health
    def readiness(self) -> dict[str, Any]:
        """What is up and what is degraded; ``/readyz`` reports this."""
        parts: dict[str, Any] = {
            "index": self._retrieval.status() if self._retrieval else {"ok": False, "detail": "未加载"},
            "graph": self._graph.status() if self._graph else {"ok": False, "detail": "未启动"},
            "llm": (self._llm.status() if self._llm else {"ok": True, "mode": "deterministic"}),
        }
        parts["ready"] = bool(parts["index"].get("ok"))
        return parts

    # ------------------------------------------------------------------ search and documents
    def search(self, request: SearchRequest | str, **kwargs: Any) -> SearchResponse:
        req = request if isinstance(request, SearchRequest) else SearchRequest(query=request, **kwargs)
        return self.retrieval.search(req)

    def get_document(self, doc_id: str) -> Document:
        return self.retrieval.get_document(doc_id)

    def ingest(self, paths: Sequence[Path], **kwargs: Any) -> Any:
        """Ingest files into the document store and rebuild the index; per-file report.

        Ingest needs no loaded index: on a fresh state dir, loading first would build the index once for
        the shipped corpus and then again with the new files. A started service rebuilds and hot-swaps.
        """
        if self._retrieval is None:
            from brain.retrieval.service import RetrievalService

            return RetrievalService(self.settings).ingest(paths, **kwargs)
        return self._retrieval.ingest(paths, **kwargs)

    def build_index(self, **kwargs: Any) -> Any:
        return self.retrieval.build(**kwargs)

    # ------------------------------------------------------------------ intake (classify, assess, route)
    def intake(self, text: str, **kwargs: Any) -> Any:
        return self.intake_service.run(text, **kwargs)

    def classify(self, text: str, **kwargs: Any) -> Any:
        return self.intake_service.classify(text, **kwargs)

    def route(self, dispute_type: str, **kwargs: Any) -> Any:
        return self.intake_service.route(dispute_type, **kwargs)

    def taxonomy(self) -> Any:
        return self.intake_service.taxonomy()

    def strategies(self, dispute_type: str, **kwargs: Any) -> Any:
        return self.intake_service.strategies(dispute_type, **kwargs)

    # ------------------------------------------------------------------ graph
    def graph_query(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.graph.run_named(name, params or {})

    # ------------------------------------------------------------------ agreements
    def draft_agreement(self, request: Any) -> Any:
        return self.agreement_service.draft(request)

    def validate_agreement(self, agreement: Any) -> Any:
        return self.agreement_service.validate(agreement)

    def export_agreement(self, agreement: Any, fmt: str) -> bytes:
        return self.agreement_service.export(agreement, fmt)

    # ------------------------------------------------------------------ chat
    def chat(self, thread_id: str, message: str, **kwargs: Any) -> Iterator[Any]:
        return self.chat_service.stream(thread_id, message, **kwargs)

    def chat_history(self, thread_id: str) -> Any:
        return self.chat_service.history(thread_id)

    # ------------------------------------------------------------------ case ledger (台账)
    def register_case(self, request: CaseCreate) -> CaseView:
        return self._register_and_detect(request)[0]

    def _register_and_detect(self, request: CaseCreate) -> tuple[CaseView, RegisterResult | None]:
        """The ledger registers; with ``analysis.follow_ledger`` the detectors then run on the new case."""
        ledger = self.ledger_service
        view = ledger.register(request, ledger.actor())
        if not (self.settings.analysis.follow_ledger and view.created):
            return view, None
        from brain.analysis.ledger_adapter import detect_ledger_case

        return view, detect_ledger_case(self.analysis_service, view.id)

    def get_case(self, request: CaseGet) -> CaseView:
        ledger = self.ledger_service
        return ledger.get(request, ledger.actor())

    def case_event(self, request: CaseEventRequest) -> CaseView:
        ledger = self.ledger_service
        return ledger.event(request, ledger.actor())

    def list_cases(self, request: CaseQuery) -> CasePage:
        ledger = self.ledger_service
        return ledger.list_cases(request, ledger.actor())

    def list_alerts(self, request: AlertQuery) -> AlertPage:
        ledger = self.ledger_service
        return ledger.alerts(request, ledger.actor())

    def ack_alert(self, request: AlertAck) -> AlertView:
        ledger = self.ledger_service
        return ledger.ack(request, ledger.actor())

    def list_followups(self, request: FollowUpQuery) -> FollowUpPage:
        ledger = self.ledger_service
        return ledger.followups(request, ledger.actor())

    def record_followup(self, request: FollowUpResult) -> FollowUpRecorded:
        ledger = self.ledger_service
        return ledger.record_followup(request, ledger.actor())

    def draft_case_agreement(self, request: CaseAgreementRequest) -> CaseAgreementResult:
        """Draft a 人民调解协议书 for a case and link it (its obligations are checked at the follow-up)."""
        from brain.ledger.agreements import CaseAgreementResult

        ledger = self.ledger_service
        actor = ledger.actor()
        from brain.ledger.schema import CaseGet

        ledger.get(CaseGet(case_id=request.case_id), actor)  # 404 before drafting for a case one cannot see
        draft = self.agreement_service.draft(request.request)
        return CaseAgreementResult(draft=draft, link=ledger.link_agreement(request.case_id, draft, actor))

    def import_cases(self, request: ImportRequest) -> ImportReport:
        from brain.ledger.importer import run_import

        return run_import(self.ledger_service, request, self.ledger_classifier)

    def export_cases(self, request: ExportRequest) -> ExportReport:
        from brain.ledger.exporter import run_export

        ledger = self.ledger_service
        return run_export(ledger, request, ledger.actor())

    def load_demo_ledger(self, request: DemoRequest) -> DemoReport:
        from brain.ledger.demo import load_demo

        return load_demo(self.ledger_service, request, self.ledger_classifier)

    def ledger_classifier(self, text: str) -> tuple[str, str | None, str, str]:
        """(type, sub-type, risk, difficulty) by the deterministic classifier: for imports and the demo."""
        r = self.intake_service.classify(text, mode="deterministic")
        c = r.classification
        return c.dispute_type or "需人工研判", c.sub_type, r.risk.level, r.risk.difficulty

    # ------------------------------------------------------------------ analysis (态势研判)
    @property
    def analysis_service(self) -> AnalysisService:
        if self._analysis is None:
            from brain.analysis.factory import build_analysis

            follow = self.settings.analysis.follow_ledger
            self._analysis = build_analysis(
                self.settings, self.ledger_service.start().engine if follow else None
            )
        return self._analysis

    def analysis_register(self, case: CaseIn) -> RegisterResult:
        """Register one case (through the ledger when the analysis follows it) and run every detector."""
        if self.settings.analysis.follow_ledger:
            from brain.analysis.ledger_adapter import case_create

            view, result = self._register_and_detect(case_create(case))
            if result is None:  # an external id seen before: the case exists, nothing new to detect
                from brain.analysis.models import RegisterResult as _Result

                return _Result(case_id=str(view.id))
            return result
        from brain.analysis.registration import OwnRegistrar

        def run_intake(text: str, source: str | None) -> Any:
            return self.intake(text, source=source, precedents=False)

        key = self.settings.secret_key.get_secret_value()
        return OwnRegistrar(self.analysis_service, run_intake, key).register(case)

    def analysis_alerts(self, query: AnalysisAlertQuery) -> AnalysisAlertPage:
        return self.analysis_service.alerts(query)

    def analysis_hotspots(self, query: HotspotQuery) -> HotspotResult:
        return self.analysis_service.hotspots(query)

    def analysis_report(self, request: ReportRequest) -> ReportResult:
        from brain.analysis.report import build_report

        return build_report(self.analysis_service.store, request, self.settings)

    def analysis_reports(self) -> ReportList:
        from brain.analysis.report import list_reports

        return list_reports(self.settings)

    def alert_letter(self, request: LetterRequest) -> LetterResult:
        from brain.analysis.letters import draft_letter

        return draft_letter(self.analysis_service, request)
