"""协议起草: a short form -> 人民调解协议书 preview -> DOCX/PDF download."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from ui.client import BrainClient, UIError
from ui.render import WARN, agreement_form_problem, parse_terms


def build(client: BrainClient) -> None:
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
        hidden = gr.update(visible=False)
        problem = agreement_form_problem(facts_in, a, b, terms_in)
        if problem:
            return "", f"<span class='quiet-hint'>{problem}</span>", hidden, hidden
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
