"""RFC 9457 problem+json responses, the only place where errors become HTTP status codes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from brain.errors import BrainError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("brain.api")


class Problem(BaseModel):
    """RFC 9457 problem details. ``detail`` is in Chinese for the person who has to act on it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None
    details: dict[str, Any] | None = None


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    type_: str = "about:blank",
    details: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=type_,
        title=title,
        status=status,
        detail=detail,
        instance=str(request.url.path),
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
        details=details or None,
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(BrainError)
    async def _brain_error(request: Request, exc: BrainError) -> JSONResponse:
        detail = str(exc)
        return problem_response(
            request,
            exc.http_status,
            exc.code,
            detail,
            type_=f"https://fengqiao.example/problems/{exc.code}",
            details=exc.details if exc.http_status == 409 else None,  # e.g. the allowed moves of a case
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _loc(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        summary = "；".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(request, 422, "invalid_input", f"请求参数不合法：{summary}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        resp = problem_response(
            request, exc.status_code, titles.get(exc.status_code, "http_error"), str(exc.detail)
        )
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            request, 500, "internal_error", "服务内部错误，已记录；请稍后重试或联系管理员"
        )
