"""评测: the newest evaluation report under ``<state_dir>/reports``."""

from __future__ import annotations

import gradio as gr

from ui.client import BrainClient
from ui.render import EMPTY_REPORT, render_report


def build(client: BrainClient, demo: gr.Blocks) -> None:
    refresh = gr.Button("刷新", elem_id="eval-refresh")
    summary = gr.Markdown(EMPTY_REPORT, elem_id="eval-summary")
    body = gr.HTML(elem_id="eval-html")

    def load() -> tuple[str, str]:
        return render_report(client.latest_report())

    refresh.click(load, None, [summary, body])
    demo.load(load, None, [summary, body])
