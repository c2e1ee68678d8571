"""Rendering of service results for the clerk's and the mediator's eyes (pure functions, unit-tested).

Everything here turns a JSON-like result into Chinese Markdown; no Gradio, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

# Coloured text, not emoji: the fonts on an offline office PC (and in CI) have no colour-emoji glyphs.
RISK_COLOURS = {"红": "#d32f2f", "橙": "#ef6c00", "黄": "#b59f00", "蓝": "#1565c0"}
WARN = "【注意】"
# Graph relation types as a clerk reads them (the Cypher names stay in the JSON for the workflow system).
RELATIONS = {
    "SUBTYPE_OF": "属于",
    "MEDIATED_BY": "由…调解",
    "HANDLED_BY": "由…办理",
    "AT_LEVEL": "层级",
    "DIVERTED_VIA": "对接渠道",
    "ESCALATES_TO": "上报至",
    "GOVERNED_BY": "依据",
    "HAS_DEADLINE": "时限",
    "STATIONED_AT": "派驻",
    "SUGGESTS": "建议策略",
    "EXAMPLE_OF": "案例",
}
MODES = {
    "deterministic": "规则模式（未接入大模型）",
    "llm": "大模型模式",
    "fallback": "大模型不可用，已改用规则",
}
# What a deadline without a fixed number of days means (重大纠纷 in 巴中 practice, deadline_rules.yaml).
DEADLINE_NOTES = {"领导包案": "重大纠纷，领导包案，专班攻坚，无固定时限"}
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
        past = "（既往言行，按黄色关注）" if "既往" in str(sig.get("rule", "")) else ""
        lines.append(f"- 风险信号「{sig.get('name')}」{past}：{sig.get('evidence')}")
    deadline = routing.get("deadline") or {}
    suggestions = routing.get("suggestions", [])
    top = suggestions[0] if suggestions else {}
    limit = deadline.get("limit") or top.get("deadline")
    lines.append(
        f"**办理时限**：{limit or '未给出'}"
        + (f"（{DEADLINE_NOTES[limit]}）" if limit in DEADLINE_NOTES else "")
        + (f"；{deadline['routing_limit']}" if deadline.get("routing_limit") else "")
    )
    level = routing.get("level") or top.get("level")
    channel = routing.get("channel") or top.get("channel")
    where = "、".join(
        x for x in (level and f"{level}级", top.get("department"), top.get("mediation_body"), channel) if x
    )
    lines.append(f"**分流建议**：{where or '暂无'}")
    if top.get("graph_path"):
        lines.append(f"**图谱路径**：{graph_path(top['graph_path'])}")
    cites = list(dict.fromkeys(c for c in (_cite(c) for c in top.get("citations", [])) if c))
    if cites:
        lines.append(f"**依据**：{'；'.join(cites)}")
    if not routing.get("available", bool(suggestions)):
        lines.append(f"> {WARN}分流降级：{routing.get('degraded') or '图谱未给出建议'}，请人工研判")
    if routing.get("escalation"):
        lines.append(f"**逐级上报**：{' → '.join(routing['escalation'])}")
    for w in result.get("warnings", []):
        lines.append(f"> {WARN}{w}")
    if result.get("mode"):
        lines.append(f"<small>模式：{MODES.get(result['mode'], result['mode'])}</small>")
    return "\n\n".join(lines)


def graph_path(path: list[str]) -> str:
    """宅基地纠纷 → 属于 → 土地纠纷 → 由…调解 → 某调委会 → 层级 → 镇: relation names in Chinese."""
    return " → ".join(RELATIONS.get(step, step) for step in path)


def _cite(c: dict[str, Any]) -> str:
    """A graph citation carries its own label (《劳动争议调解仲裁法》第10条, or a report's name)."""
    return str(c.get("label") or "")


SUITES = {
    "intake": "受理分类",
    "retrieval": "检索",
    "drafting": "协议书起草",
    "chat": "调解问答",
    "risk": "风险信号",
}
# Headline figures as an evaluator reads them; other keys stay in the HTML report and its JSON.
FIGURES = {
    "n": "用例数",
    "accuracy": "准确率",
    "macro_f1": "宏平均 F1",
    "ece": "校准误差 ECE",
    "coverage": "覆盖率（未转人工）",
    "covered_accuracy": "已覆盖部分准确率",
    "sub_type_accuracy": "子类准确率",
    "risk_accuracy": "风险颜色准确率",
    "recall@5": "Recall@5",
    "recall@10": "Recall@10",
    "mrr": "MRR",
    "ndcg@10": "nDCG@10",
    "citation_recall": "引用召回率",
    "citation_validity": "引用有效率",
    "out_of_domain_refusal": "域外问题拒答率",
    "completeness": "要素完整率",
    "fields_accounted": "要素已填或已提示",
    "warning_recall": "问题提示召回率",
    "invented_names": "编造姓名数",
    "invented_amounts": "编造金额数",
    "signal_recall": "风险信号召回率",
    "level_recall": "颜色不低于预期",
    "false_alarm_rate": "误报率",
}


def report_figures(data: Any) -> list[tuple[str, str]]:
    """(Chinese label, value) for the headline figures of a report's JSON, in FIGURES order."""
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("metrics"), dict):
        data = {**data, **data["metrics"]}
    out = []
    for key, label in FIGURES.items():
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append((label, f"{value:.3f}" if isinstance(value, float) else str(value)))
    return out


def render_report(report: dict[str, Any] | None) -> tuple[str, str]:
    """(markdown summary, html body) of the newest report, or the friendly empty state.

    No server path and no raw key table: the suite's name, when it ran, and its headline figures in Chinese.
    """
    if not report:
        return EMPTY_REPORT, ""
    raw = report.get("json")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    raw_meta = data.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    suite = str(data.get("suite") or meta.get("suite") or data.get("name") or "")
    lines = [f"### 最新评测报告：{SUITES.get(suite, suite or '评测')}"]
    if meta.get("created"):
        lines.append(f"<small>生成时间：{str(meta['created']).replace('T', ' ')[:19]}</small>")
    if report.get("error"):
        lines.append(f"> {WARN}{report['error']}")
    figures = report_figures(data)
    if figures:
        lines += ["", "| 关键指标 | 数值 |", "|---|---|"]
        lines += [f"| {label} | {value} |" for label, value in figures]
    return "\n".join(lines), str(report.get("html", ""))


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


CITE_RE = re.compile(r"\[(\d{1,2})\]")


def link_citations(answer: str, sources: list[dict[str, Any]]) -> str:
    """[n] -> a link that opens source n in the side panel (ui/app.py's page script clicks its entry).

    Only numbers that name a listed source become links; "[7]" with six sources stays text.
    """
    numbers = {int(s["n"]) for s in sources if "n" in s}
    return CITE_RE.sub(
        lambda m: f"[[{m.group(1)}]](#cite-{m.group(1)})" if int(m.group(1)) in numbers else m.group(0),
        answer,
    )
