"""Rendering: one context from the structured agreement, then plain text and HTML (Jinja2), DOCX and PDF.

All four outputs are built from the same :func:`context`, so a 【待补充：…】 gap or an amount reads identically in
the preview, the Word file and the printed PDF. The PDF embeds a CJK TrueType font (reportlab cannot embed
the CFF outlines of Noto CJK OTFs, so it uses WenQuanYi Zen Hei or another TrueType face found on the system).
"""

from __future__ import annotations

import io
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from brain.agreements.amounts import format_amount
from brain.agreements.models import FIELD_LABELS, Agreement, AgreementWarning, Obligation, Party
from brain.errors import ConfigError
from ingest import zh

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
PLACEHOLDER_RE = re.compile(r"【待补充：[^】]*】")
# TrueType CJK faces reportlab can embed, most likely first (Debian: fonts-wqy-zenhei, fonts-wqy-microhei).
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simsun.ttc",
]


def placeholder(key: str) -> str:
    return f"【待补充：{FIELD_LABELS.get(key, key)}】"


def cn_number(n: int) -> str:
    """Chinese numerals for 第一条 and 一式三份 (:func:`ingest.zh.to_chinese`)."""
    return zh.to_chinese(n)


def cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "    年    月    日"


def party_line(p: Party) -> str:
    """申请人：张建国，男，汉族，1968年5月生，住……（items present only)."""
    items = [p.name]
    if p.kind == "单位":
        items += [f"法定代表人：{p.legal_rep}"] if p.legal_rep else []
        items += [f"住所地：{p.address}"] if p.address else []
    else:
        items += [x for x in (p.gender, p.ethnicity, p.birth_or_age, p.occupation) if x]
        items += [f"住{p.address}"] if p.address else []
    items += [f"身份证号码：{p.id_number}"] if p.id_number else []
    items += [f"联系电话：{p.phone}"] if p.phone else []
    items += [f"委托代理人：{p.agent}"] if p.agent else []
    return f"{p.role}：" + "，".join(items) + "。"


def deadline_words(ob: Obligation) -> str:
    if ob.deadline_text:
        return ob.deadline_text
    if ob.deadline:
        return cn_date(ob.deadline) + "前"
    return placeholder("deadline")


def describe_obligation(ob: Obligation, index: int) -> str:
    """履行方式、地点、期限 for one obligation, naming each missing item."""
    who = ob.obligor or placeholder("obligor")
    parts = [f"{who}应于{deadline_words(ob)}"]
    if ob.place:
        parts.append(f"在{ob.place}")
    if ob.amount is not None:
        parts.append(f"以{ob.method or placeholder('method')}方式")
        parts.append(f"向{ob.payee or placeholder('payee')}{ob.action or '支付'}{format_amount(ob.amount)}")
    else:
        target = f"向{ob.payee}" if ob.payee else ""
        parts.append(f"{target}履行第{cn_number(index)}条约定的{ob.action or '义务'}事项")
    return "".join(parts)


def context(agreement: Agreement, warnings: list[AgreementWarning] | None = None) -> dict[str, Any]:
    """Strings for every part of the document; a missing value becomes its 【待补充：…】 placeholder."""
    a = agreement

    def v(key: str) -> str:
        value = getattr(a, key)
        return value if value else placeholder(key)

    terms = [f"{cn_number(t.index)}、{t.text}" for t in a.agreed_terms] or [placeholder("agreed_terms")]
    parties = [party_line(p) for p in a.parties] or [placeholder("parties")]
    sig = a.signatures
    return {
        "agreement_no": v("agreement_no"),
        "committee_name": v("committee_name"),
        "parties": parties,
        "dispute_type": a.dispute_type,
        "case_source": a.case_source,
        "facts_and_issues": v("facts_and_issues"),
        "responsibility": v("responsibility"),
        "terms": terms,
        "performance": v("performance"),
        "copies": v("copies"),
        "effect_clause": v("effect_clause"),
        "judicial_confirmation_notice": a.judicial_confirmation_notice,
        "signature_parties": [f"{p.role} {p.name}" for p in a.parties] or [placeholder("parties")],
        "mediator": sig.mediator or "",
        "recorder": sig.recorder or "",
        "date": cn_date(sig.date),
        "warnings": warnings or [],
    }


def _mark(value: object) -> Markup:
    """HTML-escape, then highlight 【待补充：…】 so a gap cannot be overlooked in the preview."""
    escaped = str(escape(str(value)))
    return Markup(PLACEHOLDER_RE.sub(lambda m: f'<span class="missing">{m.group(0)}</span>', escaped))


@lru_cache(maxsize=2)
def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["mark"] = _mark
    return env


def render_text(agreement: Agreement) -> str:
    text = _env(False).get_template("agreement.txt.j2").render(**context(agreement))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_html(agreement: Agreement, warnings: list[AgreementWarning] | None = None) -> str:
    return _env(True).get_template("agreement.html.j2").render(**context(agreement, warnings))


# ---------------------------------------------------------------------------------------------- DOCX
def render_docx(agreement: Agreement) -> bytes:
    """A Word file laid out like the 司法部 form: centred title, number on the right, sections, sign-off."""
    from docx import Document as DocxDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    c = context(agreement)
    doc = DocxDocument()
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    def para(
        text: str, *, bold: bool = False, size: int | None = None, align: Any = None, indent: bool = False
    ) -> None:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        run.font.name = "宋体"  # creates w:rPr/w:rFonts; East Asian text needs its own attribute
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    para("人民调解协议书", bold=True, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(c["agreement_no"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    for line in c["parties"]:
        para(line)
    if c["dispute_type"]:
        para(f"纠纷类型：{c['dispute_type']}")
    if c["case_source"]:
        para(f"案件来源：{c['case_source']}")
    para("纠纷主要事实、争议事项：", bold=True)
    para(c["facts_and_issues"], indent=True)
    para("各方当事人的责任：", bold=True)
    para(c["responsibility"], indent=True)
    para(f"经{c['committee_name']}调解，各方当事人自愿达成如下协议：", bold=True)
    for t in c["terms"]:
        para(t, indent=True)
    para("履行方式、地点、期限：", bold=True)
    para(c["performance"], indent=True)
    for key in ("copies", "effect_clause", "judicial_confirmation_notice"):
        if c[key]:
            para(c[key], indent=True)
    para("")
    table = doc.add_table(rows=0, cols=2)
    rows = [(f"{s}（签名、盖章或按指印）：", "") for s in c["signature_parties"]]
    rows += [
        (f"人民调解员（签名）：{c['mediator']}", ""),
        (f"记录人（签名）：{c['recorder']}", ""),
        ("", f"{c['committee_name']}（印章）"),
        ("", c["date"]),
    ]
    for left, right in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = left, right
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------- PDF
def find_cjk_font(explicit: Path | None = None) -> Path:
    """The TrueType CJK font to embed; ``explicit`` (settings) first, then the usual system locations."""
    candidates = ([explicit] if explicit else []) + [Path(p) for p in FONT_CANDIDATES]
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(
        "找不到可嵌入 PDF 的中文 TrueType 字体",
        where="、".join(str(p) for p in candidates[:3]),
        hint="安装 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei），或在配置 agreements.font_path 指定 .ttf/.ttc",
    )


@lru_cache(maxsize=4)
def _register_font(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "AgreementCJK-" + re.sub(r"\W", "", Path(path).stem)
    kwargs = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
    try:
        pdfmetrics.registerFont(TTFont(name, path, **kwargs))
    except Exception as e:  # reportlab raises bare TTFError/others for CFF-based or broken files
        raise ConfigError(
            "中文字体无法用于 PDF（需要 TrueType 轮廓）",
            where=path,
            hint="换用 wqy-zenhei.ttc 等 TrueType 字体",
        ) from e
    return name


def render_pdf(agreement: Agreement, font_path: Path | None = None) -> bytes:
    """A4 PDF with the CJK font embedded (subset), same layout as the DOCX."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font(str(find_cjk_font(font_path)))
    c = context(agreement)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    head = ParagraphStyle("head", parent=plain, spaceBefore=6)
    title = ParagraphStyle("title", parent=plain, fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=6)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT, spaceAfter=8)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(str(escape(text)), style)

    story: list[Any] = [p("人 民 调 解 协 议 书", title), p(c["agreement_no"], right)]
    story += [p(line, plain) for line in c["parties"]]
    if c["dispute_type"]:
        story.append(p(f"纠纷类型：{c['dispute_type']}", plain))
    if c["case_source"]:
        story.append(p(f"案件来源：{c['case_source']}", plain))
    story += [
        p("纠纷主要事实、争议事项：", head),
        p(c["facts_and_issues"], body),
        p("各方当事人的责任：", head),
        p(c["responsibility"], body),
        p(f"经{c['committee_name']}调解，各方当事人自愿达成如下协议：", head),
    ]
    story += [p(t, body) for t in c["terms"]]
    story += [p("履行方式、地点、期限：", head), p(c["performance"], body)]
    story += [p(c[k], body) for k in ("copies", "effect_clause", "judicial_confirmation_notice") if c[k]]
    story.append(Spacer(1, 10 * mm))
    rows = [[p(f"{s}（签名、盖章或按指印）：", plain), ""] for s in c["signature_parties"]]
    rows += [
        [p(f"人民调解员（签名）：{c['mediator']}", plain), ""],
        [p(f"记录人（签名）：{c['recorder']}", plain), ""],
        ["", p(f"{c['committee_name']}（印章）", plain)],
        ["", p(c["date"], plain)],
    ]
    table = Table(rows, colWidths=[82 * mm, 78 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("TEXTCOLOR", (0, 0), (-1, -1), colors.black),
            ]
        )
    )
    story.append(table)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title="人民调解协议书",
        author=c["committee_name"],
        initialFontName=font,
    )  # else every page also references Helvetica, not embedded
    doc.build(story)
    return buf.getvalue()
