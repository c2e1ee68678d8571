"""The UI's client over the in-process :class:`~brain.service.Brain` facade (when the UI is mounted in the
API server, no HTTP hop). It lives here, not in ``ui/``, because it builds the facade's typed requests and
``ui`` imports nothing from ``brain``; it answers :class:`ui.client.BrainClient` with plain JSON-like dicts,
the same shape the HTTP API returns, so the UI code is the same either way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from brain.agents.chat.state import ChatHistoryRequest, ChatMessageRequest
from brain.agents.intake.schema import IntakeRequest
from brain.agreements.models import AgreementExportRequest, AgreementRequest
from brain.agreements.service import agreement_of, coerce
from brain.errors import BrainError
from brain.ledger.schema import AlertQuery, CaseEventRequest, CaseGet, CaseQuery
from brain.requests import DocumentRequest, OcrRequest
from brain.service import Brain
from ui.client import UIError, newest_report

T = TypeVar("T")


def _plain(obj: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = obj.model_dump(mode="json")
    return out


class FacadeClient:
    def __init__(self, brain: Brain) -> None:
        self.brain = brain
        from brain.api.analysis_ui import AnalysisFacadeClient

        self.analysis = AnalysisFacadeClient(brain)  # the 态势研判 tab (ui/tabs/analysis.py)

    @staticmethod
    def _call(fn: Callable[[], T]) -> T:
        try:
            return fn()
        except Exception as e:  # every project error has a Chinese message in str(e)
            if isinstance(e, BrainError) or type(e).__module__.split(".")[0] in ("brain", "ingest"):
                raise UIError(str(e)) from e
            raise

    def chat(self, thread_id: str | None, message: str) -> Iterator[dict[str, Any]]:
        req = ChatMessageRequest(message=message, thread_id=thread_id or None)
        for ev in self._call(lambda: self.brain.chat(req)):
            yield {"event": ev.event, "data": ev.data}

    def chat_history(self, thread_id: str) -> list[dict[str, Any]]:
        history = self._call(lambda: self.brain.chat_history(ChatHistoryRequest(thread_id=thread_id)))
        return [t.model_dump(mode="json") for t in history.turns]

    def get_document(self, doc_id: str) -> dict[str, Any]:
        return _plain(self._call(lambda: self.brain.get_document(DocumentRequest(doc_id=doc_id))))

    def intake(self, text: str) -> dict[str, Any]:
        return _plain(self._call(lambda: self.brain.intake(_unchecked(IntakeRequest, text=text))))

    def intake_image(self, data: bytes, filename: str) -> dict[str, Any]:
        text = self._call(lambda: self.brain.ocr(OcrRequest(data=data, filename=filename))).text
        if not text.strip():
            raise UIError(f"未能从图片中识别出文字（{filename}）：请上传更清晰的扫描件，或直接粘贴文字")
        result = self.intake(text)
        result["ocr_text"] = text
        return result

    def draft_agreement(self, request: dict[str, Any]) -> dict[str, Any]:
        return _plain(
            self._call(lambda: self.brain.draft_agreement(coerce(AgreementRequest, request, "draft request")))
        )

    def export_agreement(self, agreement: dict[str, Any], fmt: str) -> bytes:
        def run() -> bytes:
            req = _unchecked(AgreementExportRequest, agreement=agreement_of(agreement), format=fmt)
            return self.brain.export_agreement(req).content

        return self._call(run)

    def latest_report(self) -> dict[str, Any] | None:
        return newest_report(Path(self.brain.settings.state_dir) / "reports")

    # the case ledger (台账)
    def _valid(self, model: type[M], payload: dict[str, Any]) -> M:
        try:
            return model.model_validate(payload)
        except ValueError as e:
            raise UIError(f"输入有误：{e}") from e

    def list_cases(self, params: dict[str, Any]) -> dict[str, Any]:
        q = self._valid(CaseQuery, params)
        return _plain(self._call(lambda: self.brain.list_cases(q)))

    def get_case(self, case_id: int) -> dict[str, Any]:
        return _plain(self._call(lambda: self.brain.get_case(CaseGet(case_id=case_id))))

    def case_event(self, case_id: int, body: dict[str, Any]) -> dict[str, Any]:
        req = self._valid(CaseEventRequest, {**body, "case_id": case_id})
        return _plain(self._call(lambda: self.brain.case_event(req)))

    def list_alerts(self, params: dict[str, Any]) -> dict[str, Any]:
        q = self._valid(AlertQuery, params)
        return _plain(self._call(lambda: self.brain.list_alerts(q)))


M = TypeVar("M", bound=BaseModel)


def _unchecked(model: type[M], **fields: Any) -> M:
    """A request built without validation (defaults filled in): the service checks these fields itself and
    answers a blank text or an unknown format with its Chinese message, which the UI shows."""
    return model.model_construct(**fields)
