"""serve, search, index: thin commands over the Brain facade."""

from __future__ import annotations

import typer

from brain.cli._common import (
    ProfileOption,
    brain_session,
    console,
    fail,
    make_brain,
    print_json,
    reported_errors,
)


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
                console.print(
                    "[red]开放模式（无密钥）只允许监听 127.0.0.1；请设置 BRAIN_API__AUTH=keys[/red]"
                )
                raise typer.Exit(2)
            console.print("[yellow]注意：开发模式，接口未启用密钥认证，仅监听本机回环地址。[/yellow]")
        # the app logs where to point a browser once it is up; it must name the port actually bound
        bound = s.model_copy(update={"api": s.api.model_copy(update={"host": h, "port": p})})
        uvicorn.run(
            create_app(bound, brain=brain),
            host=h,
            port=p,
            log_level="info",
            http="brain.api.server:GuardedProtocol",  # a deadline for request headers (slowloris)
        )

    @app.command()
    def search(
        query: str = typer.Argument(..., help="检索内容，例如：邻居装修噪音扰民怎么处理"),
        top_k: int = typer.Option(10, "--top-k", min=1, max=100, help="返回条数"),
        mode: str = typer.Option("hybrid", "--mode", help="hybrid / bm25 / dense"),
        kind: str = typer.Option(
            None, "--kind", help="只检索 statute（法条）/ case（案例）/ document（导入文件）"
        ),
        law: str = typer.Option(None, "--law", help="只检索某部法律，如 民法典"),
        as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
        profile: str = ProfileOption,
    ) -> None:
        """类案与法条检索。"""
        from pydantic import ValidationError

        from brain.types import SearchRequest

        try:
            request = SearchRequest.model_validate(
                {"query": query, "top_k": top_k, "mode": mode, "filters": {"kind": kind, "law": law}}
            )
        except ValidationError as e:
            fail("；".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()), code=2)
        with brain_session(profile) as brain:
            brain.start(graph=False)
            response = brain.search(request)
        if as_json:
            print_json(response)
            return
        if not response.hits:
            console.print("[yellow]没有找到匹配的法条或案例；可换个说法或去掉过滤条件[/yellow]")
        from brain.cli.search_view import print_hits

        print_hits(query, mode, response)

    index_app = typer.Typer(no_args_is_help=True, help="检索索引管理")
    app.add_typer(index_app, name="index")

    @index_app.command("build")
    def index_build(
        force: bool = typer.Option(False, "--force", help="语料未变也重建"),
        profile: str = ProfileOption,
    ) -> None:
        """构建检索索引（新版本建好后原子切换，运行中的服务自动切换）。"""
        from brain.requests import IndexBuildRequest

        with reported_errors():
            manifest = make_brain(profile).build_index(IndexBuildRequest(force=force)).manifest
        if manifest["built"]:
            # two short lines: one line of ~90 columns wrapped in an 80-column terminal between number and unit
            console.print(f"[green]索引已建成并切换[/green]：{manifest['version']}")
            console.print(
                f"  {manifest['documents']} 篇文档，{manifest['chunks']} 个片段，{manifest['build_seconds']} 秒"
                f"（{manifest['chunks_per_second']} 片段/秒）"
            )
        else:
            console.print(f"索引 {manifest['version']} 已是最新（语料与配置未变）；用 --force 强制重建")

    @index_app.command("stats")
    def index_stats(profile: str = ProfileOption) -> None:
        """打印索引统计（JSON）：按类型的文档与片段数、各效力级别的法规数、现行有效与失效条文数。"""
        brain = make_brain(profile)
        with reported_errors():
            print_json(brain.index_stats().model_dump(mode="json"))

    @index_app.command("status")
    def index_status(profile: str = ProfileOption) -> None:
        """显示当前索引版本。"""
        from brain.retrieval import versions

        brain = make_brain(profile)
        root = brain.settings.retrieval.index_dir
        current = versions.current_version(root)
        if current is None:
            fail(f"还没有索引（{root}）；运行 brain index build", code=1)
        print_json(
            {
                "current": current,
                "versions": versions.list_versions(root),
                "manifest": versions.read_manifest(root / current),
            }
        )
