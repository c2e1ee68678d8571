"""The Gradio UI for mediators and intake clerks: five tabs over one :class:`~ui.client.BrainClient`.

* 调解助手 — chat; the answer streams in, its numbered sources fill the side panel, and picking one shows the
  article or case text (``ui/tabs/chat.py``).
* 受理分流 — paste a complaint or upload a scan (OCR) -> type, risk colour, deadline, routing and graph path
  (``ui/tabs/intake.py``).
* 协议起草 — a short form -> 人民调解协议书 preview -> DOCX/PDF download (``ui/tabs/agreement.py``).
* 台账 — the case ledger: filtered list (overdue in red), a case's timeline, its allowed moves as buttons
  (``ui/tabs/ledger.py``).
* 态势研判 — map, trend, alerts with their cases, report button (``ui/tabs/analysis.py``).
* 评测 — the newest evaluation report under ``<state_dir>/reports`` (``ui/tabs/evaluation.py``).

Rendering of results lives in ``ui/render.py``. The page loads nothing from outside hosts: analytics are off
and the theme uses locally installed fonts (``gr.themes`` defaults would fetch Google Fonts), so it works on an
offline government network.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from ui.client import BrainClient
from ui.render import (  # re-exported: callers and tests import these from ui.app
    EMPTY_REPORT,
    RISK_COLOURS,
    WARN,
    parse_terms,
    render_document,
    render_intake,
    render_report,
    risk_badge,
    source_label,
)
from ui.tabs import agreement, chat, evaluation, intake, ledger

__all__ = [
    "CSS",
    "EMPTY_REPORT",
    "HEAD",
    "RISK_COLOURS",
    "WARN",
    "build_ui",
    "parse_terms",
    "render_document",
    "render_intake",
    "render_report",
    "risk_badge",
    "source_label",
    "theme",
]

TITLE = "枫桥智脑"
FONTS = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "monospace"]


# [n] in an answer is a link to "#cite-n": clicking it picks source n in the side panel, which shows its text.
# Capture phase, so the chatbot's own link handling (a new tab) never sees the click.
HEAD = """<script>
document.addEventListener("click", function (ev) {
  var a = ev.target.closest && ev.target.closest('a[href^="#cite-"]');
  if (!a) return;
  ev.preventDefault(); ev.stopPropagation();
  var n = parseInt(a.getAttribute("href").slice(6), 10);
  var items = document.querySelectorAll("#sources label");
  if (items[n - 1]) { items[n - 1].click(); }
  var view = document.getElementById("source-view");
  if (view) { view.scrollIntoView({block: "nearest"}); }
}, true);
</script>"""
CSS = (
    ".quiet-hint { color: #666; font-size: 0.95em; }"
    " #chatbot a[href^='#cite-'] { color: #1565c0; text-decoration: none; font-weight: 600; cursor: pointer; }"
)


def theme() -> gr.themes.Base:
    """System fonts only: a string font is used as-is, a ``GoogleFont`` would be fetched from the internet."""
    return gr.themes.Default(font=FONTS, font_mono=MONO_FONTS)


def build_ui(client: BrainClient) -> gr.Blocks:
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE} · 调解与受理工作台")
        with gr.Tabs():
            with gr.Tab("调解助手", id="chat"):
                chat.build(client)
            with gr.Tab("受理分流", id="intake"):
                intake.build(client)
            with gr.Tab("协议起草", id="agreement"):
                agreement.build(client)
            with gr.Tab("台账", id="ledger"):
                ledger.build(client)
            analysis = getattr(client, "analysis", None)
            if analysis is not None:
                from ui.tabs.analysis import build_tab

                with gr.Tab("态势研判", id="analysis"):
                    build_tab(analysis)
            with gr.Tab("评测", id="eval"):
                evaluation.build(client, demo)
    return demo
