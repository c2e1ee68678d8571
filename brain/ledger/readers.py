"""Reading historical ledgers: CSV (UTF-8 or GB18030), XLSX (first sheet), JSONL; the column map; times.

Row numbers are what a spreadsheet shows (the header is row 1, the first case row 2; JSONL counts lines
from 1), so a clerk can find a reported row in the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from brain.errors import InputError

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "编号", "案件编号", "台账编号"),
    "text": ("text", "text_redacted", "内容", "纠纷内容", "诉求内容", "纠纷描述", "事项", "反映内容"),
    "source": ("source", "来源", "受理渠道", "渠道"),
    "received_at": ("received_at", "受理时间", "登记时间", "日期"),
    "town": ("town", "乡镇", "乡镇（街道）", "乡镇街道"),
    "village": ("village", "村", "村（社区）", "村社区"),
    "type": ("type", "纠纷类型", "类型"),
    "subtype": ("subtype", "子类型"),
    "risk": ("risk", "风险等级", "风险颜色"),
    "difficulty": ("difficulty", "难易程度"),
    "status": ("status", "状态", "办理状态"),
    "level": ("level", "层级", "承办层级"),
    "assignee": ("assignee", "承办单位"),
    "resolved_at": ("resolved_at", "化解时间", "办结时间"),
    "name": ("name", "当事人", "姓名", "反映人"),
    "phone": ("phone", "电话", "联系电话"),
    "id_number": ("id_number", "身份证号", "证件号码"),
    "address": ("address", "住址", "地址"),
}


def load_map(path: Path | None) -> tuple[dict[str, str], dict[str, str]]:
    if path is None:
        return {}, {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise InputError("无法读取列映射文件", where=str(path), hint=str(e)) from e
    columns: dict[str, Any] = raw.get("columns") or (raw if "defaults" not in raw else {}) or {}
    unknown = [k for k in columns if k not in COLUMNS]
    if unknown:
        raise InputError(
            f"列映射中有未知字段：{'、'.join(unknown)}",
            where=str(path),
            hint=f"可用字段：{'、'.join(COLUMNS)}",
        )
    return {str(k): str(v) for k, v in columns.items()}, {
        str(k): str(v) for k, v in (raw.get("defaults") or {}).items()
    }


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for each data row of a CSV, XLSX or JSONL file."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as e:
                        yield n, {"__error__": f"不是合法的 JSON：{e.msg}"}
                        continue
                    yield n, obj if isinstance(obj, dict) else {"__error__": "每行应为一个 JSON 对象"}
    elif suffix == ".csv":
        data = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError("CSV 文件编码无法识别", where=str(path), hint="请另存为 UTF-8 编码")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for row in reader:
            yield reader.line_num, row
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        sheet = wb.worksheets[0]
        header: list[str] = []
        for n, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if n == 1:
                header = [str(v).strip() if v is not None else "" for v in values]
                continue
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield n, dict(zip(header, values, strict=False))
        wb.close()
    else:
        raise InputError(f"不支持的文件类型“{path.suffix}”", where=str(path), hint="支持 .csv、.xlsx、.jsonl")


_DATE_RE = re.compile(r"^(\d{4})[年/.-](\d{1,2})[月/.-](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_time(v: Any) -> datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.replace(tzinfo=None) if v.tzinfo is None else v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    s = str(v).strip()
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        pass
    m = _DATE_RE.match(s)
    if not m:
        raise ValueError(s)
    y, mo, d, h, mi, se = (int(x) if x else 0 for x in m.groups())
    return datetime(y, mo, d, h, mi, se)


class Resolver:
    """Which column holds each field, worked out once per distinct header (JSONL rows may differ)."""

    def __init__(self, cmap: dict[str, str], defaults: dict[str, str]) -> None:
        self.cmap, self.defaults = cmap, defaults
        self._cache: dict[tuple[str, ...], dict[str, str | None]] = {}

    def columns(self, keys: tuple[str, ...]) -> dict[str, str | None]:
        cols = self._cache.get(keys)
        if cols is None:
            present = set(keys)
            cols = {
                f: self.cmap.get(f) or next((c for c in aliases if c in present), None)
                for f, aliases in COLUMNS.items()
            }
            self._cache[keys] = cols
        return cols

    def getter(self, raw: dict[str, Any]) -> Callable[[str], Any]:
        cols = self.columns(tuple(raw))
        defaults = self.defaults

        def get(field: str) -> Any:
            col = cols[field]
            v = raw.get(col) if col is not None else None
            return v if v is not None and v != "" else defaults.get(field)

        return get


def text_or_none(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
