"""``brain intake "投诉内容" [--json]``: the intake result for one complaint."""

from __future__ import annotations

import typer

from brain.cli._common import ProfileOption, brain_session, console, fail, print_json


def register(app: typer.Typer) -> None:
    @app.command("intake")
    def intake(
        text: str = typer.Argument(..., help="投诉/纠纷描述"),
        as_json: bool = typer.Option(False, "--json", help="输出完整 JSON 结果"),
        level: str = typer.Option("村", "--level", help="受理层级"),
        source: str | None = typer.Option(None, "--source", help="受理来源：来访/警情/诉前/信访…"),
        mode: str = typer.Option("auto", "--mode", help="auto / deterministic / llm"),
        profile: str = ProfileOption,
    ) -> None:
        """受理研判：纠纷类型、风险颜色、难易程度、要素、分流建议与调解策略。"""
        from pydantic import ValidationError

        from brain.agents.intake.schema import IntakeRequest

        with brain_session(profile) as brain:
            try:
                req = IntakeRequest.model_validate(
                    {"text": text, "level": level, "source": source, "mode": mode}
                )
            except ValidationError as e:
                fail(
                    "；".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()), code=2
                )
            result = brain.intake(req)
        if as_json:
            print_json(result)
            return
        c, r = result.classification, result.risk
        from rich.console import Console

        out = Console()
        out.print(
            f"[bold]类型[/bold]：{c.label}"
            + (f" / {c.sub_type}" if c.sub_type else "")
            + f"（置信度 {c.confidence:.2f}，模式 {result.mode}）"
        )
        out.print(f"[bold]风险[/bold]：{r.level}色　[bold]难度[/bold]：{r.difficulty}")
        for s in r.signals:
            out.print(f"  · {s.name}：{s.evidence}")
        f = result.facts
        if f.parties or f.amounts or f.dates or f.places:
            out.print(
                "[bold]要素[/bold]："
                + "；".join(
                    [
                        *(f"{p.role}{p.name or ''}" for p in f.parties),
                        *(a.text for a in f.amounts),
                        *(d.text for d in f.dates),
                        *f.places,
                    ]
                )
            )
        if result.routing.suggestions:
            rt = result.routing
            out.print(
                f"[bold]主办层级[/bold]：{rt.level}　[bold]对接渠道[/bold]：{rt.channel or '无'}"
                f"　[bold]时限[/bold]：{rt.deadline.limit if rt.deadline else '-'}"
            )
            for sg in rt.suggestions[:4]:
                cites = "、".join(x.label for x in sg.citations)
                out.print(
                    f"[bold]分流[/bold]：{sg.level or ''} {sg.department or ''} {sg.mediation_body or ''} "
                    f"{sg.channel or ''} 时限 {sg.deadline or '-'}（依据 {cites}；路径 {' → '.join(sg.graph_path)}）"
                )
        elif result.routing.degraded:
            console.print(f"[yellow]分流：{result.routing.degraded}[/yellow]")
        for st in result.strategies.items[:3]:
            out.print(f"[bold]策略[/bold]：{st.title}")
        for w in result.warnings:
            console.print(f"[yellow]{w}[/yellow]")
