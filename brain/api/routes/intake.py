"""Intake routes: thin HTTP wrappers over :class:`brain.service.Brain` (classification, risk, routing)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

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
from brain.api.deps import get_brain, run_compute
from brain.service import Brain

router = APIRouter(tags=["受理分流 intake"])


@router.post("/v1/intake", response_model=IntakeResult, summary="受理研判：分类、风险、要素、分流与策略")
async def intake(req: IntakeRequest, request: Request, brain: Brain = Depends(get_brain)) -> IntakeResult:
    """一次给出纠纷类型（含置信度或“需人工研判”）、风险颜色与难易程度、当事人/金额/日期/地点、
    图谱分流建议（每条带图谱路径与法条依据）以及调解策略与类案。"""
    result: IntakeResult = await run_compute(
        request,
        lambda: brain.intake(req),
    )
    return result


@router.post("/v1/intake/classify", response_model=ClassifyResult, summary="只做分类与风险研判")
async def classify(req: IntakeRequest, request: Request, brain: Brain = Depends(get_brain)) -> ClassifyResult:
    result: ClassifyResult = await run_compute(
        request, lambda: brain.classify(ClassifyRequest(text=req.text, mode=req.mode))
    )
    return result


@router.post("/v1/intake/route", response_model=Routing, summary="按纠纷类型查询分流建议")
async def route(req: RouteRequest, request: Request, brain: Brain = Depends(get_brain)) -> Routing:
    result: Routing = await run_compute(
        request,
        lambda: brain.route(req),
    )
    return result


@router.get("/v1/taxonomy", response_model=Taxonomy, summary="纠纷分类体系（名称、上级、别名、关键词）")
async def taxonomy(request: Request, brain: Brain = Depends(get_brain)) -> Taxonomy:
    result: Taxonomy = await run_compute(request, brain.taxonomy)
    return result


@router.get("/v1/strategies", response_model=Strategies, summary="某类纠纷的调解策略")
async def strategies(
    request: Request,
    dispute_type: str = Query(..., min_length=1, examples=["邻里纠纷"]),
    brain: Brain = Depends(get_brain),
) -> Strategies:
    result: Strategies = await run_compute(
        request, lambda: brain.strategies(StrategiesRequest(dispute_type=dispute_type))
    )
    return result
