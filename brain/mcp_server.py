"""MCP server (official ``mcp`` SDK, low-level ``Server``) exposing the same tools as ``GET /v1/tools``.

Why the low-level server: the tool list is generated from the OpenAPI document at run time, so the input
schemas are data, not Python signatures. Each tool call is dispatched *in process* to the FastAPI app (httpx
over ASGI, no socket), so it goes through the same route, validation, Brain facade call, audit record and
privacy rules as an HTTP call — one path for every caller. The MCP caller authenticates like any other: with
an API key (``--key`` or ``BRAIN_MCP_KEY``); in a dev profile with ``api.auth=open`` no key is needed.

Transports: ``brain mcp --transport stdio`` (an agent spawns it) and ``--transport http`` (streamable HTTP on
``127.0.0.1:<port>/mcp``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import mcp_types as types
from mcp.server.lowlevel.server import Server

from brain import __version__
from brain.api.routes.tools import ToolSpec, tool_specs
from brain.settings import Settings, load_settings


def build_server(settings: Settings | None = None, api_key: str | None = None) -> Server[dict[str, Any]]:
    from brain.api.app import create_app

    settings = settings or load_settings()
    app = create_app(settings)
    specs: dict[str, ToolSpec] = {s.name: s for s in tool_specs(app.openapi())}
    key = api_key or os.environ.get("BRAIN_MCP_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}

    @asynccontextmanager
    async def lifespan(_: Server[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        brain = app.state.brain  # its parts start lazily on first use, as tools need them
        # the client address is loopback: the in-process call is this machine calling itself
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://brain",
            headers=headers,
            timeout=settings.api.request_timeout_s,
        ) as client:
            try:
                yield {"client": client}
            finally:
                await anyio.to_thread.run_sync(brain.close)

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=s.name, description=s.description, input_schema=s.parameters)
                for s in specs.values()
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        spec = specs.get(params.name)
        if spec is None:
            return _error(f"未知工具 '{params.name}'；可用：{', '.join(sorted(specs))}")
        args = dict(params.arguments or {})
        missing = [p for p in spec.path_params if p not in args]
        if missing:
            return _error(f"缺少参数：{', '.join(missing)}")
        method, path, query, body = spec.request(args)
        client: httpx.AsyncClient = ctx.lifespan_context["client"]
        if method == "POST" and spec.path == "/v1/chat" and isinstance(body, dict):
            body.setdefault("stream", False)  # a tool call wants one answer, not an event stream
        response = await client.request(method, path, params=query, json=body)
        text = response.text
        try:
            data: Any = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            return _error(text, data)
        return types.CallToolResult(
            content=[types.TextContent(text=text)],
            structured_content=data if isinstance(data, dict) else {"result": data},
        )

    return Server(
        "fengqiao-brain",
        version=__version__,
        title="枫桥智脑",
        instructions="综治中心纠纷受理、类案法条检索、调解协议起草等工具；个人信息按调用者角色处理。",
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _error(message: str, data: Any = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=message if data is None else json.dumps(data, ensure_ascii=False))],
        is_error=True,
    )


def run_stdio(settings: Settings | None = None, api_key: str | None = None) -> None:
    from mcp.server.stdio import stdio_server

    server = build_server(settings, api_key)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def run_http(
    settings: Settings | None = None, api_key: str | None = None, host: str = "127.0.0.1", port: int = 8765
) -> None:
    import uvicorn

    server = build_server(settings, api_key)
    uvicorn.run(server.streamable_http_app(host=host), host=host, port=port, log_level="warning")
