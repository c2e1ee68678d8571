"""Graph routes: list the named queries, run one with parameters, node/relationship counts.

Thin: each route calls Brain. An unreachable graph raises GraphUnavailableError, which the API edge
turns into a 503 problem+json with a Chinese message.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from brain.api.deps import get_brain
from brain.requests import GraphQueryRequest
from brain.service import Brain

router = APIRouter(prefix="/v1/graph", tags=["graph"])


class QueryInfo(BaseModel):
    name: str
    description: str
    params: dict[str, Any]
    example: dict[str, Any]


class QueryRequest(BaseModel):
    params: dict[str, Any] = Field(
        default_factory=dict, examples=[{"dispute_type": "邻里纠纷", "level": "村"}]
    )


class QueryResponse(BaseModel):
    name: str
    rows: list[dict[str, Any]]


@router.get("/queries", summary="列出知识图谱命名查询", response_model=list[QueryInfo])
def list_queries(brain: Brain = Depends(get_brain)) -> list[QueryInfo]:
    return [QueryInfo.model_validate(q.model_dump()) for q in brain.graph_queries().queries]


@router.post("/queries/{name}", summary="运行知识图谱命名查询", response_model=QueryResponse)
def run_query(
    name: str, body: QueryRequest | None = None, brain: Brain = Depends(get_brain)
) -> QueryResponse:
    result = brain.graph_query(GraphQueryRequest(name=name, params=(body or QueryRequest()).params))
    return QueryResponse(name=result.name, rows=result.rows)


@router.get("/stats", summary="知识图谱节点和关系计数")
def stats(brain: Brain = Depends(get_brain)) -> dict[str, dict[str, int]]:
    return brain.graph_stats().model_dump()
