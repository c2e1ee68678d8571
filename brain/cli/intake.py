"""``brain intake "投诉内容" [--json]``: the intake result for one complaint."""

from __future__ import annotations

import typer

from brain.agents.intake.schema import IntakeRequest, IntakeResult
from brain.cli._common import ProfileOption, brain_session, console, fail, print_json

MODES = {
    "deterministic": "规则模式（未接入大模型）",
    "llm": "大模型模式",
    "fallback": "大模型不可用，已改用规则",
}
RELATIONS = {"SUBTYPE_OF": "属于", "MEDIATED_BY": "由…调解", "HANDLED_BY": "由…办理", "AT_LEVEL": "层级"}


def register(app: typer.Typer) -> None:
    @app.command("intake")
    def intake(
        text: str = typer.Argument(..., help="投诉/纠纷描述"),
        as_json: bool = typer.Option(False, "--json", help="输出完整 JSON 结果"),
        level: str = typer.Option("村", "--level", help="受理层级"),
        source: str | None = typer.Option(None, "--source", help="受理来源：来访/警情/诉前/信访…"),
        mode: str = typer.Option("auto", "--mode", help="auto / deterministic / llm"),
        profile: str = ProfileOption,
        url: str | None = typer.Option(
            None,
            "--url",
            help="使用已运行的服务（如 http://127.0.0.1:8000）；不加时本命令自行启动图谱服务，约需 5–8 秒",
        ),
        api_key: str | None = typer.Option(None, "--api-key", envvar="BRAIN_API_KEY", help="服务密钥"),
    ) -> None:
        """受理研判：纠纷类型、风险颜色、难易程度、要素、分流建议与调解策略。

        不加 --url 时，每次运行都要启动内嵌图谱服务（约 5–8 秒）；服务已在运行（make run）时加
        --url http://127.0.0.1:8000，结果即时返回。
        """
        from pydantic import ValidationError

        body = {"text": text, "level": level, "source": source, "mode": mode}
        try:
            req = IntakeRequest.model_validate(body)
        except ValidationError as e:
            fail("；".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()), code=2)
        if url:
            from brain.cli.remote import post_json

            result = IntakeResult.model_validate(post_json(url, "/v1/intake", body, api_key))
        else:
            with brain_session(profile) as brain:
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
            + f"（置信度 {c.confidence:.2f}，{MODES.get(result.mode, result.mode)}）"
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
            for sug in rt.suggestions[:4]:
                cites = "、".join(x.label for x in sug.citations)
                path = " → ".join(RELATIONS.get(x, x) for x in sug.graph_path)
                out.print(
                    f"[bold]分流[/bold]：{sug.level or ''} {sug.department or ''} {sug.mediation_body or ''} "
                    f"{sug.channel or ''} 时限 {sug.deadline or '-'}（依据 {cites}；路径 {path}）"
                )
        elif result.routing.degraded:
            console.print(f"[yellow]分流：{result.routing.degraded}[/yellow]")
        for st in result.strategies.items[:3]:
            out.print(f"[bold]策略[/bold]：{st.title}")
        for w in result.warnings:
            console.print(f"[yellow]{w}[/yellow]")
