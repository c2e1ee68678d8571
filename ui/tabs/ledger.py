"""The 台账 tab: the case list with filters (overdue rows in red), a case's timeline, and its allowed next
moves as buttons; unacknowledged alerts with the suggested 督办 beside it. Talks only to the client."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ui.client import BrainClient, UIError

MOVES = ["分流", "开始调处", "化解", "未化解", "提级", "退回", "回访", "归档", "反弹", "备注"]
STATUSES = ["", "登记", "已分流", "调处中", "已化解", "未化解", "回访中", "已归档"]
RISK_COLOURS = {"红": "#d32f2f", "橙": "#ef6c00", "黄": "#b59f00", "蓝": "#1565c0"}
OVERDUE = "#fde7e7"
LATE_TEXT = "#b71c1c"


def _t(v: Any) -> str:
    return str(v or "")[:16].replace("T", " ")


def render_cases(page: dict[str, Any]) -> str:
    items = page.get("items", [])
    if not items:
        return "<p>没有符合条件的案件。</p>"
    rows = []
    for c in items:
        late = bool(c.get("overdue"))
        # inline styles on each cell: the page's table CSS would override a row-level colour
        cell = f' style="color:{LATE_TEXT}"' if late else ""
        colour = RISK_COLOURS.get(c.get("risk", ""), "#555")
        place = f"{c['place'].get('town') or ''}{c['place'].get('village') or ''}"
        values = [
            str(c["id"]),
            _t(c["received_at"]),
            html.escape(place),
            html.escape(c["type"]),
            None,
            c["status"],
            _t(c.get("due_at")) or "领导包案",
            "超期" if late else "",
        ]
        tds = "".join(
            f'<td style="color:{colour};font-weight:bold">{c["risk"]}</td>'
            if v is None
            else f"<td{cell}>{v}</td>"
            for v in values
        )
        style = f' style="background:{OVERDUE}"' if late else ""
        rows.append(f'<tr class="case-row{" overdue" if late else ""}"{style}>{tds}</tr>')
    head = "<tr><th>编号</th><th>受理时间</th><th>地点</th><th>类型</th><th>风险</th><th>状态</th><th>期限</th><th></th></tr>"
    return f'<table id="ledger-table" style="width:100%">{head}{"".join(rows)}</table>'


def render_case(case: dict[str, Any]) -> str:
    place = f"{case['place'].get('county', '')}{case['place'].get('town') or ''}{case['place'].get('village') or ''}"
    late = "（已超期）" if case.get("overdue") else ""
    lines = [
        f"### 案件 {case['id']}：{case['type']}（{case['risk']}色，{case['difficulty']}）— {case['status']}{late}",
        f"- 受理：{_t(case['received_at'])}，{case['source']}，{place}",
        f"- 承办：{case.get('assignee') or '未指定'}（{case['level']}级）；办理期限：{_t(case.get('due_at')) or '领导包案'}",
        f"- 期限依据：{case.get('deadline_source') or ''}",
        f"- 内容（脱敏）：{case['text_redacted']}",
        "",
        "#### 时间线",
    ]
    for e in case.get("events", []):
        arrow = f"{e['from_status']} → {e['to_status']}" if e.get("from_status") else e["to_status"]
        extra = "；".join(x for x in (e.get("assignee"), e.get("note")) if x)
        lines.append(f"- {_t(e['at'])} **{e['type']}**（{arrow}）{e['actor']}{'：' + extra if extra else ''}")
    if case.get("followups"):
        lines.append("#### 回访")
        for f in case["followups"]:
            lines.append(f"- 第{f['seq']}次 {_t(f['due_at'])} {f['rule']}：{f.get('outcome') or '待回访'}")
    return "\n".join(lines)


def render_alerts(page: dict[str, Any]) -> str:
    items = page.get("items", [])
    if not items:
        return "暂无未确认预警。"
    return "\n".join(f"- **{a['kind']}** {html.escape(a['message'])}" for a in items[:20])


def build(client: BrainClient) -> None:
    with gr.Row():
        status = gr.Dropdown(STATUSES, value="", label="状态", elem_id="ledger-status")
        town = gr.Textbox(label="乡镇", elem_id="ledger-town")
        type_ = gr.Textbox(label="纠纷类型", elem_id="ledger-type")
        risk = gr.Dropdown(["", "红", "橙", "黄", "蓝"], value="", label="风险")
        overdue = gr.Checkbox(label="只看超期", elem_id="ledger-overdue")
        search = gr.Button("查询", variant="primary", elem_id="ledger-search")
    cursor = gr.State(None)
    table = gr.HTML("点击“查询”列出案件。", elem_id="ledger-list")
    more = gr.Button("下一页", elem_id="ledger-next")
    with gr.Row():
        with gr.Column(scale=3):
            case_id = gr.Number(label="案件编号", precision=0, elem_id="ledger-case-id")
            open_btn = gr.Button("打开案件", elem_id="ledger-open")
            detail = gr.Markdown(elem_id="ledger-case")
            version = gr.State(0)
            note = gr.Textbox(label="备注 / 承办单位说明", elem_id="ledger-note")
            assignee = gr.Textbox(label="承办单位（分流、提级时）", elem_id="ledger-assignee")
            with gr.Row():
                buttons = [
                    gr.Button(m, visible=False, elem_id=f"ledger-move-{i}") for i, m in enumerate(MOVES)
                ]
            message = gr.Markdown(elem_id="ledger-message")
        with gr.Column(scale=2):
            gr.Markdown("#### 预警与建议督办")
            alerts = gr.Markdown(elem_id="ledger-alerts")
            refresh = gr.Button("刷新预警", elem_id="ledger-alerts-refresh")

    def query(st: str, tw: str, ty: str, rk: str, od: bool, cur: str | None) -> tuple[str, str | None]:
        params: dict[str, Any] = {
            "status": st or None,
            "town": tw or None,
            "type": ty or None,
            "risk": rk or None,
            "cursor": cur,
        }
        if od:
            params["overdue"] = True
        try:
            page = client.list_cases({k: v for k, v in params.items() if v is not None})
        except UIError as e:
            return f"<p>{html.escape(str(e))}</p>", None
        return render_cases(page), page.get("next_cursor")

    def first(st: str, tw: str, ty: str, rk: str, od: bool) -> tuple[str, str | None]:
        return query(st, tw, ty, rk, od, None)

    def show(cid: float | None) -> list[Any]:
        if not cid:
            return ["请输入案件编号", 0, *[gr.update(visible=False)] * len(MOVES), ""]
        try:
            case = client.get_case(int(cid))
        except UIError as e:
            return [str(e), 0, *[gr.update(visible=False)] * len(MOVES), ""]
        allowed = set(case.get("allowed_moves", []))
        return [render_case(case), case["version"], *[gr.update(visible=m in allowed) for m in MOVES], ""]

    def act(move: str) -> Any:
        def run(cid: float | None, ver: int, nt: str, asg: str) -> list[Any]:
            if not cid:
                return [gr.update(), ver, *[gr.update()] * len(MOVES), "请先打开案件"]
            try:
                client.case_event(
                    int(cid), {"type": move, "version": ver, "note": nt or None, "assignee": asg or None}
                )
            except UIError as e:
                return [gr.update(), ver, *[gr.update()] * len(MOVES), f"【未执行】{e}"]
            out = show(cid)
            out[-1] = f"已执行：{move}"
            return out

        return run

    def load_alerts() -> str:
        try:
            return render_alerts(client.list_alerts({}))
        except UIError as e:
            return str(e)

    search.click(first, [status, town, type_, risk, overdue], [table, cursor]).then(load_alerts, [], [alerts])
    more.click(query, [status, town, type_, risk, overdue, cursor], [table, cursor])
    outputs = [detail, version, *buttons, message]
    open_btn.click(show, [case_id], outputs)
    for m, b in zip(MOVES, buttons, strict=True):
        b.click(act(m), [case_id, version, note, assignee], outputs)
    refresh.click(load_alerts, [], [alerts])
