"""``brain eval run SUITE --data FILE``: each suite lives in ``eval/<suite>.py`` and exposes
``run_suite(brain, data: Path, *, as_json: bool, report: Path | None) -> dict``."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from brain.cli._common import ProfileOption, fail, make_brain

app = typer.Typer(no_args_is_help=True)

SUITES = ("retrieval", "intake", "drafting", "chat")


@app.command("run")
def run(
    suite: str = typer.Argument(..., help=f"评测套件：{' / '.join(SUITES)}"),
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, help="JSONL 数据文件，一行一个用例"),
    as_json: bool = typer.Option(False, "--json", help="只输出一个 JSON 对象"),
    report: Path = typer.Option(None, "--report", help="报告输出目录（HTML + JSON）"),
    profile: str = ProfileOption,
) -> None:
    """运行一个评测套件并打印指标。"""
    if suite not in SUITES:
        fail(f"未知评测套件 '{suite}'，可选：{', '.join(SUITES)}", code=2)
    try:
        module = importlib.import_module(f"eval.{suite}")
    except ModuleNotFoundError:
        fail(f"评测套件 '{suite}' 尚未实现", code=2)
    brain = make_brain(profile)
    with brain:
        module.run_suite(brain, data, as_json=as_json, report=report)
