"""The Gradio UI for mediators and intake clerks: five tabs over one :class:`~ui.client.BrainClient`.

* 调解助手 — chat; the answer streams in, its numbered sources fill the side panel, and picking one shows the
  article or case text.
* 受理分流 — paste a complaint or upload a scan (OCR) -> type, risk colour, deadline, routing and graph path.
* 协议起草 — a short form -> 人民调解协议书 preview -> DOCX/PDF download.
* 台账 — the case ledger: filtered list (overdue in red), a case's timeline, its allowed moves as buttons
  (ui/ledger_tab.py).
* 评测 — the newest evaluation report under ``<state_dir>/reports``.

The page loads nothing from outside hosts: analytics are off and the theme uses locally installed fonts
(``gr.themes`` defaults would fetch Google Fonts), so it works on an offline government network.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from ui.client import BrainClient, UIError

TITLE = "枫桥智脑"
FONTS = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "monospace"]
# Coloured text, not emoji: the fonts on an offline office PC (and in CI) have no colour-emoji glyphs.
RISK_COLOURS = {"红": "#d32f2f", "橙": "#ef6c00", "黄": "#b59f00", "蓝": "#1565c0"}
WARN = "【注意】"
EXAMPLE_QUESTIONS = ["有没有类似的宅基地纠纷案例？", "邻居装修噪音扰民适用哪条法律？", "拖欠工资怎么调解？"]
EXAMPLE_COMPLAINT = "邻居王某装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。"
EMPTY_REPORT = "暂无评测报告。运行 `make eval`（或 `brain eval run …`）后，最新报告会显示在这里。"


def theme() -> gr.themes.Base:
    """System fonts only: a string font is used as-is, a ``GoogleFont`` would be fetched from the internet."""
    return gr.themes.Default(font=FONTS, font_mono=MONO_FONTS)


# ---------------------------------------------------------------------------------------------- rendering
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


# ---------------------------------------------------------------------------------------------- the page
def build_ui(client: BrainClient) -> gr.Blocks:
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE} · 调解与受理工作台")
        with gr.Tabs():
            with gr.Tab("调解助手", id="chat"):
                _chat_tab(client)
            with gr.Tab("受理分流", id="intake"):
                _intake_tab(client)
            with gr.Tab("协议起草", id="agreement"):
                _agreement_tab(client)
            with gr.Tab("台账", id="ledger"):
                from ui.ledger_tab import ledger_tab

                ledger_tab(client)
            with gr.Tab("评测", id="eval"):
                _eval_tab(client, demo)
            analysis = getattr(client, "analysis", None)
            if analysis is not None:
                from ui.tabs.analysis import build_tab

                with gr.Tab("态势研判", id="analysis"):
                    build_tab(analysis)
    return demo


def _chat_tab(client: BrainClient) -> None:
    sources_state = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="对话", height=460, elem_id="chatbot", buttons=["copy"])
            question = gr.Textbox(
                label="问题", placeholder=EXAMPLE_QUESTIONS[0], elem_id="chat-input", lines=2
            )
            with gr.Row():
                send = gr.Button("提问", variant="primary", elem_id="chat-send")
                new = gr.Button("新会话", elem_id="chat-new")
            gr.Examples(EXAMPLE_QUESTIONS, inputs=question, label="示例问题")
            with gr.Row():
                thread = gr.Textbox(
                    label="会话编号（自动生成；粘贴旧编号后点“载入会话”可继续）", elem_id="thread-id", scale=4
                )
                load_btn = gr.Button("载入会话", elem_id="chat-load", scale=1)
        with gr.Column(scale=2):
            picker = gr.Radio(label="引用来源（点击查看原文）", choices=[], elem_id="sources")
            viewer = gr.Markdown("在左侧提问后，回答中的 [n] 对应这里的来源。", elem_id="source-view")

    def ask(message: str, history: list[dict[str, Any]], thread_id: str) -> Iterator[tuple[Any, ...]]:
        history = list(history or [])
        if not (message or "").strip():
            raise gr.Error("请先输入问题")
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        sources: list[dict[str, Any]] = []
        try:
            for ev in client.chat(thread_id.strip() or None, message):
                kind, data = ev["event"], ev["data"]
                if kind == "meta":
                    thread_id = data["thread_id"]
                elif kind == "delta":
                    history[-1]["content"] += data["text"]
                elif kind == "reset":
                    history[-1]["content"] = ""
                elif kind == "sources":
                    sources = data["sources"]
                elif kind == "done":
                    history[-1]["content"] = data["answer"] + _flag_note(
                        data.get("flags", []), data.get("removed", [])
                    )
                yield history, thread_id, gr.update(), sources, ""
        except UIError as e:
            history[-1]["content"] = f"{WARN}{e}"
        labels = [source_label(s) for s in sources]
        yield history, thread_id, gr.update(choices=labels, value=None), sources, ""

    def show(label: str | None, sources: list[dict[str, Any]]) -> str:
        src = next((s for s in sources if source_label(s) == label), None)
        if src is None:
            return ""
        if src["kind"] in ("statute", "case"):
            try:
                return render_document(client.get_document(src["id"]))
            except UIError as e:
                return f"{WARN}原文暂不可读：{e}\n\n{src['snippet']}"
        return f"### {src['title']}\n\n{src['citation']}\n\n{src['snippet']}"

    def reset() -> tuple[Any, ...]:
        return [], "", gr.update(choices=[], value=None), [], ""

    def load_thread(thread_id: str) -> tuple[Any, ...]:
        """Show a saved thread (threads live on the server's disk, so this works after a restart)."""
        try:
            turns = client.chat_history(thread_id.strip()) if thread_id.strip() else []
        except UIError as e:
            raise gr.Error(str(e)) from e
        history = [{"role": t["role"], "content": t["content"]} for t in turns]
        sources: list[dict[str, Any]] = next(
            (t["sources"] for t in reversed(turns) if t["role"] == "assistant"), []
        )
        return history, gr.update(choices=[source_label(s) for s in sources], value=None), sources

    load_btn.click(load_thread, thread, [chatbot, picker, sources_state])
    outputs = [chatbot, thread, picker, sources_state, question]
    send.click(ask, [question, chatbot, thread], outputs)
    question.submit(ask, [question, chatbot, thread], outputs)
    new.click(reset, None, [chatbot, thread, picker, sources_state, viewer])
    picker.change(show, [picker, sources_state], viewer)


def _flag_note(flags: list[str], removed: list[str]) -> str:
    if "citations_removed" in flags:
        return f"\n\n> {WARN}已删除 {len(removed)} 处未能在法条库中核实（不存在或已失效）的引用：{'、'.join(removed)}"
    if "llm_fallback" in flags:
        return f"\n\n> {WARN}模型服务暂不可用，已改为检索摘录。"
    return ""


def _intake_tab(client: BrainClient) -> None:
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(
                label="纠纷描述（粘贴文字）", lines=7, elem_id="intake-text", placeholder=EXAMPLE_COMPLAINT
            )
            scan = gr.File(
                label="或上传扫描件（图片，自动识别文字）",
                file_types=["image"],
                type="binary",
                elem_id="intake-scan",
            )
            run = gr.Button("受理分流", variant="primary", elem_id="intake-run")
        with gr.Column():
            summary = gr.Markdown("结果将显示在这里。", elem_id="intake-summary")
            with gr.Accordion("完整结果（JSON）", open=False):
                raw = gr.JSON()

    def go(text_in: str, scan_bytes: bytes | None) -> tuple[str, dict[str, Any]]:
        try:
            if scan_bytes:
                result = client.intake_image(scan_bytes, "upload")
            elif (text_in or "").strip():
                result = client.intake(text_in)
            else:
                raise gr.Error("请粘贴纠纷描述，或上传一张扫描件")
        except UIError as e:
            return f"{WARN}{e}", {}
        return render_intake(result), result

    run.click(go, [text, scan], [summary, raw])


def _agreement_tab(client: BrainClient) -> None:
    with gr.Row():
        with gr.Column():
            facts = gr.Textbox(label="纠纷事实与争议事项", lines=5, elem_id="ag-facts")
            with gr.Row():
                party_a = gr.Textbox(label="当事人（申请人）", elem_id="ag-party-a")
                party_b = gr.Textbox(label="当事人（被申请人）", elem_id="ag-party-b")
            responsibility = gr.Textbox(label="各方责任", lines=2, elem_id="ag-responsibility")
            terms = gr.Textbox(label="达成的协议条款（每行一条）", lines=4, elem_id="ag-terms")
            with gr.Row():
                committee = gr.Textbox(label="人民调解委员会", elem_id="ag-committee")
                mediator = gr.Textbox(label="人民调解员", elem_id="ag-mediator")
            preview_btn = gr.Button("生成预览", variant="primary", elem_id="ag-preview")
        with gr.Column():
            preview = gr.Textbox(label="协议书预览", lines=18, interactive=False, elem_id="ag-text")
            notes = gr.Markdown(elem_id="ag-notes")
            with gr.Row():
                docx = gr.DownloadButton("下载 DOCX", visible=False, elem_id="ag-docx")
                pdf = gr.DownloadButton("下载 PDF", visible=False, elem_id="ag-pdf")

    def draft(
        facts_in: str, a: str, b: str, duty: str, terms_in: str, committee_in: str, mediator_in: str
    ) -> tuple[Any, ...]:
        parties = [
            {"role": role, "name": n.strip()} for role, n in (("申请人", a), ("被申请人", b)) if n.strip()
        ]
        request = {
            "facts": facts_in,
            "parties": parties,
            "responsibility": duty.strip() or None,
            "terms": parse_terms(terms_in),
            "committee_name": committee_in.strip() or None,
            "mediator": mediator_in.strip() or None,
        }
        try:
            result = client.draft_agreement(request)
            agreement = result["agreement"]
            files = [_write_temp(client.export_agreement(agreement, fmt), fmt) for fmt in ("docx", "pdf")]
        except UIError as e:
            hidden = gr.update(visible=False)
            return "", f"{WARN}{e}", hidden, hidden
        # every missing item also comes as a warning with a Chinese message (missing_fields are field names)
        issues = [f"- {w.get('message')}" for w in result.get("warnings", [])]
        note = ("**需要补充或核对：**\n" + "\n".join(issues)) if issues else "要素齐全。"
        return (
            result["text"],
            note,
            gr.update(value=files[0], visible=True),
            gr.update(value=files[1], visible=True),
        )

    preview_btn.click(
        draft,
        [facts, party_a, party_b, responsibility, terms, committee, mediator],
        [preview, notes, docx, pdf],
    )


def _write_temp(data: bytes, fmt: str) -> str:
    """Downloads are served from a per-process temp folder that Gradio is allowed to serve."""
    folder = Path(tempfile.gettempdir()) / "fengqiao-ui"
    folder.mkdir(exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="人民调解协议书-", suffix=f".{fmt}", dir=folder)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _eval_tab(client: BrainClient, demo: gr.Blocks) -> None:
    refresh = gr.Button("刷新", elem_id="eval-refresh")
    summary = gr.Markdown(EMPTY_REPORT, elem_id="eval-summary")
    body = gr.HTML(elem_id="eval-html")

    def load() -> tuple[str, str]:
        return render_report(client.latest_report())

    refresh.click(load, None, [summary, body])
    demo.load(load, None, [summary, body])
