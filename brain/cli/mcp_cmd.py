"""``brain mcp``: serve the tool list over MCP (see ``brain.mcp_server``)."""

from __future__ import annotations

import typer

from brain.cli._common import ProfileOption, fail
from brain.settings import load_settings


def register(app: typer.Typer) -> None:
    @app.command("mcp")
    def mcp(
        transport: str = typer.Option(
            "stdio", "--transport", help="stdio 或 http（streamable HTTP，路径 /mcp）"
        ),
        port: int = typer.Option(8765, "--port", help="http 传输的端口（只监听 127.0.0.1）"),
        key: str | None = typer.Option(
            None,
            "--key",
            envvar="BRAIN_MCP_KEY",
            help="调用工具所用的 API 密钥（开发档案 auth=open 时可省略）",
        ),
        profile: str | None = ProfileOption,
    ) -> None:
        """以 MCP 服务提供与 GET /v1/tools 相同的工具。"""
        from brain import mcp_server

        settings = load_settings(profile)
        if transport == "stdio":
            mcp_server.run_stdio(settings, key)
        elif transport == "http":
            mcp_server.run_http(settings, key, port=port)
        else:
            fail(f"不支持的传输方式 '{transport}'；可选 stdio 或 http")
