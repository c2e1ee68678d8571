"""人民调解协议书 routes: draft, validate, export. Thin wrappers over :class:`brain.agreements.service.AgreementService`.

Bad input (no parties, an unreadable amount) is a 422 problem+json; a draft with defects is a 200 whose
``warnings`` name each one (``strict: true`` turns error-level findings into a 422). Export refuses a DOCX/PDF
with a defect the page would not show unless ``force=true``.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from brain.agreements.models import (
    Agreement,
    AgreementDraft,
    AgreementExportRequest,
    AgreementRequest,
    ValidationReport,
)
from brain.agreements.service import MEDIA_TYPES
from brain.api.deps import get_brain
from brain.service import Brain

router = APIRouter(tags=["agreements"])


@router.post("/v1/agreements/draft", response_model=AgreementDraft, summary="起草人民调解协议书")
async def draft(request: AgreementRequest, brain: Brain = Depends(get_brain)) -> AgreementDraft:
    result: AgreementDraft = await run_in_threadpool(brain.draft_agreement, request)
    return result


@router.post("/v1/agreements/validate", response_model=ValidationReport, summary="校验人民调解协议书")
async def validate(agreement: Agreement, brain: Brain = Depends(get_brain)) -> ValidationReport:
    report: ValidationReport = await run_in_threadpool(brain.validate_agreement, agreement)
    return report


@router.post(
    "/v1/agreements/export",
    summary="导出人民调解协议书（docx / pdf / html）",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "协议书文件"}},
)
async def export(
    agreement: Agreement,
    format: Literal["docx", "pdf", "html"] = Query("pdf", description="导出格式"),
    force: bool = Query(False, description="存在须改正的问题时仍导出（仅供讨论稿）"),
    brain: Brain = Depends(get_brain),
) -> Response:
    req = AgreementExportRequest(agreement=agreement, format=format, force=force)
    out = await run_in_threadpool(brain.export_agreement, req)
    disposition = "inline" if format == "html" else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename=\"agreement.{format}\"; filename*=UTF-8''{quote(out.filename)}"
    }
    return Response(content=out.content, media_type=out.media_type, headers=headers)
