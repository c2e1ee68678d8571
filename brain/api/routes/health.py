from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from brain.api.deps import get_brain
from brain.security import current_principal
from brain.service import Brain

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="存活检查")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="就绪检查：索引、知识图谱、大模型各部件状态（详情需密钥）")
def readyz(brain: Brain = Depends(get_brain)) -> JSONResponse:
    """Anyone may ask whether the service is ready and which part is degraded; the details (versions,
    connection strings, paths) only a caller with a valid key sees (or a loopback caller in open dev mode)."""
    parts = brain.readiness()
    status = 200 if parts.ready else 503
    if current_principal() is None:
        down = sorted(k for k, v in parts.items() if isinstance(v, dict) and not v.get("ok", True))
        return JSONResponse({"ready": parts.ready, "degraded": down}, status_code=status)
    return JSONResponse(parts.model_dump(mode="json"), status_code=status)
