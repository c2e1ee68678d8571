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

from brain.settings import Settings, load_settings
from brain.types import Document, SearchRequest, SearchResponse

if TYPE_CHECKING:  # imported lazily at run time: each area pulls heavy libraries
    from brain.agents.chat.service import ChatService
    from brain.agents.intake.service import IntakeService
    from brain.agreements.service import AgreementService
    from brain.graph import GraphService
    from brain.llm.client import LLMClient
    from brain.retrieval.library import IndexStats
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
            for part in (self._chat, self._graph, self._retrieval, self._llm):
                close = getattr(part, "close", None)
                if close:
                    try:
                        close()
                    except Exception:  # closing must not mask the reason we are shutting down
                        log.exception("error while closing %s", type(part).__name__)
            self._chat = self._graph = self._retrieval = self._llm = None

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

    def index_stats(self) -> IndexStats:
        """Documents and chunks by kind, laws by level, in-force counts of the served index."""
        return self.retrieval.stats()

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
