"""``brain ingest PATH...``: import files into the document store and rebuild the search index.

A thin layer over :meth:`brain.service.Brain.ingest`; the per-file work and the Chinese failure reasons come
from ``ingest.pipeline``. The exit code is 1 when any file failed, so scripts notice, but the good files of
the batch are stored and indexed either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from brain.cli._common import ProfileOption, brain_session, console, print_json

_STATUS = {"ok": "[green]已导入[/green]", "skipped": "[dim]未变化，跳过[/dim]", "failed": "[red]失败[/red]"}
_METHOD = {
    "text": "文本", "jsonl": "JSONL", "docx": "Word", "pdf-text": "PDF 文字层", "pdf-ocr": "PDF（OCR）",
    "pdf-mixed": "PDF（部分 OCR）", "ocr": "图片 OCR",
}  # fmt: skip


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        paths: list[Path] = typer.Argument(
            ..., help="文件或文件夹（文件夹会递归导入）：md txt jsonl pdf docx 及图片"
        ),
        as_json: bool = typer.Option(False, "--json", help="输出 JSON 报告"),
        profile: str = ProfileOption,
    ) -> None:
        """导入文件（含扫描件 OCR）到文档库，并重建检索索引。"""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=console, disable=as_json)  # fmt: skip
        task: list[Any] = []

        def progress(result: Any, done: int, total: int) -> None:
            if not task:
                task.append(bar.add_task("导入文件", total=total))
            bar.update(task[0], completed=done, description=f"导入 {Path(result.path).name}")

        from brain.requests import IngestRequest

        with brain_session(profile) as brain, bar:
            report = brain.ingest(IngestRequest(paths=paths, progress=progress))

        if as_json:
            print_json(report)
        else:
            _print_table(report)
        if report.failed:
            raise typer.Exit(1)


def _print_table(report: Any) -> None:
    from rich.table import Table

    table = Table(title=f"导入结果（{report.took_ms / 1000:.1f} 秒）")
    for col in ("文件", "状态", "方式", "页数", "检索块", "说明"):
        table.add_column(col, overflow="fold")
    for f in report.files:
        pages = (
            "-"
            if f.pages is None
            else (f"{f.pages}（OCR {len(f.ocr_pages)}）" if f.ocr_pages else str(f.pages))
        )
        table.add_row(f.path, _STATUS[f.status], _METHOD.get(f.method or "", "-"), pages,
                      str(f.chunks) if f.status != "failed" else "-", f.reason or "")  # fmt: skip
    console.print(table)
    console.print(f"已导入 {report.ok} 个，跳过 {report.skipped} 个，失败 {report.failed} 个。")
    if report.failed:
        console.print(
            "[yellow]失败的文件未写入文档库；按“说明”处理后重新导入即可，已导入的文件不会重复处理。[/yellow]"
        )
