"""UI tab 态势研判: the 平安地图 and the trend (from a 研判报告), the alert list with each alert's cases, and a
report button (HTML/PDF download). It is handed an :class:`AnalysisClient` (plain dicts in and out):
:class:`HttpAnalysisClient` over the API, or the facade adapter ``brain.api.analysis_ui.AnalysisFacadeClient``."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

KINDS = {
    "": "全部",
    "hotspot": "热点",
    "emerging": "苗头",
    "collective": "群体性苗头",
    "repeat": "重复访",
    "duplicate": "重复投诉",
    "escalation": "民转刑风险",
    "rebound": "易反弹",
}
LEVEL_COLOURS = {"红": "#d32f2f", "橙": "#ef6c00", "蓝": "#1565c0"}


class AnalysisClient(Protocol):
    def alerts(self, query: dict[str, Any]) -> dict[str, Any]: ...

    def report(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def report_file(self, report_id: str, fmt: str) -> bytes: ...


class HttpAnalysisClient:
    def __init__(self, http: Any) -> None:
        self._http = http

    def _ok(self, resp: Any) -> Any:
        if resp.status_code >= 400:
            from ui.client import UIError

            try:
                detail = resp.json().get("detail", resp.text)
            except ValueError:
                detail = resp.text
            raise UIError(f"服务返回 {resp.status_code}：{detail}")
        return resp

    def alerts(self, query: dict[str, Any]) -> dict[str, Any]:
        return dict(
            self._ok(self._http.get("/v1/alerts", params={k: v for k, v in query.items() if v})).json()
        )

    def report(self, request: dict[str, Any]) -> dict[str, Any]:
        return dict(self._ok(self._http.post("/v1/reports", json=request)).json())

    def report_file(self, report_id: str, fmt: str) -> bytes:
        return bytes(self._ok(self._http.get(f"/v1/reports/{report_id}/{fmt}")).content)


def render_alerts(page: dict[str, Any]) -> tuple[list[list[str]], str]:
    rows = [
        [
            a["id"],
            KINDS.get(a["kind"], a["kind"]),
            a["level"],
            a["title"],
            str(len(a["case_ids"])),
            a["created_at"][:16].replace("T", " "),
        ]
        for a in page.get("items", [])
    ]
    md = [f"共 {page.get('total', 0)} 条预警。"]
    for a in page.get("items", [])[:20]:
        colour = LEVEL_COLOURS.get(a["level"], "#333")
        md.append(
            f'<div class="alert-item"><b style="color:{colour}">{a["level"]}色</b> {a["title"]}<br>'
            f"<small>依据：{a['rule']}<br>案件：{'、'.join(a['case_ids'][:12])}</small></div>"
        )
    return rows, "\n".join(md)


def _image(data: bytes) -> str:
    return f'<img class="plot" style="max-width:100%" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def build_tab(client: AnalysisClient) -> None:
    from ui.client import UIError

    with gr.Row():
        level = gr.Dropdown(["县", "镇"], value="县", label="层级", elem_id="an-level")
        place = gr.Textbox(value="清溪县", label="地点（县或乡镇）", elem_id="an-place")
        period = gr.Dropdown(
            ["week", "half-month", "month"], value="month", label="周期", elem_id="an-period"
        )
        make = gr.Button("生成研判报告", variant="primary", elem_id="an-report")
    with gr.Row():
        kind = gr.Dropdown(list(KINDS.values()), value="全部", label="预警类别", elem_id="an-kind")
        colour = gr.Dropdown(["全部", "红", "橙", "蓝"], value="全部", label="等级", elem_id="an-colour")
        refresh = gr.Button("刷新预警", elem_id="an-refresh")
    with gr.Row():
        with gr.Column():
            plots = gr.HTML(elem_id="an-plots")
            files = gr.DownloadButton("下载 PDF", visible=False, elem_id="an-pdf")
        with gr.Column():
            table = gr.Dataframe(
                headers=["编号", "类别", "等级", "内容", "案件数", "时间"],
                interactive=False,
                elem_id="an-alerts",
            )
            detail = gr.HTML(elem_id="an-detail")

    def load_alerts(kind_label: str, colour_in: str, place_in: str) -> tuple[Any, str]:
        code = next((k for k, v in KINDS.items() if v == kind_label), "")
        try:
            page = client.alerts(
                {
                    "kind": code or None,
                    "level": None if colour_in == "全部" else colour_in,
                    "place": place_in.strip() or None,
                    "limit": 200,
                }
            )
        except UIError as e:
            return [], f"【注意】{e}"
        return render_alerts(page)

    def report(level_in: str, place_in: str, period_in: str) -> tuple[str, Any]:
        try:
            rep = client.report(
                {
                    "level": level_in,
                    "place": place_in.strip(),
                    "period": period_in,
                    "formats": ["html", "pdf"],
                }
            )
            pdf = client.report_file(rep["id"], "pdf")
            html = client.report_file(rep["id"], "html").decode("utf-8")
        except UIError as e:
            return f"【注意】{e}", gr.update(visible=False)
        import re

        imgs = re.findall(r'<img class="plot" id="plot-(map|trend)"[^>]*src="([^"]+)"', html)
        head = f"<h4>{rep['title']}（{rep['start'][:10]} 至 {rep['end'][:10]}）</h4>"
        body = "".join(f'<img class="plot" style="max-width:100%" alt="{k}" src="{src}">' for k, src in imgs)
        folder = Path(tempfile.gettempdir()) / "fengqiao-ui"
        folder.mkdir(exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="研判报告-", suffix=".pdf", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        return head + body, gr.update(value=path, visible=True)

    refresh.click(load_alerts, [kind, colour, place], [table, detail])
    make.click(report, [level, place, period], [plots, files])
