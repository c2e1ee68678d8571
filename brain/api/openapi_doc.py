"""What the middleware does, written into the OpenAPI document: the key schemes, and the problem+json answers
every /v1 operation may give (422 included: validation errors are problem+json too)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from brain.api.problems import Problem

PROBLEMS = {
    "401": "缺少或无效的 API 密钥",
    "403": "角色无权调用此接口",
    "408": "请求体未在时限内发送完毕",
    "413": "请求体过大",
    "429": "调用过于频繁（见 Retry-After）",
    "500": "服务内部错误",
    "504": "处理超时",
}


def document_cross_cutting(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = original()
        components = doc.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "brain keys create 生成的 API 密钥",
            },
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in doc.get("paths", {}).items():
            if not path.startswith("/v1/"):
                continue
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                op.setdefault("security", [{"bearer": []}, {"apiKey": []}])
                for code, text in PROBLEMS.items():
                    if code in ("408", "413") and method not in {"post", "put", "patch"}:
                        continue
                    op["responses"].setdefault(code, {"description": text, "content": problem})
                if "422" in op["responses"]:
                    op["responses"]["422"] = {"description": "请求参数不合法", "content": problem}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
