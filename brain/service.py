"""The one service facade. The API, the CLI, the MCP server, the UI client and the evaluation runner call
:class:`Brain` and nothing below it, so every caller takes the same path (and the same privacy, audit and
fallback rules).

Shape: every public method takes ONE typed request model and returns ONE typed result model (a test,
``tests/test_architecture.py``, inspects the signatures). The facade is the composition root of the parts:
it builds each part (retrieval, graph, LLM back end) and each service with the parts that service uses;
no service imports or holds the ``Brain``. Constructors are cheap and every part starts lazily on first use
(the index loads on the first search, the graph connects — or starts the embedded server — on the first
query, the LLM client is built on first use); :meth:`start` warms them up front and :meth:`close`
releases them. The methods only delegate, so a newcomer can read the whole surface on one screen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import JsonValue

from brain.agents.chat.state import ChatEvent, ChatHistory, ChatHistoryRequest, ChatMessageRequest
from brain.agents.intake.schema import (
    ClassifyRequest,
    ClassifyResult,
    IntakeRequest,
    IntakeResult,
    RouteRequest,
    Routing,
    Strategies,
    StrategiesRequest,
    Taxonomy,
)
from brain.agreements.models import (
    Agreement,
    AgreementDraft,
    AgreementExport,
    AgreementExportRequest,
    AgreementRequest,
    ValidationReport,
)
from brain.facade_cases import CasesFacade
from brain.requests import (
    DocumentRequest,
    GraphLoadResult,
    GraphQueryList,
    GraphQueryRequest,
    GraphQueryResult,
    GraphStats,
    IndexBuildRequest,
    IndexBuildResult,
    IngestRequest,
    OcrRequest,
    OcrResult,
    Readiness,
)
from brain.settings import Settings, load_settings
from brain.types import Document, SearchRequest, SearchResponse

if TYPE_CHECKING:  # imported lazily at run time: each area pulls heavy libraries
    from brain.agents.chat.service import ChatService
    from brain.agents.intake.schema import IntakeResult
    from brain.agents.intake.service import IntakeService
    from brain.agreements.service import AgreementService
    from brain.graph import GraphService
    from brain.llm import LLMBackend
    from brain.retrieval.library import IndexStats
    from brain.retrieval.service import RetrievalService
    from ingest.pipeline import IngestReport

log = logging.getLogger(__name__)


class Brain(CasesFacade):
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        graph: GraphService | None = None,
        llm: LLMBackend | None = None,
    ) -> None:
        """``graph`` / ``llm``: parts to use instead of the ones ``settings`` describes (tests pass a
        ``GraphService`` over the in-memory store, or a fake LLM back end)."""
        self.settings = settings or load_settings()
        self._lock = threading.RLock()
        self._retrieval: RetrievalService | None = None
        self._graph: GraphService | None = graph
        self._llm: LLMBackend | None = llm
        self._llm_built = llm is not None
        self._intake: IntakeService | None = None
        self._agreements: AgreementService | None = None
        self._chat: ChatService | None = None
        self._analysis = None  # the case ledger and the analysis (brain/facade_cases.py)
        self._ledger = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, graph: bool = True) -> Brain:
        """Warm up what is not warm yet; safe to call again. ``graph=False`` skips the graph (CLI search)."""
        self.retrieval.current()  # loads the index (building the first version if there is none)
        if graph:
            self.graph.start()  # never raises for an unreachable server unless graph.required
        _ = self.llm
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
            self._chat = self._intake = self._agreements = None
            self._graph = self._retrieval = self._llm = None
            self._llm_built = False
            self._ledger = None
            self._analysis = None

    def __enter__(self) -> Brain:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ parts (cheap to build; start on first use)
    @property
    def retrieval(self) -> RetrievalService:
        with self._lock:
            if self._retrieval is None:
                from brain.retrieval.service import RetrievalService

                self._retrieval = RetrievalService(self.settings)
            return self._retrieval

    @property
    def graph(self) -> GraphService:
        with self._lock:
            if self._graph is None:
                from brain.graph import GraphService

                self._graph = GraphService(self.settings)
            return self._graph

    @property
    def llm(self) -> LLMBackend | None:
        """The LLM back end; None in deterministic mode (``llm.backend: none``). Building it opens nothing."""
        with self._lock:
            if self._llm is None and not self._llm_built and self.settings.llm.backend != "none":
                from brain.llm.client import LLMClient

                self._llm = LLMClient(self.settings.llm)
            self._llm_built = True
            return self._llm

    # ------------------------------------------------------------------ services (built with their parts)
    @property
    def intake_service(self) -> IntakeService:
        with self._lock:
            if self._intake is None:
                from brain.agents.intake.service import IntakeService

                self._intake = IntakeService(
                    self.settings, graph=self.graph, retrieval=self.retrieval, llm=self.llm
                )
            return self._intake

    @property
    def agreement_service(self) -> AgreementService:
        with self._lock:
            if self._agreements is None:
                from brain.agreements.service import AgreementService

                self._agreements = AgreementService(self.settings, llm=self.llm)
            return self._agreements

    @property
    def chat_service(self) -> ChatService:
        with self._lock:
            if self._chat is None:
                from brain.agents.chat.service import ChatService

                self._chat = ChatService(
                    self.settings, retrieval=self.retrieval, intake=self.intake_service, llm=self.llm
                )
            return self._chat

    # ------------------------------------------------------------------ health
    def readiness(self) -> Readiness:
        """What is up and what is degraded; ``/readyz`` reports this."""
        graph = self._graph
        llm = self.llm
        index: dict[str, JsonValue] = (
            self._retrieval.status() if self._retrieval else {"ok": False, "detail": "未加载"}
        )
        return Readiness(
            index=index,
            graph=graph.status() if graph and graph.started else {"ok": False, "detail": "未启动"},
            llm=llm.status() if llm else {"ok": True, "mode": "deterministic"},
            ready=bool(index.get("ok")),
        )

    # ------------------------------------------------------------------ search, documents, ingest, OCR
    def search(self, request: SearchRequest) -> SearchResponse:
        return self.retrieval.search(request)

    def get_document(self, request: DocumentRequest) -> Document:
        return self.retrieval.get_document(request.doc_id)

    def ingest(self, request: IngestRequest) -> IngestReport:
        """Ingest files into the document store and rebuild the index; per-file report.

        Ingest needs no loaded index (on a fresh state dir, loading first would build the index once for the
        shipped corpus and then again with the new files); a loaded one is rebuilt and hot-swapped."""
        report: IngestReport = self.retrieval.ingest(request.paths, progress=request.progress)
        return report

    def build_index(self, request: IndexBuildRequest) -> IndexBuildResult:
        manifest = self.retrieval.build(force=request.force)
        return IndexBuildResult(
            built=bool(manifest["built"]), version=str(manifest["version"]), manifest=manifest
        )

    def ocr(self, request: OcrRequest) -> OcrResult:
        """The text of a scanned page or photo (one OCR engine per process, from ``ocr.backend``), after the
        upload limits (bytes, pixels per frame, frames) checked before decoding."""
        from brain.ocr_service import run_ocr

        return run_ocr(self.settings, request)

    def index_stats(self) -> IndexStats:
        """Documents and chunks by kind, laws by level, in-force counts of the served index."""
        return self.retrieval.stats()

    # ------------------------------------------------------------------ intake (classify, assess, route)
    def intake(self, request: IntakeRequest) -> IntakeResult:
        return self.intake_service.run(request)

    def classify(self, request: ClassifyRequest) -> ClassifyResult:
        return self.intake_service.classify(request)

    def route(self, request: RouteRequest) -> Routing:
        return self.intake_service.route(request)

    def taxonomy(self) -> Taxonomy:
        return self.intake_service.taxonomy()

    def strategies(self, request: StrategiesRequest) -> Strategies:
        return self.intake_service.strategies(request)

    # ------------------------------------------------------------------ graph (named queries, typed)
    def graph_queries(self) -> GraphQueryList:
        from brain.graph_admin import query_list

        return query_list()

    def graph_query(self, request: GraphQueryRequest) -> GraphQueryResult:
        return GraphQueryResult(name=request.name, rows=self.graph.run_named(request.name, request.params))

    def graph_stats(self) -> GraphStats:
        return GraphStats.model_validate(self.graph.stats())

    def load_graph_seed(self) -> GraphLoadResult:
        from brain.graph_admin import load_seed

        return load_seed(self.graph)

    # ------------------------------------------------------------------ agreements
    def draft_agreement(self, request: AgreementRequest) -> AgreementDraft:
        return self.agreement_service.draft(request)

    def validate_agreement(self, request: Agreement) -> ValidationReport:
        return self.agreement_service.validate(request)

    def export_agreement(self, request: AgreementExportRequest) -> AgreementExport:
        return self.agreement_service.export_file(request)

    # ------------------------------------------------------------------ chat
    def chat(self, request: ChatMessageRequest) -> Iterator[ChatEvent]:
        """Events as the answer is produced; input is checked before the first event (so before streaming)."""
        return self.chat_service.stream(request)

    def chat_history(self, request: ChatHistoryRequest) -> ChatHistory:
        return self.chat_service.history(request)
