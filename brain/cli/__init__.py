"""The ``brain`` command: a thin layer over :class:`brain.service.Brain`. Each area owns one sub-module."""

from __future__ import annotations

import typer

from brain.cli import (
    agreement,
    analysis_cmd,
    audit,
    bench,
    cases,
    core,
    eval_cmd,
    ingest_cmd,
    intake,
    keys,
    kg,
    mcp_cmd,
)

app = typer.Typer(help="枫桥智脑 命令行工具", no_args_is_help=True, add_completion=False)
core.register(app)
ingest_cmd.register(app)
intake.register(app)
mcp_cmd.register(app)
analysis_cmd.register(app)
app.add_typer(kg.app, name="kg", help="综治知识图谱：启动、加载、统计、查询")
app.add_typer(agreement.app, name="agreement", help="人民调解协议书起草与校验")
app.add_typer(eval_cmd.app, name="eval", help="离线评测")
app.add_typer(bench.app, name="bench", help="性能基准")
app.add_typer(keys.app, name="keys", help="API 密钥管理")
app.add_typer(audit.app, name="audit", help="审计记录导出")
app.add_typer(cases.app, name="cases", help="矛盾纠纷台账：导入、导出、演示数据、查询、预警")
app.add_typer(analysis_cmd.app, name="analysis", help="态势研判：预警、回放案件流、提示函/督办函")


def main() -> None:
    app()
