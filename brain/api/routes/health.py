from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from brain.api.deps import get_brain
from brain.service import Brain

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="存活检查")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="就绪检查：索引、知识图谱、大模型各部件状态")
def readyz(brain: Brain = Depends(get_brain)) -> JSONResponse:
    parts = brain.readiness()
    return JSONResponse(parts.model_dump(mode="json"), status_code=200 if parts.ready else 503)
