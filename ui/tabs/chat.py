"""调解助手: the mediator's chat; the answer streams in and its numbered sources fill the side panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from ui.client import BrainClient, UIError
from ui.render import WARN, link_citations, render_document, source_label

HINT_EMPTY = "<span class='quiet-hint'>请先在上面输入问题，再点“提问”。</span>"
HINT_NO_THREAD = "<span class='quiet-hint'>请先粘贴会话编号，再点“载入会话”。</span>"
EXAMPLE_QUESTIONS = ["有没有类似的宅基地纠纷案例？", "邻居装修噪音扰民适用哪条法律？", "拖欠工资怎么调解？"]


def build(client: BrainClient) -> None:
    sources_state = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            # autoscroll off: a long answer opens at its beginning, not scrolled to its last line
            chatbot = gr.Chatbot(
                label="对话", height=460, elem_id="chatbot", buttons=["copy"], autoscroll=False
            )
            question = gr.Textbox(
                label="问题", placeholder=EXAMPLE_QUESTIONS[0], elem_id="chat-input", lines=2
            )
            with gr.Row():
                send = gr.Button("提问", variant="primary", elem_id="chat-send")
                new = gr.Button("新会话", elem_id="chat-new")
            hint = gr.Markdown("", elem_id="chat-hint")
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
        if not (message or "").strip():  # a quiet hint, not an error toast
            yield history, thread_id, gr.update(), gr.update(), message, HINT_EMPTY
            return
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
                yield history, thread_id, gr.update(), sources, "", ""
        except UIError as e:
            history[-1]["content"] = f"{WARN}{e}"
        if sources and history[-1]["content"]:
            history[-1]["content"] = link_citations(history[-1]["content"], sources)
        labels = [source_label(s) for s in sources]
        yield history, thread_id, gr.update(choices=labels, value=None), sources, "", ""

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
        if not thread_id.strip():
            return gr.update(), gr.update(), gr.update(), HINT_NO_THREAD
        try:
            turns = client.chat_history(thread_id.strip())
        except UIError as e:
            return gr.update(), gr.update(), gr.update(), f"{WARN}{e}"
        history = [
            {
                "role": t["role"],
                "content": link_citations(t["content"], t.get("sources") or [])
                if t["role"] == "assistant"
                else t["content"],
            }
            for t in turns
        ]
        sources: list[dict[str, Any]] = next(
            (t["sources"] for t in reversed(turns) if t["role"] == "assistant"), []
        )
        return history, gr.update(choices=[source_label(s) for s in sources], value=None), sources, ""

    load_btn.click(load_thread, thread, [chatbot, picker, sources_state, hint])
    outputs = [chatbot, thread, picker, sources_state, question, hint]
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
