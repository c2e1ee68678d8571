from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("llm")
def llm(
    url: str = typer.Option(..., "--url", help="OpenAI 兼容服务地址，如 http://127.0.0.1:8001/v1"),
    model: str = typer.Option(..., "--model", help="服务端模型名（vLLM --served-model-name）"),
    concurrency: str = typer.Option("1,8,32,64", "--concurrency", help="并发级别，逗号分隔；第一个作为基线"),
    requests: int = typer.Option(64, "--requests", min=1, help="每个并发级别的请求数（至少等于并发数）"),
    max_tokens: int = typer.Option(256, "--max-tokens", min=1),
    api_key: str = typer.Option("EMPTY", "--api-key", envvar="VLLM_API_KEY", help="默认读取 VLLM_API_KEY"),
    weights_gb: float | None = typer.Option(
        None, "--weights-gb", help="权重字节数 (GB)；缺省时按 gpu_server 档案推算"
    ),
    bandwidth_tbs: float = typer.Option(4.8, "--bandwidth-tbs", help="显存带宽 TB/s（H200 为 4.8）"),
) -> None:
    """大模型服务压测：受理与对话请求，输出 TTFT、吞吐、结构化输出合格率与单路解码上限。"""
    from eval.bench_llm import decode_ceiling, format_table, run_bench

    try:
        levels = [int(x) for x in concurrency.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter("--concurrency 应为逗号分隔的正整数，如 1,8,32") from None
    if not levels or min(levels) < 1:
        raise typer.BadParameter("--concurrency 应为逗号分隔的正整数，如 1,8,32")
    results = run_bench(
        url, model, concurrency=levels, requests=requests, api_key=api_key, max_tokens=max_tokens
    )
    typer.echo(
        format_table(results, decode_ceiling(model, weights_gb=weights_gb, bandwidth_tbs=bandwidth_tbs))
    )


@app.command("intake")
def intake(
    n: int = typer.Option(300, "--n", help="complaints to time"),
    profile: str = typer.Option(None, "--profile", help="配置档案"),
) -> None:
    """受理研判延迟：p50/p99（毫秒），与关键词规则基线同场测量。"""
    from rich.console import Console
    from rich.table import Table

    from brain.cli._common import brain_session
    from eval.bench_intake import run

    with brain_session(profile) as brain:  # closing stops an embedded graph server this run started
        rows = run(brain, n=n)
    table = Table(title="intake latency per complaint (ms, in-process)")
    for col in ("path", "p50", "p99", "CPU p50", "n"):
        table.add_column(col, justify="left" if col == "path" else "right")
    for name, r in rows.items():
        table.add_row(name, f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['cpu_p50']:.2f}", str(int(r["n"])))
    Console().print(table)


@app.command("search")
def search(
    sizes: str = typer.Option(
        "demo,100k,1m", "--sizes", help="语料规模，逗号分隔：demo（真实语料）、100k、1m"
    ),
    queries: int = typer.Option(200, "--queries", min=10, help="计时查询条数（取自检索开发集）"),
    profile: str = typer.Option(None, "--profile", help="配置档案"),
) -> None:
    """检索压测：BM25 / 向量 / 混合检索在不同规模下的延迟与吞吐，rank_bm25 为同场基线。"""
    from brain.settings import load_settings
    from eval.bench_search import SIZES, format_table, run

    chosen = [s.strip().lower() for s in sizes.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SIZES]
    if not chosen or unknown:
        raise typer.BadParameter(f"--sizes 只能取 {', '.join(SIZES)}，收到：{', '.join(unknown) or '空'}")
    settings = load_settings(profile)
    result = run(settings, chosen, queries, log=lambda msg: typer.echo(msg, err=True))
    typer.echo(format_table(result, settings))


@app.command("kg")
def kg(
    iterations: int = typer.Option(200, "--iterations", min=10, help="每个查询的计时次数"),
    profile: str = typer.Option(None, "--profile", help="配置档案（取语料路径）"),
) -> None:
    """知识图谱：冷启动与加载时间；各命名查询经 Bolt 的 p50/p99、服务端耗时、经 GraphService 缓存的耗时，RETURN 1 为同场基线。"""
    from brain.graph import GraphService
    from brain.settings import load_settings
    from eval.bench_kg import format_table, run

    corpus = load_settings(profile).data_dir / "corpus"

    def make_service(uri: str, user: str, password: str, database: str) -> GraphService:
        graph = {"uri": uri, "user": user, "password": password, "database": database, "required": True}
        return GraphService(load_settings(profile, graph=graph)).start()

    result = run(
        iterations=iterations,
        statutes_path=corpus / "statutes.jsonl",
        cases_path=corpus / "cases.jsonl",
        make_service=make_service,
    )
    typer.echo(format_table(result))


@app.command("api")
def api(
    clients: int = typer.Option(64, "--clients", min=1, help="并发客户端数"),
    duration: float = typer.Option(30, "--duration", min=1, help="压测时长（秒）"),
    workers: int = typer.Option(2, "--workers", min=1, help="服务工作进程数"),
    index_dir: str = typer.Option(None, "--index-dir", help="已建好的索引目录（缺省则服务启动时新建）"),
) -> None:
    """HTTP 接口压测：本机回环上受理与检索混合负载的吞吐与 p50/p99，/healthz 为同场基线。"""
    from pathlib import Path

    from eval.bench_api import format_table, run

    results = run(
        clients=clients,
        duration_s=duration,
        workers=workers,
        index_dir=Path(index_dir) if index_dir else None,
        log=lambda m: typer.echo(m, err=True),
    )
    typer.echo(format_table(results, clients, workers))


@app.command("analysis")
def analysis(
    sizes: str = typer.Option("20000,1000000", "--sizes", help="合成台账规模，逗号分隔"),
    pg_url: str = typer.Option(None, "--pg-url", help="同时在该 PostgreSQL 上测量（会清空研判表）"),
    pg: bool = typer.Option(False, "--pg", help="同时在一个临时 PostgreSQL（Debian postgresql 包）上测量"),
    profile: str = typer.Option(None, "--profile", help="配置档案"),
) -> None:
    """态势研判：县·月报告耗时与新案件增量检测 p50，在 2 万与 100 万件合成台账上；SELECT 1 与逐行计数为同场基线。"""
    from brain.settings import load_settings
    from eval.bench_analysis import format_table, run

    try:
        ns = [int(x.replace("_", "")) for x in sizes.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter("--sizes 应为逗号分隔的正整数，如 20000,1000000") from None
    server = None
    if pg and not pg_url:
        from brain.ledger.pgtemp import start_temp_server

        server = start_temp_server()
        pg_url = server.url(server.create_db()).replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        results = run(ns, load_settings(profile), pg_url, log=lambda m: typer.echo(m, err=True))
    finally:
        if server is not None:
            server.cleanup()
    typer.echo(format_table(results))


@app.command("cases")
def cases(
    n_cases: int = typer.Option(
        1_000_000, "--cases", min=1000, help="list benchmark table size (bulk insert)"
    ),
    register_n: int = typer.Option(200, "--register", min=10, help="registrations to time"),
    import_rows: int = typer.Option(20_000, "--import-rows", min=100),
    workers: int = typer.Option(1, "--workers", min=1, max=32, help="import worker processes"),
    pg: bool = typer.Option(True, "--pg/--no-pg", help="also PostgreSQL (a temp server, or --pg-url)"),
    pg_url: str | None = typer.Option(None, "--pg-url", help="postgresql+psycopg://… of an empty database"),
    graph: bool = typer.Option(False, "--graph/--no-graph", help="intake with the graph as configured"),
    profile: str = typer.Option(None, "--profile", help="配置档案"),
) -> None:
    """台账性能：登记（含研判）、百万级筛选列表、导入速度；SQLite 与 PostgreSQL 各自以 SELECT 1 为基线。"""
    import tempfile

    from brain.agents.intake.schema import IntakeRequest, IntakeResult
    from brain.ledger.bench import format_table, run_backend
    from brain.ledger.pgtemp import start_temp_server
    from brain.service import Brain
    from brain.settings import load_settings

    base = load_settings(profile)
    over: dict[str, object] = {} if graph else {"graph": {"uri": "bolt://127.0.0.1:9", "retry_s": 3600}}
    brain = Brain(load_settings(profile, **over))
    intake = brain.intake_service.warm()

    def run_intake(text: str, source: str | None, level: str) -> IntakeResult:
        return intake.run(IntakeRequest(text=text, source=source, level=level, precedents=False))

    rows = []
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as d:
            targets = [("sqlite (WAL)", f"sqlite:///{d}/ledger.sqlite3")]
            if pg:
                if pg_url is None:
                    server = start_temp_server(durable=True)
                    pg_url = server.url(server.create_db())
                targets.append(("postgresql", pg_url))
            for name, url in targets:
                settings = base.model_copy(update={"ledger": base.ledger.model_copy(update={"url": url})})
                typer.echo(f"running {name} …", err=True)
                rows.append(
                    run_backend(
                        name, settings, run_intake, cases=n_cases, register_n=register_n,
                        import_rows=import_rows, workers=workers,
                    )
                )  # fmt: skip
    finally:
        brain.close()
        if server is not None:
            server.cleanup()
    typer.echo(format_table(rows, n_cases))
    typer.echo(f"intake: {'graph as configured' if graph else 'graph unreachable (seed deadline rules)'}; "
               f"import workers: {workers}")  # fmt: skip
