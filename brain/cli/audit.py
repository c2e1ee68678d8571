"""``brain audit export``: the audit store as JSON lines or CSV (see ``brain.audit``)."""

from __future__ import annotations

import sys

import typer

from brain.audit import export as export_records
from brain.audit import normalise_since, open_audit_store
from brain.cli._common import ProfileOption, fail, reported_errors
from brain.settings import load_settings

app = typer.Typer(no_args_is_help=True)


@app.command("export")
def export(
    since: str = typer.Option(
        ..., "--since", help="起始时间（ISO 格式，如 2025-01-31 或 2025-01-31T08:00:00+08:00）"
    ),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl 或 csv"),
    profile: str | None = ProfileOption,
) -> None:
    """导出审计记录到标准输出：时间、密钥编号、角色、路由、请求号、输入哈希、结果、耗时。"""
    if fmt not in {"jsonl", "csv"}:
        fail(f"不支持的格式 '{fmt}'；可选 jsonl 或 csv")
    with reported_errors():
        store = open_audit_store(load_settings(profile))
        start = normalise_since(since)
    try:
        for line in export_records(store.since(start), fmt):
            sys.stdout.write(line)
    finally:
        store.close()
