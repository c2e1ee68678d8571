"""``brain cases …``: the case ledger from the command line (import, export, demo, list, show, alerts)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from brain.cli._common import ProfileOption, brain_session, console, print_json

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="历史台账：.csv / .xlsx / .jsonl"),
    map_file: Path | None = typer.Option(
        None, "--map", help="列映射 YAML（columns: 台账字段: 文件列名；defaults: …）"
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=32, help="并行校验与脱敏的进程数"),
    progress: bool = typer.Option(True, "--progress/--quiet", help="在标准错误输出进度"),
    json_out: bool = typer.Option(False, "--json", help="以 JSON 输出报告"),
    profile: str | None = ProfileOption,
) -> None:
    """导入历史台账：逐行校验，坏行报告行号与原因，好行全部导入；整个导入在一个事务中（中断则不留半截）。"""
    from brain.ledger.schema import ImportRequest

    with brain_session(profile) as brain:
        report = brain.import_cases(
            ImportRequest(
                path=str(file),
                map_file=str(map_file) if map_file else None,
                workers=workers,
                progress=progress,
            )
        )
    if json_out:
        print_json(report)
        return
    console.print(
        f"导入 {report.rows_ok} 行，失败 {report.rows_bad} 行（共 {report.rows_total} 行，"
        f"{report.took_s:.2f} 秒，{report.rows_per_s:.0f} 行/秒）"
    )
    for e in report.errors[:200]:
        console.print(f"  第 {e.row} 行 {e.field or ''}：{e.message}")
    if len(report.errors) > 200:
        console.print(f"  …… 另有 {len(report.errors) - 200} 行错误，用 --json 查看全部")


@app.command("export")
def export_cmd(
    out: str = typer.Option("-", "--out", help="输出文件；- 为标准输出"),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl 或 csv"),
    status: str | None = typer.Option(None, "--status"),
    town: str | None = typer.Option(None, "--town"),
    since: datetime | None = typer.Option(None, "--since"),
    until: datetime | None = typer.Option(None, "--until"),
    profile: str | None = ProfileOption,
) -> None:
    """导出台账（脱敏文本、当事人只给匹配哈希，不含明文个人信息）。"""
    from brain.ledger.schema import CaseQuery, ExportRequest

    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("--format 只能是 jsonl 或 csv")
    q = CaseQuery(status=status, town=town, since=since, until=until)
    with brain_session(profile) as brain:
        report = brain.export_cases(ExportRequest(path=out, query=q, fmt=fmt))  # type: ignore[arg-type]
    console.print(f"已导出 {report.rows} 件案件到 {report.path}")


@app.command("demo")
def demo_cmd(
    cases: int = typer.Option(20_000, "--cases", min=10),
    seed: int = typer.Option(7, "--seed"),
    force: bool = typer.Option(False, "--force", help="台账已有案件时也生成"),
    profile: str | None = ProfileOption,
) -> None:
    """生成演示台账（虚构的清溪县，约两年、两万件）；台账非空时默认跳过。"""
    from brain.ledger.schema import DemoRequest

    with brain_session(profile) as brain:
        report = brain.load_demo_ledger(DemoRequest(cases=cases, seed=seed, if_empty=not force))
    if report.loaded:
        console.print(
            f"已生成演示台账：{report.cases} 件案件、{report.events} 条事件、{report.parties} 名当事人、"
            f"{report.followups} 次回访（{report.took_s:.1f} 秒）"
        )
    else:
        console.print(report.message)


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status"),
    town: str | None = typer.Option(None, "--town"),
    overdue: bool | None = typer.Option(None, "--overdue/--not-overdue"),
    limit: int = typer.Option(20, "--limit", min=1, max=500),
    profile: str | None = ProfileOption,
) -> None:
    """列出案件（最新在前）。"""
    from brain.ledger.schema import CaseQuery

    with brain_session(profile) as brain:
        print_json(brain.list_cases(CaseQuery(status=status, town=town, overdue=overdue, limit=limit)))


@app.command("show")
def show_cmd(case_id: int = typer.Argument(...), profile: str | None = ProfileOption) -> None:
    """案件详情与事件（脱敏）。"""
    from brain.ledger.schema import CaseGet

    with brain_session(profile) as brain:
        print_json(brain.get_case(CaseGet(case_id=case_id)))


@app.command("alerts")
def alerts_cmd(
    limit: int = typer.Option(50, "--limit", min=1, max=500), profile: str | None = ProfileOption
) -> None:
    """检查并列出未确认的预警（分流超时、办理超时、临期预警）与建议督办。"""
    from brain.ledger.schema import AlertQuery

    with brain_session(profile) as brain:
        page = brain.list_alerts(AlertQuery(limit=limit))
    for a in page.items:
        typer.echo(a.message)
    cal = brain.ledger_service.calendar
    today = brain.ledger_service.clock().date()
    for gap in cal.gaps((today.year, today.year + 1)):
        console.print(f"[yellow]注意：{gap}[/yellow]")
    console.print(f"共 {len(page.items)} 条未确认预警" + ("（还有更多）" if page.next_cursor else ""))
