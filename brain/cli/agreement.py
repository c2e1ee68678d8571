"""``brain agreement draft|validate|export``: 人民调解协议书 from a JSON file, over the Brain facade."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from brain.cli._common import ProfileOption, brain_session, console, fail, print_json

app = typer.Typer(no_args_is_help=True)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"找不到输入文件：{path}")
    except json.JSONDecodeError as e:
        fail(f"输入文件不是合法的 JSON：{path} 第{e.lineno}行第{e.colno}列：{e.msg}")
    if not isinstance(data, dict):
        fail(f"输入文件顶层必须是 JSON 对象：{path}")
    return data


@app.command()
def draft(
    input: Path = typer.Option(..., "--input", "-i", help="起草请求 JSON（字段见 docs/agreements.md）"),
    as_json: bool = typer.Option(False, "--json", help="输出完整 JSON（协议书结构、缺项、提示）"),
    docx: Path = typer.Option(None, "--docx", help="同时导出 Word 文件到此路径"),
    pdf: Path = typer.Option(None, "--pdf", help="同时导出 PDF 文件到此路径"),
    html: Path = typer.Option(None, "--html", help="同时导出 HTML 预览到此路径"),
    force: bool = typer.Option(False, "--force", help="存在须改正的问题时仍导出文件（讨论稿）"),
    profile: str = ProfileOption,
) -> None:
    """起草人民调解协议书；缺项以【待补充：…】标出，问题逐条列出。"""
    from brain.agreements.models import AgreementExportRequest, AgreementRequest, ExportFormat
    from brain.agreements.service import coerce

    data = _read_json(input)
    with brain_session(profile) as brain:
        result = brain.draft_agreement(coerce(AgreementRequest, data, "draft request"))
        if as_json:
            print_json(result)
        else:
            typer.echo(result.text)
            for w in result.warnings:
                console.print(
                    f"[{'red' if w.severity == 'error' else 'yellow'}]{w.severity}[/] {w.field}：{w.message}"
                )
            console.print(f"模式：{result.mode}；缺项：{'、'.join(result.missing_fields) or '无'}")
        formats: tuple[tuple[ExportFormat, Path | None], ...] = (("docx", docx), ("pdf", pdf), ("html", html))
        for fmt, out in formats:
            if out is not None:
                req = AgreementExportRequest(agreement=result.agreement, format=fmt, force=force)
                out.write_bytes(brain.export_agreement(req).content)
                console.print(f"已导出 {fmt}：{out}")


@app.command()
def validate(
    input: Path = typer.Option(
        ..., "--input", "-i", help="协议书 JSON（draft --json 的输出或其中的 agreement）"
    ),
    profile: str = ProfileOption,
) -> None:
    """校验协议书：必备内容、姓名一致、金额大小写、日期、履行要素、份数、司法确认告知。退出码 1 表示有错误。"""
    from brain.agreements.service import agreement_of

    data = _read_json(input)
    with brain_session(profile) as brain:
        report = brain.validate_agreement(agreement_of(data))
    print_json(report)
    if not report.ok:
        raise typer.Exit(1)
