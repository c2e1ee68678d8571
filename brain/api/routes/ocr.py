"""``POST /v1/ocr``: read a scanned complaint (image bytes as the request body). Every path that takes a file
meets the same limits: the body limit here, then ``settings.ocr`` (bytes, pixels, frames) before decoding."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from brain.api.deps import get_brain, run_compute
from brain.errors import InputError
from brain.requests import OcrRequest, OcrResult
from brain.service import Brain

router = APIRouter(tags=["受理分流 intake"])


@router.post(
    "/v1/ocr",
    response_model=OcrResult,
    summary="扫描件文字识别（请求体为图片字节）",
    openapi_extra={
        "requestBody": {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        },
        "x-tool": False,
    },
)
async def ocr(
    request: Request,
    name: str = Query("upload", max_length=200, description="文件名（用于错误提示）"),
    brain: Brain = Depends(get_brain),
) -> OcrResult:
    data = await request.body()
    if not data:
        raise InputError("请求体为空", where="body", hint="请以图片字节作为请求体上传扫描件")
    result: OcrResult = await run_compute(request, lambda: brain.ocr(OcrRequest(data=data, filename=name)))
    return result
