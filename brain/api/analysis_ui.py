"""The 态势研判 UI tab's client over the in-process facade: plain dicts in and out (``ui`` imports nothing
from ``brain``), typed requests to :class:`brain.service.Brain`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brain.analysis.models import AnalysisAlertQuery, ReportRequest
from brain.errors import BrainError


class AnalysisFacadeClient:
    def __init__(self, brain: Any) -> None:
        self.brain = brain

    def _call(self, fn: Any, arg: Any) -> Any:
        try:
            return fn(arg)
        except BrainError as e:
            from ui.client import UIError

            raise UIError(str(e)) from e

    def alerts(self, query: dict[str, Any]) -> dict[str, Any]:
        page = self._call(self.brain.analysis_alerts, AnalysisAlertQuery.model_validate(query))
        return dict(page.model_dump(mode="json"))

    def report(self, request: dict[str, Any]) -> dict[str, Any]:
        rep = self._call(self.brain.analysis_report, ReportRequest.model_validate(request))
        return dict(rep.model_dump(mode="json", exclude={"html"}))

    def report_file(self, report_id: str, fmt: str) -> bytes:
        listing = self.brain.analysis_reports()
        rep = next((r for r in listing.items if r.id == report_id), None)
        if rep is None or fmt not in rep.files:
            from ui.client import UIError

            raise UIError(f"报告 {report_id} 没有 {fmt} 文件")
        return Path(rep.files[fmt]).read_bytes()
