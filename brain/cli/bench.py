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
    for col in ("path", "p50", "p99", "n"):
        table.add_column(col, justify="left" if col == "path" else "right")
    for name, r in rows.items():
        table.add_row(name, f"{r['p50']:.2f}", f"{r['p99']:.2f}", str(int(r["n"])))
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
