"""研判报告: one town or county over a period, as HTML (with plots), PDF and DOCX.

All figures come from :func:`brain.analysis.queries.figures` in one read transaction; the text prints them
with ``data-figure`` marks and the appendix lists every query, so each number can be re-counted. Reports
are written to ``<state_dir>/reports/analysis/<id>/`` (report.html, report.pdf, report.docx,
numbers.json) and listed from there."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from brain.analysis import plots
from brain.analysis.models import KIND_LABELS, ReportList, ReportRequest, ReportResult
from brain.analysis.queries import Figure, figures
from brain.analysis.store import AnalysisStore, cases
from brain.errors import InputError
from brain.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
PERIOD_DAYS = {"week": 7, "half-month": 15, "month": 30}


def report_dir(settings: Settings) -> Path:
    return settings.state_dir / "reports" / "analysis"


def report_id(level: str, place: str, start: datetime, end: datetime) -> str:
    """The id of the report of ``place`` over [start, end): the same period gives the same id (the schedule
    relies on it to write a period once)."""
    return "RPT-" + hashlib.sha1(f"{level}|{place}|{start}|{end}".encode()).hexdigest()[:10]


def period(req: ReportRequest, latest: datetime | None) -> tuple[datetime, datetime]:
    if req.period == "custom":
        if req.start is None or req.end is None or req.start >= req.end:
            raise InputError(
                "自定义期间需要给出期初 start 与期末 end，且期初早于期末",
                where="start/end",
                hint="例如 start=2026-05-01T00:00:00, end=2026-06-01T00:00:00",
            )
        return req.start, req.end
    if req.start is not None and req.end is not None and req.start < req.end:
        return req.start, req.end  # a calendar period (the schedule's week, half-month or month)
    end = req.end or (
        (latest + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        if latest
        else datetime.now()
    )
    return end - timedelta(days=PERIOD_DAYS[req.period]), end


def build_report(
    store: AnalysisStore, req: ReportRequest, settings: Settings, *, scheduled: bool = False
) -> ReportResult:
    col = cases.c.town if req.level == "镇" else cases.c.county
    with store.engine.connect() as conn, conn.begin():
        latest = conn.execute(sa.select(sa.func.max(cases.c.received_at)).where(col == req.place)).scalar()
        if latest is None:
            known = sorted(x for x in conn.execute(sa.select(col).distinct()).scalars() if x)
            raise InputError(
                f"台账中没有{req.level}“{req.place}”的案件",
                where="place",
                hint=f"可选：{'、'.join(known[:20]) or '（台账为空，请先登记案件）'}",
            )
        start, end = period(req, latest)
        figs = figures(conn, req.level, req.place, start, end)
        county = (
            req.place
            if req.level == "县"
            else conn.execute(sa.select(cases.c.county).where(cases.c.town == req.place).limit(1)).scalar()
            or ""
        )
        villages_of: dict[str, list[str]] = {}
        for t, v in conn.execute(sa.select(cases.c.town, cases.c.village).distinct()).all():
            villages_of.setdefault(t, []).append(v)
    return _render(req, settings, figs, start, end, county, villages_of, scheduled)


def _render(
    req: ReportRequest,
    settings: Settings,
    figs: dict[str, Figure],
    start: datetime,
    end: datetime,
    county: str,
    villages_of: dict[str, list[str]],
    scheduled: bool = False,
) -> ReportResult:
    n = {k: (f.value or 0) for k, f in figs.items() if not isinstance(f.value, list)}
    prev = dict(figs["previous_by_type"].value)
    by_type = [(t, c, prev.get(t, 0)) for t, c in figs["by_type"].value]
    by_unit = figs["by_unit"].value
    alerts = figs["alerts"].value
    unit_counts = {u: c for u, c in by_unit if u}
    alerted = {u for u in unit_counts if any(u in (a[3] or "") for a in alerts)}
    map_png, schematic = plots.peace_map(county, req.level, req.place, unit_counts, alerted, villages_of)
    pngs = {
        "trend": plots.trend(figs["daily_type"].value),
        "heatmap": plots.heatmap(figs["unit_type"].value),
        "map": map_png,
    }
    total, prev_total = int(n["total"]), int(n["previous_total"])
    delta = total - prev_total
    change = (
        f"环比{'增加' if delta > 0 else '减少'} {abs(delta)} 件（{abs(delta) / prev_total:.1%}）"
        if prev_total and delta
        else ("与上期持平" if prev_total else "上期无数据")
    )
    resolved = int(n["resolved"])
    title = f"{req.place}{ {'week': '周', 'half-month': '半月', 'month': '月度', 'custom': ''}[req.period] }矛盾纠纷研判报告"
    rid = report_id(req.level, req.place, start, end)
    ctx = {
        "title": title,
        "place": req.place,
        "level": req.level,
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
        "generated": f"{datetime.now():%Y-%m-%d %H:%M}",
        "source": "矛盾纠纷台账（研判库）",
        "n": {k: int(v) if isinstance(v, int | float) and k != "cycle_days" else v for k, v in n.items()},
        "change_words": change,
        "resolution_rate": f"{resolved / total:.1%}" if total else "-",
        "cycle_days": f"{float(n['cycle_days']):.1f}" if n.get("cycle_days") else "-",
        "by_risk": sorted(figs["by_risk"].value, key=lambda rc: "红橙黄蓝".find(rc[0] or "-")),
        "by_type": by_type,
        "by_unit": by_unit,
        "unit_label": "村（社区）" if req.level == "镇" else "乡镇（街道）",
        "channels": figs["channels"].value,
        "alerts": alerts,
        "kinds": KIND_LABELS,
        "plots": {k: base64.b64encode(v).decode() for k, v in pngs.items()},
        "queries": [(k, f.sql.replace("\n", " ")) for k, f in figs.items()],
        "params": json.dumps(figs["total"].params, ensure_ascii=False),
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    html = env.get_template("report.html.j2").render(**ctx)
    out = report_dir(settings) / rid
    out.mkdir(parents=True, exist_ok=True)
    files = {"html": str(out / "report.html")}
    (out / "report.html").write_text(html, encoding="utf-8")
    for name, data in pngs.items():
        (out / f"{name}.png").write_bytes(data)
    if "pdf" in req.formats:
        from brain.analysis.report_pdf import render_pdf

        (out / "report.pdf").write_bytes(render_pdf(ctx, pngs, settings.agreements.font_path))
        files["pdf"] = str(out / "report.pdf")
    if "docx" in req.formats:
        from brain.analysis.report_pdf import render_docx

        (out / "report.docx").write_bytes(render_docx(ctx, pngs))
        files["docx"] = str(out / "report.docx")
    numbers = {k: {"value": f.value, "sql": f.sql, "params": f.params} for k, f in figs.items()}
    numbers["_map"] = {"value": {"schematic": schematic}, "sql": "", "params": {}}
    result = ReportResult(
        id=rid,
        title=title,
        level=req.level,
        place=req.place,
        start=start,
        end=end,
        numbers=numbers,
        files=files,
        html=html,
        period=req.period,
        scheduled=scheduled,
    )
    (out / "report.json").write_text(result.model_dump_json(exclude={"html"}), encoding="utf-8")
    return result


def list_reports(settings: Settings) -> ReportList:
    root = report_dir(settings)
    items = []
    for p in sorted(root.glob("*/report.json")) if root.exists() else []:
        try:
            items.append(ReportResult.model_validate_json(p.read_text(encoding="utf-8")))
        except ValueError:
            continue
    items.sort(key=lambda r: r.end, reverse=True)
    return ReportList(items=items)


def figure_value(result: ReportResult, key: str) -> Any:
    return result.numbers[key]["value"]
