"""``brain kg``: serve the embedded graph server, load the seed, show counts, run a named query."""

from __future__ import annotations

import json
from typing import Any

import typer

from brain.cli._common import ProfileOption, brain_session, console, fail, make_brain, print_json

app = typer.Typer(no_args_is_help=True)


def _parse_params(items: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; a value that parses as JSON (numbers, null, lists) is used as such, else as text."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"参数 {item!r} 格式不对，应为 key=value，例如 --param dispute_type=邻里纠纷", code=2)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


@app.command()
def serve(profile: str = ProfileOption) -> None:
    """在前台运行嵌入式图谱服务（ArcadeDB + Bolt，仅监听 127.0.0.1），Ctrl-C 停止。"""
    from knowledge_graph.server import port_open
    from knowledge_graph.server import serve as run_server

    g = make_brain(profile).settings.graph
    if g.uri != "embedded":
        fail(f"当前配置使用外部图数据库 {g.uri}，无需启动嵌入式服务", code=2)
    if port_open(g.bolt_port):
        fail(f"端口 {g.bolt_port} 已有服务在监听（可能图谱服务已在运行）", code=2)
    g.data_dir.mkdir(parents=True, exist_ok=True)
    console.print(f"数据目录：{g.data_dir}")
    run_server(
        g.data_dir,
        bolt_port=g.bolt_port,
        http_port=g.http_port,
        password=g.password.get_secret_value(),
        database=g.database,
        heap="512m",
    )


@app.command("load")
def load_cmd(profile: str = ProfileOption) -> None:
    """校验并加载种子数据（幂等：重复运行节点和关系数不变）。有错误的文件整体不写入，并报告文件和行号。"""
    with brain_session(profile) as brain:
        report = brain.load_graph_seed()
    for f in report.files:
        console.print(f"{f.status}  {f.file}  {f.rows} 行  {f.reason}")
    print_json({"before": report.before.model_dump(), "after": report.after.model_dump()})
    if report.issues:
        for issue in report.issues:
            console.print(f"[red]{issue}[/red]")
        raise typer.Exit(1)


@app.command()
def stats(profile: str = ProfileOption) -> None:
    """各标签节点数和各类型关系数。"""
    with brain_session(profile) as brain:
        print_json(brain.graph_stats())


@app.command()
def query(
    name: str = typer.Argument(None, help="查询名；不填则列出全部命名查询"),
    param: list[str] = typer.Option([], "--param", "-p", help="查询参数 key=value，可重复"),
    profile: str = ProfileOption,
) -> None:
    """运行命名查询，例如：brain kg query routing_candidates -p dispute_type=邻里纠纷 -p level=村"""
    from brain.requests import GraphQueryRequest

    if not name:
        for q in make_brain(profile).graph_queries().queries:
            console.print(f"{q.name}  {q.description}  参数：{', '.join(q.params) or '无'}")
        return
    params = _parse_params(param)
    with brain_session(profile) as brain:
        print_json(brain.graph_query(GraphQueryRequest(name=name, params=params)).rows)
