"""``brain eval run SUITE --data FILE``: each suite lives in ``eval/<suite>.py`` and exposes
``run_suite(brain, data: Path, *, as_json: bool, report: Path | None) -> dict``.

``brain`` is the in-process :class:`Brain` or, with ``--url``, an :class:`eval.remote.RemoteBrain` that
speaks the /v1 API; the suite cannot tell which. The report (``--report DIR``) is written here, from the
dict the suite returns, unless the suite wrote its own in this run. See docs/eval.md for the keys."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

import typer

from brain.cli._common import ProfileOption, brain_session, console, fail, make_brain, reported_errors

app = typer.Typer(no_args_is_help=True)

SUITES = ("retrieval", "intake", "drafting", "chat", "risk", "analysis")


@app.command("run")
def run(
    suite: str = typer.Argument(..., help=f"评测套件：{' / '.join(SUITES)}"),
    data: Path = typer.Option(
        ..., "--data", exists=True, dir_okay=False, help="JSONL 数据文件，一行一个用例"
    ),
    as_json: bool = typer.Option(False, "--json", help="只输出一个 JSON 对象"),
    report: Path = typer.Option(None, "--report", help="报告输出目录（HTML + JSON）"),
    profile: str = ProfileOption,
    url: str = typer.Option(
        None, "--url", help="评测一个运行中的服务（如 http://127.0.0.1:8000），而非进程内"
    ),
    api_key: str = typer.Option(None, "--api-key", envvar="BRAIN_API_KEY", help="服务的 API 密钥"),
    label_map: Path = typer.Option(
        None,
        "--label-map",
        exists=True,
        dir_okay=False,
        help="仅 intake：YAML 标签映射（自有标签 → 一个或多个分类体系类型）",
    ),
) -> None:
    """运行一个评测套件并打印指标；给出 --report 时写出 report.html 与 report.json。"""
    if suite not in SUITES:
        fail(f"未知评测套件 '{suite}'，可选：{', '.join(SUITES)}", code=2)
    if label_map is not None and suite != "intake":
        fail("--label-map 只用于 intake 评测套件", code=2)
    try:
        module = importlib.import_module(f"eval.{suite}")
    except ModuleNotFoundError:
        fail(f"评测套件 '{suite}' 尚未实现", code=2)
    started = time.time()
    with reported_errors():
        if url:
            from eval.remote import connect

            target: Any = connect(url, api_key)
        else:
            target = make_brain(profile)
        # Not started up front: each part (index, graph, chat store) starts on first use, so a drafting run
        # does not wait for the graph server it never asks.
        try:
            if label_map is not None:
                result = module.run_suite(target, data, as_json=as_json, report=report, label_map=label_map)
            else:
                result = module.run_suite(target, data, as_json=as_json, report=report)
        finally:
            target.close()
    if report is not None:
        _ensure_report(report, suite, result, data, started)


def _ensure_report(report: Path, suite: str, result: dict[str, Any], data: Path, started: float) -> None:
    """Write the report unless the suite already wrote a fuller one in this run (intake and retrieval add
    per-case details of their own); either way the reader finds report.html + report.json in ``report``."""
    from eval.report import write_report

    existing = report / "report.json"
    if not (existing.exists() and existing.stat().st_mtime >= started - 1):
        write_report(report, suite, result, data_file=str(data))
    console.print(f"报告：{report / 'report.html'}")


@app.command("compare")
def compare(
    run_a: Path = typer.Argument(..., exists=True, help="报告 A（目录或 report.json）"),
    run_b: Path = typer.Argument(..., exists=True, help="报告 B（目录或 report.json）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """并排比较两次评测的数值指标（B − A）。"""
    from rich.table import Table

    from brain.cli._common import print_json
    from eval.report import compare as compare_reports

    rows = compare_reports(run_a, run_b)
    if as_json:
        print_json([{"metric": m, "a": a, "b": b, "delta": d} for m, a, b, d in rows])
        return
    table = Table(title=f"{run_a}  vs  {run_b}")
    for col in ("指标", "A", "B", "B − A"):
        table.add_column(col, justify="right" if col != "指标" else "left")
    for m, a, b, d in rows:
        style = "green" if d > 0 else ("red" if d < 0 else "")
        table.add_row(m, f"{a:.4f}", f"{b:.4f}", f"[{style}]{d:+.4f}[/{style}]" if style else f"{d:+.4f}")
    from rich.console import Console

    Console().print(table)


@app.command("gate")
def gate(profile: str = ProfileOption) -> None:
    """运行回归门禁（eval/gate.yaml）：任何指标低于阈值即以非零状态退出。"""
    from rich.console import Console
    from rich.table import Table

    from eval.gate import run_gate

    with brain_session(profile) as brain:
        outcomes = run_gate(brain)
    table = Table(title="评测回归门禁")
    for col in ("结果", "套件", "指标", "值", "阈值"):
        table.add_column(col)
    for o in outcomes:
        bound = f">= {o.check.min}" if o.check.min is not None else f"<= {o.check.max}"
        value = "-" if o.value is None else f"{o.value:.4f}"
        table.add_row(
            "[green]通过[/green]" if o.ok else "[red]未通过[/red]",
            o.check.suite,
            o.check.metric,
            value,
            bound,
        )
    Console().print(table)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)
