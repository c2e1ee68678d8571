"""PDF (reportlab, the agreements' embedded CJK font) and DOCX (python-docx) of a 研判报告, from the same
context and plots as the HTML."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from brain.analysis.models import KIND_LABELS


def _summary(ctx: dict[str, Any]) -> list[str]:
    n = ctx["n"]
    return [
        f"统计期：{ctx['start']} 至 {ctx['end']}（不含）；层级：{ctx['level']}。",
        f"本期{ctx['place']}共受理矛盾纠纷 {n['total']} 件，上期 {n['previous_total']} 件，{ctx['change_words']}；"
        f"去除重复后为 {n['matters']} 个事项。已化解 {n['resolved']} 件（化解率 {ctx['resolution_rate']}），"
        f"按时限办结 {n['resolved_on_time']} 件；平均办理周期 {ctx['cycle_days']} 天；逾期 {n['overdue']} 件。",
        "风险等级：" + "，".join(f"{r or '未定'}色 {c} 件" for r, c in ctx["by_risk"]) + "。",
    ]


def render_pdf(ctx: dict[str, Any], pngs: dict[str, bytes], font_path: Path | None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from brain.agreements.render import _register_font, find_cjk_font

    font = _register_font(str(find_cjk_font(font_path)))
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4)
    small = ParagraphStyle("s", parent=body, fontSize=8, leading=11)

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
        t = Table([[Paragraph(str(c), small) for c in r] for r in rows], colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        return t

    def img(name: str, width: float = 170 * mm) -> Image:
        im = Image(io.BytesIO(pngs[name]))
        im.drawHeight = width * im.imageHeight / im.imageWidth
        im.drawWidth = width
        return im

    story: list[Any] = [Paragraph(ctx["title"], h1)]
    story += [Paragraph(t, body) for t in _summary(ctx)]
    story += [
        Paragraph("二、类型分布与变化", h2),
        table([["类型", "本期", "上期", "变化"]] + [[t, c, p, f"{c - p:+d}"] for t, c, p in ctx["by_type"]]),
    ]
    story += [
        Spacer(1, 4),
        img("trend"),
        Paragraph("三、地点分布（平安地图）", h2),
        img("map", 140 * mm),
        img("heatmap"),
    ]
    story += [
        Paragraph("四、诉调 / 警调 / 访调对接", h2),
        table([["渠道", "件数", "已化解"]] + [list(r) for r in ctx["channels"]] or [["-", "-", "-"]]),
    ]
    story += [Paragraph(f"五、本期预警（{len(ctx['alerts'])} 条）", h2)]
    story += (
        [
            table(
                [["类别", "等级", "内容", "依据"]]
                + [[KIND_LABELS[a[1]], a[2], a[3], a[4]] for a in ctx["alerts"]],
                [22 * mm, 12 * mm, 60 * mm, 76 * mm],
            )
        ]
        if ctx["alerts"]
        else [Paragraph("本期无预警。", body)]
    )
    story += [Paragraph("附：数字来源（同一只读事务中的查询）", h2)] + [
        Paragraph(f"{k}：{sql}", small) for k, sql in ctx["queries"]
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=ctx["title"],
        initialFontName=font,
    ).build(story)
    return buf.getvalue()


def render_docx(ctx: dict[str, Any], pngs: dict[str, bytes]) -> bytes:
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_heading(ctx["title"], 0)
    for t in _summary(ctx):
        doc.add_paragraph(t)
    doc.add_heading("二、类型分布与变化", 1)
    tbl = doc.add_table(rows=1, cols=4)
    tbl.style = "Table Grid"
    for cell, h in zip(tbl.rows[0].cells, ["类型", "本期", "上期", "变化"], strict=True):
        cell.text = h
    for t, c, p in ctx["by_type"]:
        for cell, v in zip(tbl.add_row().cells, [t, c, p, f"{c - p:+d}"], strict=True):
            cell.text = str(v)
    for name, title in (("trend", None), ("map", "三、地点分布（平安地图）"), ("heatmap", None)):
        if title:
            doc.add_heading(title, 1)
        doc.add_picture(io.BytesIO(pngs[name]), width=Cm(16))
    doc.add_heading(f"五、本期预警（{len(ctx['alerts'])} 条）", 1)
    for a in ctx["alerts"]:
        doc.add_paragraph(f"{a[3]}——{a[4]}", style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
