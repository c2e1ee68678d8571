"""``GET /v1/tools``: the /v1 operations as OpenAI function-calling definitions, generated from the same
OpenAPI document (hence the same pydantic schemas) the routes validate against, so a tool definition cannot
drift from the route it calls. The MCP server (``brain.mcp_server``) exposes the same list.

Which operations are tools: every ``/v1`` JSON operation, except ones marked ``openapi_extra={"x-tool":
False}`` and this listing itself. Arguments are flat: path and query parameters plus the properties of the
JSON body (a non-object body goes under ``body``). :func:`tool_specs` keeps, per tool, where each argument
goes, so a caller can turn a tool call back into the HTTP request.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request

router = APIRouter(prefix="/v1/tools", tags=["工具清单"])


@dataclass
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]
    method: str
    path: str
    path_params: list[str] = field(default_factory=list)
    query_params: list[str] = field(default_factory=list)
    body_params: list[str] = field(default_factory=list)
    body_wrapped: bool = False

    def openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def request(self, arguments: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
        """(method, url path, query, json body) for a tool call's arguments."""
        path = self.path
        for p in self.path_params:
            # encoded as one segment: "../../../etc/passwd" stays a document id, never a path up the tree
            path = path.replace("{" + p + "}", quote(str(arguments[p]), safe=""))
        query = {k: arguments[k] for k in self.query_params if k in arguments}
        body: Any = None
        if self.body_wrapped:
            body = arguments.get("body")
        elif self.body_params:
            body = {k: arguments[k] for k in self.body_params if k in arguments}
        return self.method, path, query, body


def _resolve(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    """Inline ``$ref``s (function-calling clients do not follow them); recursion stops at depth 8."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if depth >= 8:
                return {"type": "object"}
            target = copy.deepcopy(components.get(name, {}))
            extra = {k: v for k, v in node.items() if k != "$ref"}
            return _resolve({**target, **extra}, components, depth + 1)
        return {k: _resolve(v, components, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, components, depth) for v in node]
    return node


def _name(op: dict[str, Any], method: str, path: str, taken: set[str]) -> str:
    raw = op.get("operationId") or f"{method}_{path}"
    # FastAPI ids look like "search_v1_search_post": keep the function name part
    raw = re.sub(r"_v1_.*$", "", raw) or raw
    name = re.sub(r"[^A-Za-z0-9_-]", "_", raw)[:64].strip("_") or "tool"
    if name in taken:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", f"{method}_{path}")[:64].strip("_")
    taken.add(name)
    return name


def tool_specs(openapi: dict[str, Any]) -> list[ToolSpec]:
    components = openapi.get("components", {}).get("schemas", {})
    specs: list[ToolSpec] = []
    taken: set[str] = set()
    for path, item in sorted(openapi.get("paths", {}).items()):
        if not path.startswith("/v1/") or path.startswith("/v1/tools"):
            continue
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"} or op.get("x-tool") is False:
                continue
            body_schema = (
                op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            )
            if op.get("requestBody") and body_schema is None:
                continue  # multipart uploads and the like are not function calls
            props: dict[str, Any] = {}
            required: list[str] = []
            spec = ToolSpec(
                name=_name(op, method, path, taken),
                description="",
                parameters={},
                method=method.upper(),
                path=path,
            )
            for param in op.get("parameters", []):
                if param.get("in") not in {"path", "query"}:
                    continue
                schema = _resolve(param.get("schema", {}), components)
                if param.get("description"):
                    schema.setdefault("description", param["description"])
                props[param["name"]] = schema
                (spec.path_params if param["in"] == "path" else spec.query_params).append(param["name"])
                if param.get("required"):
                    required.append(param["name"])
            if body_schema is not None:
                body = _resolve(body_schema, components)
                if body.get("type") == "object" or "properties" in body:
                    for k, v in body.get("properties", {}).items():
                        props[k] = v
                        spec.body_params.append(k)
                    required += [r for r in body.get("required", []) if r not in required]
                else:
                    props["body"] = body
                    spec.body_wrapped = True
                    if op["requestBody"].get("required"):
                        required.append("body")
            spec.parameters = {"type": "object", "properties": props, "required": required}
            spec.description = (
                "\n".join(x for x in (op.get("summary"), op.get("description")) if x)[:1024]
                or f"{method.upper()} {path}"
            )
            specs.append(spec)
    return specs


@router.get(
    "", summary="工具清单：OpenAI 函数调用格式（与 MCP 服务提供的工具相同）", openapi_extra={"x-tool": False}
)
def list_tools(request: Request) -> list[dict[str, Any]]:
    return [s.openai() for s in tool_specs(request.app.openapi())]
