"""受理分流: paste a complaint or upload a scan (OCR) -> type, risk colour, deadline, routing, graph path."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.client import BrainClient, UIError
from ui.render import WARN, render_intake

EXAMPLE_COMPLAINT = "邻居王某装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。"


def build(client: BrainClient) -> None:
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
            else:  # a quiet hint, not an error toast (and no traceback in the server log)
                return (
                    "<span class='quiet-hint'>请先粘贴纠纷描述，或上传一张扫描件，再点“受理分流”。</span>",
                    {},
                )
        except UIError as e:
            return f"{WARN}{e}", {}
        return render_intake(result), result

    run.click(go, [text, scan], [summary, raw])
