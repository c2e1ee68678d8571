"""AgreementService: draft, validate and export 人民调解协议书 (the facade ``Brain`` delegates here).

Drafting is one pipeline whatever the mode:

1. **Fill** the fields. Deterministic mode reads them with rules (:mod:`brain.agreements.extract`). LLM mode
   asks the model for a JSON-schema-constrained fill (prompt ``prompts/agreement_fill``), then keeps only
   what is *grounded*: a name must be a listed party, an amount and a date must occur in the input, a text
   must not contain a redaction placeholder or a sum/date that is not in the input. Anything else is
   dropped with a warning and the rule-based value is used, so the model can rephrase but cannot invent.
   On :class:`LLMError` the draft is made by the rules and marked ``fallback``.
2. **Complete** what the law fixes (份数, 生效条款, 三十日司法确认告知) and number the agreement.
3. **Validate** (:mod:`brain.agreements.validate`) and **render** (:mod:`brain.agreements.render`).

What the caller typed in structured form always wins over rules and model.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from brain.agreements import extract
from brain.agreements.grounding import Grounding, LLMFill
from brain.agreements.models import (
    Agreement,
    AgreementDraft,
    AgreementExport,
    AgreementExportRequest,
    AgreementRequest,
    AgreementWarning,
    Mode,
    Party,
    Signatures,
    Term,
    ValidationReport,
)
from brain.agreements.numbering import AgreementCounter, abbreviation, format_number
from brain.agreements.render import (
    cn_number,
    describe_obligation,
    render_docx,
    render_html,
    render_pdf,
    render_text,
)
from brain.agreements.validate import validate
from brain.errors import InputError, LLMError

if TYPE_CHECKING:
    from brain.llm import LLMBackend
    from brain.settings import Settings

log = logging.getLogger(__name__)

MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
EFFECT_CLAUSE = (
    "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
    "本协议具有法律约束力，当事人应当按照约定履行。"
)
JUDICIAL_NOTICE = (
    "双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向有管辖权的人民法院申请司法确认；"
    "人民法院依法确认调解协议有效，一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行。"
)
# Findings that are loud in the document itself (a 【待补充】 gap, a reminder); everything else of severity
# "error" (clashing amounts, impossible dates, a name spelled two ways) would be a silent defect on paper.
_VISIBLE_CODES = {"missing_field", "date_at_signing"}


class AgreementService:
    def __init__(self, settings: Settings, *, llm: LLMBackend | None) -> None:
        self.settings = settings
        self.llm = llm
        self.counter = AgreementCounter(settings.state_dir)

    # ------------------------------------------------------------------ public
    def draft(self, request: AgreementRequest | dict[str, Any]) -> AgreementDraft:
        req = coerce(AgreementRequest, request, "draft request")
        warnings: list[AgreementWarning] = []
        parties = self._parties(req)
        llm_fill: LLMFill | None = None
        mode: Mode = "deterministic"
        if self.llm is not None:
            try:
                llm_fill = self._ask_llm(req, parties)
                mode = "llm"
            except LLMError as e:
                mode = "fallback"
                log.warning("agreement LLM fill failed (%s); drafting by rules", type(e).__name__)
                warnings.append(
                    AgreementWarning(
                        field="mode",
                        code="llm_fallback",
                        severity="info",
                        message=f"大模型不可用（{e.message}），已按规则起草",
                    )
                )
        agreement = self._assemble(req, parties, llm_fill, warnings)
        agreement = agreement.model_copy(update={"agreement_no": self._number(req)})
        report = validate(agreement)
        all_warnings = _dedupe(warnings + report.warnings)
        if req.strict and any(w.severity == "error" for w in all_warnings):
            raise InputError(
                "协议书草稿存在问题："
                + "；".join(f"{w.field}：{w.message}" for w in all_warnings if w.severity == "error")[:1500],
                where="agreement",
                hint="按提示改正输入后重试，或去掉 strict 以获取带提示的草稿",
                details={"warnings": [w.model_dump() for w in all_warnings]},
            )
        return AgreementDraft(
            agreement=agreement,
            text=render_text(agreement),
            missing_fields=report.missing_fields,
            warnings=all_warnings,
            mode=mode,
        )

    def validate(self, agreement: Agreement | AgreementDraft | dict[str, Any]) -> ValidationReport:
        return validate(agreement_of(agreement))

    def export(
        self, agreement: Agreement | AgreementDraft | dict[str, Any], fmt: str, *, force: bool = False
    ) -> bytes:
        """The document as ``docx``/``pdf``/``html`` bytes.

        DOCX and PDF are for signing, so they are refused while the agreement has a defect that the page
        would not show (amounts that disagree, an impossible date, a name spelled two ways …); ``force``
        overrides for a discussion copy. The HTML preview always renders, with the findings on top.
        """
        a = agreement_of(agreement)
        if fmt not in MEDIA_TYPES:
            raise InputError(f"不支持的导出格式“{fmt}”", where="format", hint="可选 docx、pdf、html")
        report = validate(a)
        if fmt == "html":
            return render_html(a, report.warnings).encode("utf-8")
        hidden = [
            w
            for w in report.warnings
            if w.severity == "error"
            and w.code not in _VISIBLE_CODES
            and not w.code.startswith("term_missing_")
        ]
        if hidden and not force:
            raise InputError(
                "协议书存在必须先改正的问题，未导出：" + "；".join(f"{w.field}：{w.message}" for w in hidden),
                where="agreement",
                hint="改正后再导出；仅供讨论的稿件可加 force=true",
                details={"warnings": [w.model_dump() for w in hidden]},
            )
        if fmt == "docx":
            return render_docx(a)
        return render_pdf(a, self._font_path())

    def export_file(self, req: AgreementExportRequest) -> AgreementExport:
        """:meth:`export` with its media type and file name (what the facade returns)."""
        content = self.export(req.agreement, req.format, force=req.force)
        return AgreementExport(
            content=content,
            media_type=MEDIA_TYPES[req.format],
            filename=self.filename(req.agreement, req.format),
        )

    @staticmethod
    def filename(agreement: Agreement | AgreementDraft | dict[str, Any], fmt: str) -> str:
        """人民调解协议书_（2026）枫桥镇人调字第3号.pdf — safe for Content-Disposition (RFC 5987)."""
        a = agreement_of(agreement)
        stem = "人民调解协议书" + (f"_{a.agreement_no}" if a.agreement_no else "")
        return re.sub(r'[\\/:*?"<>|\s]', "_", stem) + f".{fmt}"

    # ------------------------------------------------------------------ steps
    def _font_path(self) -> Path | None:
        section = getattr(self.settings, "agreements", None)
        return getattr(section, "font_path", None)

    @staticmethod
    def _parties(req: AgreementRequest) -> list[Party]:
        if req.parties:
            return list(req.parties)
        parties = extract.extract_parties(req.facts, req.notes)
        if not parties:
            raise InputError(
                "未能确定当事人：没有填写当事人姓名，案情与调解记录中也没有“申请人：某某”“被申请人：某某”"
                "或“甲方/乙方”这样的写法",
                where="parties",
                hint="填写申请人和被申请人的姓名（接口字段 parties），或在案情中按上述写法写明",
            )
        return parties

    def _number(self, req: AgreementRequest) -> str | None:
        if req.agreement_no:
            return req.agreement_no.strip()
        abbr = abbreviation(req.committee_name, req.region)
        if abbr is None:
            return None  # no committee and no region: a number would be made up; reported missing
        year = (req.date or date.today()).year
        committee = req.committee_name or abbr
        if not req.reserve_number:  # a preview must not use up a number a real agreement will need
            return format_number(year, abbr, self.counter.peek(year, committee) + 1)
        return format_number(year, abbr, self.counter.next(year, committee))

    def _ask_llm(self, req: AgreementRequest, parties: list[Party]) -> LLMFill:
        import prompts

        assert self.llm is not None
        template = prompts.load("agreement_fill")
        messages = template.render(
            parties="\n".join(f"{p.role}：{p.name}" for p in parties),
            facts=req.facts or "（无）",
            notes=req.notes or "（无）",
            terms_text=req.terms_text or "\n".join(t.text or "" for t in req.terms) or "（无）",
        )
        raw = self.llm.complete_json(messages, LLMFill.model_json_schema())
        try:
            return LLMFill.model_validate(raw)
        except ValidationError as e:
            raise LLMError("大模型返回的协议书字段不符合约定结构", where="agreement_fill") from e

    def _assemble(
        self,
        req: AgreementRequest,
        parties: list[Party],
        fill: LLMFill | None,
        warnings: list[AgreementWarning],
    ) -> Agreement:
        source = Grounding(req, parties)
        terms_text = req.terms_text or extract.agreed_terms_from_notes(req.notes)
        terms: list[Term] = []
        if req.terms:
            terms = [
                extract.term_from_input(i, t, parties, req.date, warnings) for i, t in enumerate(req.terms, 1)
            ]
        elif fill is not None and fill.terms and all(source.text_ok(t.text) for t in fill.terms):
            terms = [
                extract.term_from_input(i, source.ground_term(t, i, warnings), parties, req.date, warnings)
                for i, t in enumerate(fill.terms, 1)
            ]
        else:
            if fill is not None and fill.terms:
                warnings.append(
                    AgreementWarning(
                        field="agreed_terms",
                        code="llm_ungrounded",
                        severity="info",
                        message="大模型整理的协议条款含有原文没有的姓名、金额或日期，已弃用，改按原文逐条起草",
                    )
                )
            if terms_text:
                terms = [
                    extract.parse_term(i, raw, parties, req.date, warnings)
                    for i, raw in enumerate(extract.split_terms(terms_text), 1)
                ]

        facts = extract.strip_party_headers(req.facts) or None
        responsibility = req.responsibility or extract.extract_responsibility(req.facts, req.notes)
        dispute_type = req.dispute_type or extract.guess_dispute_type(req.facts, req.notes, terms_text)
        if fill is not None:
            for key, current in (("facts_and_issues", facts), ("responsibility", responsibility)):
                value = getattr(fill, key)
                if not value:
                    continue
                if key == "responsibility" and req.responsibility:
                    continue
                if source.text_ok(value):
                    if key == "facts_and_issues":
                        facts = value.strip()
                    else:
                        responsibility = value.strip()
                elif current is not None or value:
                    warnings.append(
                        AgreementWarning(
                            field=key,
                            code="llm_ungrounded",
                            severity="info",
                            message="大模型生成的该栏内容含有原文没有的姓名、金额或日期，已弃用，改用原文",
                        )
                    )
            if not req.dispute_type and fill.dispute_type and "〔" not in fill.dispute_type:
                dispute_type = fill.dispute_type.strip() or dispute_type

        performance = req.performance
        if not performance:
            lines = [describe_obligation(ob, t.index) for t in terms for ob in t.obligations]
            performance = "；".join(lines) + "。" if lines else None
        n_copies = len(parties) + 1
        return Agreement(
            committee_name=req.committee_name,
            parties=parties,
            dispute_type=dispute_type,
            case_source=req.case_source,
            facts_and_issues=facts,
            responsibility=responsibility,
            agreed_terms=terms,
            performance=performance,
            copies_count=n_copies,
            copies=f"本协议一式{cn_number(n_copies)}份，当事人各执一份，人民调解委员会留存一份。",
            effect_clause=EFFECT_CLAUSE,
            judicial_confirmation_notice=JUDICIAL_NOTICE,
            signatures=Signatures(
                parties=[p.name for p in parties],
                mediator=req.mediator,
                recorder=req.recorder,
                committee_seal=req.committee_name,
                date=req.date,
            ),
        )


def coerce(model: type[BaseModel], value: Any, what: str) -> Any:
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or what
        raise InputError(f"{what} 不合法：{first['msg']}", where=loc, hint="按接口文档中的字段填写") from e


def agreement_of(value: Agreement | AgreementDraft | dict[str, Any]) -> Agreement:
    if isinstance(value, AgreementDraft):
        return value.agreement
    if isinstance(value, dict) and "agreement" in value and isinstance(value["agreement"], dict):
        value = value["agreement"]
    result: Agreement = coerce(Agreement, value, "agreement")
    return result


def _dedupe(warnings: list[AgreementWarning]) -> list[AgreementWarning]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for w in warnings:
        key = (w.field, w.code, w.message)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out
