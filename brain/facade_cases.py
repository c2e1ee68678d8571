"""The case-ledger (台账) and analysis (态势研判) half of the :class:`~brain.service.Brain` facade.

A mixin only so that ``brain/service.py`` stays one screen: :class:`~brain.service.Brain` inherits these
methods and they follow the same rule (one typed request in, one typed result out; the services are built
with their parts and never hold the facade). The ledger's request models are imported at run time: the
UI's facade client reads a method's request type from its annotation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from brain.agents.intake.schema import ClassifyRequest, IntakeRequest
from brain.ledger.schema import (
    AlertAck,
    AlertPage,
    AlertQuery,
    AlertView,
    CaseAgreementRequest,
    CaseAgreementResult,
    CaseCreate,
    CaseEventRequest,
    CaseGet,
    CasePage,
    CaseQuery,
    CaseView,
    DemoReport,
    DemoRequest,
    ExportReport,
    ExportRequest,
    FollowUpPage,
    FollowUpQuery,
    FollowUpRecorded,
    FollowUpResult,
    ImportReport,
    ImportRequest,
)

if TYPE_CHECKING:
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
        ScheduleRun,
    )
    from brain.analysis.registration import CaseIn
    from brain.analysis.service import AnalysisService
    from brain.ledger.service import LedgerService
    from brain.settings import Settings


class CasesFacade:
    """Needs from the class it is mixed into: ``settings``, ``intake_service``, ``agreement_service``,
    ``intake`` and the two slots below."""

    _ledger: LedgerService | None
    _analysis: AnalysisService | None
    report_clock: Callable[[], datetime] = datetime.now  # the report schedule's clock (tests move it)

    if TYPE_CHECKING:
        settings: Settings
        _lock: threading.RLock

        @property
        def intake_service(self) -> IntakeService: ...

        @property
        def agreement_service(self) -> AgreementService: ...

        def intake(self, request: IntakeRequest) -> IntakeResult: ...

    @property
    def ledger_service(self) -> LedgerService:
        # under the facade's lock: two first requests at once ran two Alembic migrations in one process
        # (alembic's module-level proxy then fails with KeyError 'script': a 500 seen under schemathesis)
        with self._lock:
            if self._ledger is None:
                from brain.ledger.service import LedgerService

                intake = self.intake_service

                def run_intake(text: str, source: str | None, level: str) -> IntakeResult:
                    return intake.run(IntakeRequest(text=text, source=source, level=level, precedents=False))

                # started here: every ledger method may read its places and calendar before its first query
                self._ledger = LedgerService(self.settings, run_intake).start()
            return self._ledger

    # ------------------------------------------------------------------ case ledger (台账)
    def register_case(self, request: CaseCreate) -> CaseView:
        return self._register_and_detect(request)[0]

    def _register_and_detect(self, request: CaseCreate) -> tuple[CaseView, RegisterResult | None]:
        from brain.analysis.ledger_adapter import register_and_detect

        follow = self.settings.analysis.follow_ledger
        return register_and_detect(self.ledger_service, lambda: self.analysis_service, follow, request)

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
        ledger = self.ledger_service
        actor = ledger.actor()
        ledger.get(CaseGet(case_id=request.case_id), actor)  # 404 before drafting for a case one cannot see
        draft = self.agreement_service.draft(request.request)
        return CaseAgreementResult(draft=draft, link=ledger.link_agreement(request.case_id, draft, actor))

    def import_cases(self, request: ImportRequest) -> ImportReport:
        from brain.ledger.importer import run_import

        return run_import(self.ledger_service, request, self._ledger_classifier)

    def export_cases(self, request: ExportRequest) -> ExportReport:
        from brain.ledger.exporter import run_export

        ledger = self.ledger_service
        return run_export(ledger, request, ledger.actor())

    def load_demo_ledger(self, request: DemoRequest) -> DemoReport:
        from brain.ledger.demo import load_demo

        return load_demo(self.ledger_service, request, self._ledger_classifier)

    def _ledger_classifier(self, text: str) -> tuple[str, str | None, str, str]:
        """(type, sub-type, risk, difficulty) by the deterministic classifier: for imports and the demo."""
        r = self.intake_service.classify(ClassifyRequest(text=text, mode="deterministic"))
        c = r.classification
        return c.dispute_type or "需人工研判", c.sub_type, r.risk.level, r.risk.difficulty

    # ------------------------------------------------------------------ analysis (态势研判)
    @property
    def analysis_service(self) -> AnalysisService:
        with self._lock:
            if self._analysis is None:
                from brain.analysis.factory import build_analysis

                ledger = self.ledger_service.engine if self.settings.analysis.follow_ledger else None
                self._analysis = build_analysis(self.settings, ledger)
            return self._analysis

    def analysis_register(self, case: CaseIn) -> RegisterResult:
        """Register one case (through the ledger when the analysis follows it) and run every detector."""
        from brain.analysis.ledger_adapter import case_create, own_register

        if self.settings.analysis.follow_ledger:
            return own_register(case, self._register_and_detect(case_create(case)))
        return own_register(case, None, self.analysis_service, self.intake, self.settings)

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

    def run_due_reports(self, request: ScheduleRun) -> ReportList:
        """Write the scheduled reports whose last completed period has none yet (idempotent per period)."""
        from brain.analysis.models import ReportList
        from brain.analysis.schedule import run_due

        now = request.now or self.report_clock()
        return ReportList(items=run_due(self.analysis_service.store, self.settings, now))

    def alert_letter(self, request: LetterRequest) -> LetterResult:
        from brain.analysis.letters import draft_letter

        return draft_letter(self.analysis_service, request)
