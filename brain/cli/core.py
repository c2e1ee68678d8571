"""serve, search, ingest, index."""

from __future__ import annotations

import typer

from brain.cli._common import ProfileOption, console, make_brain


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="监听地址（默认取配置 api.host）"),
        port: int = typer.Option(None, help="端口（默认取配置 api.port）"),
        profile: str = ProfileOption,
    ) -> None:
        """启动 HTTP 服务（含 /ui 界面）。"""
        import uvicorn

        from brain.api.app import create_app

        brain = make_brain(profile)
        s = brain.settings
        h, p = host or s.api.host, port or s.api.port
        if s.api.auth == "open":
            if h not in {"127.0.0.1", "localhost", "::1"}:
                console.print("[red]开放模式（无密钥）只允许监听 127.0.0.1；请设置 BRAIN_API__AUTH=keys[/red]")
                raise typer.Exit(2)
            console.print("[yellow]注意：开发模式，接口未启用密钥认证，仅监听本机回环地址。[/yellow]")
        uvicorn.run(create_app(brain=brain), host=h, port=p, log_level="info")
