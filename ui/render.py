"""Rendering of service results for the clerk's and the mediator's eyes (pure functions, unit-tested).

Everything here turns a JSON-like result into Chinese Markdown; no Gradio, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Coloured text, not emoji: the fonts on an offline office PC (and in CI) have no colour-emoji glyphs.
RISK_COLOURS = {"红": "#d32f2f", "橙": "#ef6c00", "黄": "#b59f00", "蓝": "#1565c0"}
WARN = "【注意】"
EMPTY_REPORT = "暂无评测报告。运行 `make eval`（或 `brain eval run …`）后，最新报告会显示在这里。"


def source_label(src: dict[str, Any]) -> str:
    return f"[{src['n']}] {src['citation']}"


def render_document(doc: dict[str, Any]) -> str:
    parts = [f"### {doc.get('title', '')}"]
    meta = [
        f"{name}：{doc[k]}"
        for k, name in (("law", "法律"), ("cause", "案由"), ("effective_date", "施行日期"))
        if doc.get(k)
    ]
    if doc.get("kind") == "statute":
        meta.append("现行有效" if doc.get("in_force", True) else "已失效")
    if meta:
        parts.append("　".join(meta))
    if doc.get("facts"):
        parts.append(f"**案情**：{doc['facts']}")
    if doc.get("outcome"):
        parts.append(f"**结果**：{doc['outcome']}")
    if not (doc.get("facts") or doc.get("outcome")):
        parts.append(str(doc.get("text", "")))
    if doc.get("source"):
        parts.append(f"<small>出处：{doc['source']}</small>")
    return "\n\n".join(parts)


def risk_badge(level: str | None) -> str:
    colour = RISK_COLOURS.get(level or "")
    if colour is None:
        return level or "未知"
    return f'<span class="risk-badge" style="color:{colour};font-weight:bold">■ {level}色</span>'


def render_intake(result: dict[str, Any]) -> str:
    """The clerk's view of an intake result: what it is, how risky, by when, and where it goes (and why)."""
    cls = result.get("classification", {})
    risk = result.get("risk", {})
    routing = result.get("routing", {})
    lines = ["### 受理分流结果"]
    if result.get("ocr_text"):
        lines.append(f"**识别文字（OCR）**：{result['ocr_text']}")
    conf = cls.get("confidence")
    lines.append(
        f"**纠纷类型**：{cls.get('label', '未知')}"
        + (f"（{cls['sub_type']}）" if cls.get("sub_type") else "")
        + (f"　置信度 {conf:.0%}" if isinstance(conf, int | float) else "")
    )
    lines.append(
        f"**风险等级**：{risk_badge(risk.get('level'))}　**难易程度**：{risk.get('difficulty', '未知')}"
    )
    for sig in risk.get("signals", [])[:5]:
        lines.append(f"- 风险信号「{sig.get('name')}」：{sig.get('evidence')}")
    deadline = routing.get("deadline") or {}
    suggestions = routing.get("suggestions", [])
    top = suggestions[0] if suggestions else {}
    limit = deadline.get("limit") or top.get("deadline")
    lines.append(
        f"**办理时限**：{limit or '未给出'}"
        + (f"（{deadline['routing_limit']}）" if deadline.get("routing_limit") else "")
    )
    level = routing.get("level") or top.get("level")
    channel = routing.get("channel") or top.get("channel")
    where = "、".join(
        x for x in (level and f"{level}级", top.get("department"), top.get("mediation_body"), channel) if x
    )
    lines.append(f"**分流建议**：{where or '暂无'}")
    if top.get("graph_path"):
        lines.append(f"**图谱路径**：{' → '.join(top['graph_path'])}")
    cites = [_cite(c) for c in top.get("citations", [])]
    if any(cites):
        lines.append(f"**依据**：{'；'.join(c for c in cites if c)}")
    if not routing.get("available", bool(suggestions)):
        lines.append(f"> {WARN}分流降级：{routing.get('degraded') or '图谱未给出建议'}，请人工研判")
    if routing.get("escalation"):
        lines.append(f"**逐级上报**：{' → '.join(routing['escalation'])}")
    for w in result.get("warnings", []):
        lines.append(f"> {WARN}{w}")
    if result.get("mode"):
        lines.append(f"<small>模式：{result['mode']}</small>")
    return "\n\n".join(lines)


def _cite(c: dict[str, Any]) -> str:
    """A graph citation carries its own label (《劳动争议调解仲裁法》第10条, or a report's name)."""
    return str(c.get("label") or "")


def render_report(report: dict[str, Any] | None) -> tuple[str, str]:
    """(markdown summary, html body) of the newest report, or the friendly empty state."""
    if not report:
        return EMPTY_REPORT, ""
    lines = [f"### 最新评测报告：{report['name']}", f"<small>{report['path']}</small>"]
    if report.get("error"):
        lines.append(f"> {WARN}{report['error']}")
    metrics = list(_numbers(report.get("json"), ""))[:40]
    if metrics:
        lines += ["", "| 指标 | 数值 |", "|---|---|"]
        lines += [f"| {k} | {v:.4g} |" for k, v in metrics]
    return "\n".join(lines), str(report.get("html", ""))


def _numbers(obj: Any, prefix: str, depth: int = 0) -> Iterator[tuple[str, float]]:
    if depth > 3:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers(v, f"{prefix}.{k}" if prefix else str(k), depth + 1)
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        yield prefix, float(obj)


def parse_terms(text: str) -> list[dict[str, Any]]:
    """One agreed term per non-empty line; leading numbering ("1." "一、") is the mediator's, not content."""
    terms = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:\d+[.、．)]|[一二三四五六七八九十]+、)\s*", "", line).strip()
        if line:
            terms.append({"text": line})
    return terms


def agreement_form_problem(facts: str, party_a: str, party_b: str, terms: str) -> str | None:
    """What the drafting form lacks before it is worth sending, as a quiet Chinese hint (None: send it).

    The service would answer an empty form too, but in the API's words (field names, 位置：parties); a
    mediator needs to be told which box to fill.
    """
    filled = [x.strip() for x in (facts or "", party_a or "", party_b or "", terms or "")]
    if not any(filled):
        return "请先填写表单：纠纷事实、双方当事人姓名和达成的协议条款（每行一条），再点“生成预览”。"
    named_in_facts = re.search(r"(?:被?申请人|甲方|乙方)[：:]", facts or "")
    if not (filled[1] or filled[2]) and not named_in_facts:
        return "请填写当事人（申请人、被申请人）的姓名。"
    if not filled[0] and not filled[3]:
        return "请填写“纠纷事实与争议事项”和“达成的协议条款”。"
    return None
