"""Case ledger routes (台账): thin HTTP wrappers over :class:`brain.service.Brain`.

An area-scoped key sees only its area: other cases answer 404. A disallowed move or a stale ``version``
answers 409 with the allowed moves named (``details.allowed``); an unknown event type 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from brain.agreements.models import AgreementRequest
from brain.api.deps import build, get_brain, run_compute
from brain.ledger.schema import (
    AlertAck,
    AlertView,
    CaseAgreementRequest,
    CaseAgreementResult,
    CaseCreate,
    CaseEventRequest,
    CaseGet,
    CasePage,
    CaseQuery,
    CaseView,
    FollowUpPage,
    FollowUpQuery,
    FollowUpRecorded,
    FollowUpResult,
    Outcome,
)
from brain.service import Brain

router = APIRouter(tags=["矛盾纠纷台账 cases"])
Id = Annotated[int, Path(ge=1, le=2**62, description="编号")]


class CaseEventBody(BaseModel):
    type: str = Field(
        description="分流/开始调处/化解/未化解/提级/退回/回访/归档/反弹/备注", examples=["分流"]
    )
    note: str | None = Field(default=None, max_length=4000)
    assignee: str | None = Field(default=None, max_length=64, description="承办单位（分流、提级时）")
    level: str | None = Field(default=None, description="提级的目标层级；缺省为上一级")
    version: int = Field(ge=1, description="客户端所见的案件版本")


class AckBody(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


class OutcomeBody(BaseModel):
    outcome: Outcome = Field(description="履行/部分履行/未履行/反弹")
    note: str | None = Field(default=None, max_length=4000)


@router.post("/v1/cases", response_model=CaseView, status_code=201, summary="登记案件：研判、期限、入台账")
async def register_case(
    req: CaseCreate, request: Request, response: Response, brain: Brain = Depends(get_brain)
) -> CaseView:
    """登记一件纠纷：保存脱敏文本与加密的当事人信息，给出研判结果（类型、风险、难易、分流）与办理期限。
    带 external_id 时幂等：已登记过的编号返回已有案件（200）。"""
    view: CaseView = await run_compute(request, lambda: brain.register_case(req))
    if not view.created:
        response.status_code = 200
    return view


@router.get(
    "/v1/cases", response_model=CasePage, summary="案件列表：按状态、类型、风险、地点、超期、时间筛选"
)
async def list_cases(
    request: Request,
    status: str | None = Query(None, examples=["调处中"]),
    type: str | None = Query(None, description="纠纷类型", examples=["邻里纠纷"]),
    risk: str | None = Query(None, examples=["红"]),
    source: str | None = Query(None, examples=["12345"]),
    town: str | None = Query(None, examples=["青石镇"]),
    village: str | None = Query(None, examples=["龙潭村"]),
    overdue: bool | None = Query(None, description="true=只看超期，false=只看未超期"),
    since: datetime | None = Query(None, description="受理时间下限（含）"),
    until: datetime | None = Query(None, description="受理时间上限（不含）"),
    cursor: str | None = Query(None, description="上一页的 next_cursor"),
    limit: int = Query(50, ge=1, le=500),
    brain: Brain = Depends(get_brain),
) -> CasePage:
    q = build(
        CaseQuery,
        status=status,
        type=type,
        risk=risk,
        source=source,
        town=town,
        village=village,
        overdue=overdue,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    page: CasePage = await run_compute(request, lambda: brain.list_cases(q))
    return page


@router.get("/v1/cases/{case_id}", response_model=CaseView, summary="案件详情与全部事件")
async def get_case(
    case_id: Id,
    request: Request,
    clear: bool = Query(False, description="返回个人信息明文（有权角色，留痕）"),
    brain: Brain = Depends(get_brain),
) -> CaseView:
    view: CaseView = await run_compute(request, lambda: brain.get_case(CaseGet(case_id=case_id, clear=clear)))
    return view


@router.post(
    "/v1/cases/{case_id}/events", response_model=CaseView, summary="案件流转：分流、调处、化解、回访、归档……"
)
async def case_event(
    case_id: Id, body: CaseEventBody, request: Request, brain: Brain = Depends(get_brain)
) -> CaseView:
    """按状态机流转案件并记一条事件；版本不一致或当前状态不允许时 409（列出允许的操作）。"""
    req = build(CaseEventRequest, case_id=case_id, **body.model_dump())
    view: CaseView = await run_compute(request, lambda: brain.case_event(req))
    return view


@router.post(
    "/v1/cases/{case_id}/agreements", response_model=CaseAgreementResult, summary="为案件起草调解协议书并关联"
)
async def case_agreement(
    case_id: Id, body: AgreementRequest, request: Request, brain: Brain = Depends(get_brain)
) -> CaseAgreementResult:
    req = build(CaseAgreementRequest, case_id=case_id, request=body)
    result: CaseAgreementResult = await run_compute(request, lambda: brain.draft_case_agreement(req))
    return result


# GET /v1/alerts lists the ledger's alerts together with the analysis' ones: brain/api/routes/analysis.py


@router.post("/v1/alerts/{alert_id}/ack", response_model=AlertView, summary="确认预警")
async def ack_alert(
    alert_id: Id, body: AckBody, request: Request, brain: Brain = Depends(get_brain)
) -> AlertView:
    view: AlertView = await run_compute(
        request, lambda: brain.ack_alert(AlertAck(alert_id=alert_id, note=body.note))
    )
    return view


@router.get("/v1/followups", response_model=FollowUpPage, summary="到期回访")
async def list_followups(
    request: Request,
    due_before: datetime | None = Query(None, description="到期时间上限；缺省为现在"),
    done: bool = Query(False),
    town: str | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    brain: Brain = Depends(get_brain),
) -> FollowUpPage:
    q = build(FollowUpQuery, due_before=due_before, done=done, town=town, limit=limit)
    page: FollowUpPage = await run_compute(request, lambda: brain.list_followups(q))
    return page


@router.post(
    "/v1/followups/{followup_id}/outcome",
    response_model=FollowUpRecorded,
    summary="记录回访结果（反弹则重新立案）",
)
async def record_followup(
    followup_id: Id, body: OutcomeBody, request: Request, brain: Brain = Depends(get_brain)
) -> FollowUpRecorded:
    req = FollowUpResult(followup_id=followup_id, outcome=body.outcome, note=body.note)
    result: FollowUpRecorded = await run_compute(request, lambda: brain.record_followup(req))
    return result
