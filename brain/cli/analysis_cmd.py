"""``brain report ...`` (研判报告) and ``brain analysis ...`` (alerts, hot spots, letters, replay a stream)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from brain.cli._common import ProfileOption, brain_session, console, print_json

app = typer.Typer(no_args_is_help=True)


report_app = typer.Typer()
schedule_app = typer.Typer(no_args_is_help=True, help="定期研判报告（analysis.schedule）")
report_app.add_typer(schedule_app, name="schedule")


def register(root: typer.Typer) -> None:
    root.add_typer(report_app, name="report", help="生成研判报告；report schedule run-due 运行到期的定期报告")


@report_app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    level: str = typer.Option("县", "--level", help="镇 或 县"),
    place: str = typer.Option(None, "--place", help="乡镇或县名"),
    period: str = typer.Option("month", "--period", help="week / half-month / month / custom"),
    end: datetime = typer.Option(None, "--end", help="期末（不含），缺省为该地最后一件案件的次日"),
    start: datetime = typer.Option(None, "--start", help="custom 时的期初"),
    formats: str = typer.Option("html,pdf", "--format", help="html,pdf,docx 逗号分隔"),
    as_json: bool = typer.Option(False, "--json", help="输出报告的全部数字及其查询"),
    profile: str = ProfileOption,
) -> None:
    """生成研判报告（HTML/PDF/DOCX，含趋势图、热力图、平安地图、本期预警）。"""
    if ctx.invoked_subcommand is not None:
        return
    if not place:
        raise typer.BadParameter("请用 --place 指定乡镇或县名", param_hint="--place")
    from brain.analysis.models import ReportRequest

    req = ReportRequest.model_validate(
        {
            "level": level,
            "place": place,
            "period": period,
            "end": end,
            "start": start,
            "formats": [f.strip() for f in formats.split(",") if f.strip()],
        }
    )
    with brain_session(profile) as brain:
        result = brain.analysis_report(req)
    if as_json:
        print_json(result.model_copy(update={"html": ""}))
        return
    console.print(f"[bold]{result.title}[/bold]（{result.start:%Y-%m-%d} 至 {result.end:%Y-%m-%d}）")
    for fmt, path in result.files.items():
        typer.echo(f"{fmt}: {path}")


@schedule_app.command("run-due")
def run_due(
    now: datetime = typer.Option(None, "--now", help="按此时间判断到期（缺省为现在）"),
    as_json: bool = typer.Option(False, "--json"),
    profile: str = ProfileOption,
) -> None:
    """运行到期的定期研判报告一次（每期只写一次；可由 cron 调用）。"""
    from brain.analysis.models import ScheduleRun

    with brain_session(profile) as brain:
        if not brain.settings.analysis.schedule:
            console.print("未配置定期报告（analysis.schedule 为空），无事可做")
        written = brain.run_due_reports(ScheduleRun(now=now))
    if as_json:
        print_json(
            written.model_copy(update={"items": [r.model_copy(update={"html": ""}) for r in written.items]})
        )
        return
    for r in written.items:
        typer.echo(f"{r.id} {r.title}（{r.start:%Y-%m-%d} 至 {r.end:%Y-%m-%d}）{r.files.get('html', '')}")
    console.print(f"写出定期报告 {len(written.items)} 份")


@app.command("alerts")
def alerts(
    kind: str = typer.Option(None, "--kind"),
    level: str = typer.Option(None, "--level"),
    place: str = typer.Option(None, "--place"),
    limit: int = typer.Option(50, "--limit"),
    profile: str = ProfileOption,
) -> None:
    """列出预警（JSON）。"""
    from brain.analysis.models import AnalysisAlertQuery

    q = AnalysisAlertQuery.model_validate({"kind": kind, "level": level, "place": place, "limit": limit})
    with brain_session(profile) as brain:
        print_json(brain.analysis_alerts(q))


@app.command("replay")
def replay(
    stream: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL 案件流（评测流格式）"),
    profile: str = ProfileOption,
) -> None:
    """按时间顺序把一条案件流登记进研判库（受理研判 + 全部检测器），打印新预警。"""
    from brain.analysis.registration import CaseIn
    from eval.dataset import load_jsonl

    loaded = load_jsonl(stream, CaseIn)
    for e in loaded.errors:
        console.print(f"[red]{e}[/red]")
    with brain_session(profile) as brain:
        n = 0
        for case in sorted(loaded.cases, key=lambda c: c.received_at):
            for ch in brain.analysis_register(case).changes:
                if ch.change != "updated":
                    n += 1
                    typer.echo(f"{case.received_at:%Y-%m-%d %H:%M} {ch.change:9s} {ch.alert.title}")
    console.print(f"登记 {len(loaded.cases)} 件，新增/升级预警 {n} 次")


@app.command("letter")
def letter(
    alert_id: str = typer.Argument(...),
    kind: str = typer.Option("风险提示函", "--kind", help="风险提示函 / 问题督办函"),
    profile: str = ProfileOption,
) -> None:
    """由一条预警起草风险提示函或问题督办函（只用该预警的案件事实）。"""
    from brain.analysis.models import LetterRequest

    with brain_session(profile) as brain:
        typer.echo(
            brain.alert_letter(LetterRequest.model_validate({"alert_id": alert_id, "kind": kind})).text
        )
