"""态势研判 routes: alerts (with a ``kind``), hot spots, 研判报告 and letters. Thin wrappers over the facade.

``GET /v1/alerts`` is one list of both kinds of alert, each item with its ``kind``: the ledger's deadline
alerts (分流超时/办理超时/临期预警/回访超时, paged by ``cursor``) and the analysis' early warnings (hotspot,
emerging, collective, repeat, duplicate, escalation, rebound; on the first page). A ``kind`` of one family
lists only that family."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from brain.analysis.models import (
    ALERT_KINDS,
    Alert,
    AlertLevel,
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
from brain.api.deps import build, get_brain
from brain.errors import InputError, NotFoundError
from brain.ledger.schema import AlertPage, AlertQuery, AlertView
from brain.service import Brain

router = APIRouter(tags=["态势研判 analysis"])
MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class JoinedAlertPage(BaseModel):
    items: list[AlertView | Alert] = Field(description="台账时限预警与研判预警，各带 kind")
    next_cursor: str | None = Field(default=None, description="台账预警的下一页")
    analysis_total: int = Field(default=0, description="符合条件的研判预警总数")


LEDGER_KINDS = ("分流超时", "办理超时", "临期预警", "回访超时")


@router.get(
    "/v1/alerts",
    response_model=JoinedAlertPage,
    summary="预警列表：台账时限预警 + 研判预警（热点、苗头、群体性、重复访等）",
)
async def list_alerts(
    kind: str | None = Query(
        None,
        description="分流超时/办理超时/临期预警/回访超时，或 hotspot/emerging/collective/repeat/duplicate/escalation/rebound",
    ),
    level: AlertLevel | None = Query(None, description="研判预警等级 蓝/橙/红"),
    place: str | None = Query(None, description="县、乡镇或村名"),
    town: str | None = Query(None, description="乡镇（台账预警）"),
    since: datetime | None = Query(None, description="此时间之后更新的研判预警"),
    acked: bool | None = Query(False, description="台账预警：false=未确认（默认），true=已确认"),
    cursor: str | None = Query(None),
    limit: int = Query(50, ge=1, le=500),
    brain: Brain = Depends(get_brain),
) -> JoinedAlertPage:
    if kind is not None and kind not in ALERT_KINDS and kind not in LEDGER_KINDS:
        raise InputError(
            f"未知预警类别“{kind}”", where="kind", hint=f"可选：{'、'.join((*LEDGER_KINDS, *ALERT_KINDS))}"
        )
    items: list[AlertView | Alert] = []
    next_cursor, total = None, 0
    if kind is None or kind in LEDGER_KINDS:
        q = build(AlertQuery, acked=acked, kind=kind, town=town or place, cursor=cursor, limit=limit)
        page: AlertPage = await run_in_threadpool(brain.list_alerts, q)
        items += page.items
        next_cursor = page.next_cursor
    if (kind is None or kind in ALERT_KINDS) and cursor is None:
        aq = build(AnalysisAlertQuery, kind=kind, level=level, place=place or town, since=since, limit=limit)
        apage: AnalysisAlertPage = await run_in_threadpool(brain.analysis_alerts, aq)
        items += apage.items
        total = apage.total
    return JoinedAlertPage(items=items, next_cursor=next_cursor, analysis_total=total)


@router.get("/v1/analysis/alerts/{alert_id}", response_model=Alert, summary="一条预警及其案件、证据与规则")
async def alert(alert_id: str, brain: Brain = Depends(get_brain)) -> Alert:
    result: Alert = await run_in_threadpool(brain.analysis_service.alert, alert_id)
    return result


@router.post(
    "/v1/analysis/cases", response_model=RegisterResult, status_code=201, summary="登记一件案件并即时研判"
)
async def register(case: CaseIn, brain: Brain = Depends(get_brain)) -> RegisterResult:
    result: RegisterResult = await run_in_threadpool(brain.analysis_register, case)
    return result


@router.get("/v1/analysis/hotspots", response_model=HotspotResult, summary="热点：地点 × 类型 对比本地历史")
async def hotspots(
    level: Literal["县", "镇", "村"] = Query("村"),
    place: str | None = Query(None),
    since: datetime | None = Query(None),
    until: datetime | None = Query(None),
    brain: Brain = Depends(get_brain),
) -> HotspotResult:
    q = build(HotspotQuery, level=level, place=place, since=since, until=until)
    result: HotspotResult = await run_in_threadpool(brain.analysis_hotspots, q)
    return result


@router.post(
    "/v1/analysis/alerts/{alert_id}/letter",
    response_model=LetterResult,
    summary="由预警起草风险提示函/问题督办函",
)
async def letter(
    alert_id: str,
    kind: Literal["风险提示函", "问题督办函"] = Query("风险提示函"),
    brain: Brain = Depends(get_brain),
) -> LetterResult:
    result: LetterResult = await run_in_threadpool(
        brain.alert_letter, build(LetterRequest, alert_id=alert_id, kind=kind)
    )
    return result


@router.get("/v1/reports", response_model=ReportList, summary="已生成的研判报告")
async def reports(brain: Brain = Depends(get_brain)) -> ReportList:
    result: ReportList = await run_in_threadpool(brain.analysis_reports)
    return result


@router.post(
    "/v1/reports", response_model=ReportResult, status_code=201, summary="生成研判报告（HTML/PDF/DOCX）"
)
async def make_report(req: ReportRequest, brain: Brain = Depends(get_brain)) -> ReportResult:
    result: ReportResult = await run_in_threadpool(brain.analysis_report, req)
    return result.model_copy(update={"html": ""})


@router.get(
    "/v1/reports/{report_id}/{fmt}",
    summary="下载研判报告文件",
    response_class=Response,
    openapi_extra={"x-tool": False},
)
async def report_file(
    report_id: str, fmt: Literal["html", "pdf", "docx"], brain: Brain = Depends(get_brain)
) -> Response:
    listing: ReportList = await run_in_threadpool(brain.analysis_reports)
    rep = next((r for r in listing.items if r.id == report_id), None)
    path = Path(rep.files.get(fmt, "")) if rep else None
    if rep is None or path is None or not path.is_file():
        raise NotFoundError(
            f"报告 {report_id} 没有 {fmt} 文件", where="report_id", hint="用 GET /v1/reports 查看报告与格式"
        )
    name = f"{rep.title}.{fmt}"
    headers = {
        "Content-Disposition": f"attachment; filename=\"report.{fmt}\"; filename*=UTF-8''{quote(name)}"
    }
    return Response(content=path.read_bytes(), media_type=MEDIA[fmt], headers=headers)
