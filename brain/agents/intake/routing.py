"""Routing and strategies from the governance graph (:class:`brain.graph.GraphService`).

The graph answers *who* handles a type at which level (``routing_candidates``: one row per body, with the
rule's reason, its citation and the escalation steps from the intake level), *why* (``governing_articles``),
*by when* (``deadline`` by difficulty) and *how to escalate* (``escalation_chain``); intake sources
(``sources``) map onto the 诉调/警调/访调 channels. This module turns those rows into suggestions a clerk can
check: every suggestion carries its graph path and at least one citation — a statute article of the corpus
or one of the seed's published reports — or it is not shown.

Only GraphService's typed helpers are used: they are cached per (helper, arguments) inside GraphService and
invalidated when the seed version in the graph changes (``brain kg load``), so intake keeps no cache of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brain.agents.intake.schema import (
    Deadline,
    GraphCitation,
    RiskLevel,
    RouteSuggestion,
    Routing,
    Strategy,
)
from brain.agents.intake.taxonomy import read_seed_rows
from brain.errors import GraphUnavailableError, InputError
from knowledge_graph.models import parse_cite, statute_id

if TYPE_CHECKING:
    from brain.graph import GraphService

#: intake difficulty -> the graph's DeadlineRule name (the graph calls the consultation tier 政策咨询).
GRAPH_DIFFICULTY = {"咨询": "政策咨询"}

#: Words in a complaint that say where it came from, beyond the graph's own source aliases. Each maps onto
#: a source of ``channels.yaml``; the graph then says which channel that source is diverted through.
SOURCE_CUES: dict[str, tuple[str, ...]] = {
    "警情": ("报警", "报了警", "110", "派出所", "民警", "出警", "警察"),
    "诉前": ("法院", "起诉", "立案", "诉讼", "打官司"),
    "信访": ("信访", "上访", "来信", "信访局"),
}


@dataclass(frozen=True)
class LevelInfo:
    name: str
    rank: int


class RoutePlanner:
    """Builds :class:`Routing` and graph strategies from the graph's answers and the seed's levels/reports
    (read from the seed files so that a bad level is a 422 even with the graph down)."""

    def __init__(self, graph: GraphService, seed_dir: Path) -> None:
        self.graph = graph
        self.levels: dict[str, LevelInfo] = {}
        for row in read_seed_rows(seed_dir, "levels.yaml", "levels"):
            info = LevelInfo(row.name, row.rank)
            for label in (info.name, *row.aliases):
                self.levels[label] = info
        self.reports = {r.key: r.title for r in read_seed_rows(seed_dir, "reports.yaml", "reports")}

    # ------------------------------------------------------------------ inputs
    def level(self, name: str) -> LevelInfo:
        info = self.levels.get(name.strip())
        if info is None:
            known = sorted({i.name for i in self.levels.values()}, key=lambda n: self.levels[n].rank)
            raise InputError(
                f"受理层级“{name}”不存在",
                where="level",
                hint=f"可用层级：{'/'.join(known)}（或其别名，如 社区、街道、区）",
            )
        return info

    def citation(
        self, cite: str | None, quote: str | None = None, why: str | None = None
    ) -> GraphCitation | None:
        """A graph ``cite`` string as a citation; None for a missing or malformed one (then not shown)."""
        if not cite:
            return None
        try:
            kind, law_or_key, key = parse_cite(cite)
        except ValueError:
            return None
        if kind == "report":
            title = self.reports.get(law_or_key, law_or_key)
            return GraphCitation(
                kind="report", label=f"报告：{title}", report=law_or_key, quote=quote, why=why
            )
        num = key.replace("-", "条之") if "-" in key else key
        return GraphCitation(
            kind="statute",
            label=f"《{law_or_key}》第{num}条",
            law=law_or_key,
            article=key,
            doc_id=statute_id(law_or_key, key),
            quote=quote,
            why=why,
        )

    # ------------------------------------------------------------------ routing
    def plan(
        self,
        dispute_type: str,
        *,
        level: str,
        region: str | None,
        source: str | None,
        text: str | None,
        risk_level: RiskLevel | None,
        difficulty: str | None,
    ) -> Routing:
        """Raises GraphUnavailableError when the graph cannot answer (the caller degrades)."""
        start = self.level(level)
        graph = self.graph
        rows = graph.routing_candidates(dispute_type, start.name, region)
        chain_rows = graph.escalation_chain(start.name)
        articles = [
            c
            for a in graph.governing_articles(dispute_type)
            if (c := self.citation(f"{a['law']} 第{a['article']}条", why=a.get("why"))) is not None
        ]
        deadline = self._deadline(graph, difficulty)
        channel, channel_reasons = self._channel(graph, source, text)

        target, level_reasons = self._target_level(start, chain_rows, risk_level, difficulty)
        escalation = [start.name, *(str(r["level"]) for r in chain_rows)]
        suggestions = []
        for row in rows:
            s = self._suggestion(row, start, escalation, articles, target, channel, deadline)
            if s is not None:
                suggestions.append(s)
        suggestions.sort(key=lambda s: -s.confidence)
        if not suggestions:
            return Routing(
                available=False,
                degraded=f"图谱中没有“{dispute_type}”自{start.name}级起带依据的分流路径，请人工分派",
                escalation=escalation,
                deadline=deadline,
            )
        top = suggestions[0]
        level_reasons.append(
            f"首选 {top.department or top.mediation_body}（{top.level}级）：{top.reasons[0]}"
        )
        return Routing(
            available=True,
            level=top.level,
            level_reasons=level_reasons,
            channel=channel,
            channel_reasons=channel_reasons,
            deadline=deadline,
            suggestions=suggestions,
            escalation=escalation,
        )

    def _target_level(
        self,
        start: LevelInfo,
        chain: list[dict[str, Any]],
        risk_level: RiskLevel | None,
        difficulty: str | None,
    ) -> tuple[LevelInfo, list[str]]:
        """The lowest level that should lead: the intake level, raised for high risk or a hard case
        (村级灭火、镇级攻坚、区级兜底). Returns it with the reasons, quoting the graph's escalation reason."""
        reasons = [f"受理层级：{start.name}"]
        want, why = start.rank, ""
        if risk_level == "红" or difficulty == "重大":
            want, why = 3, f"风险{risk_level or '-'}色、难度{difficulty or '-'}：重大风险由县级兜底、领导包案"
        elif risk_level == "橙" or difficulty == "复杂":
            want, why = 2, f"风险{risk_level or '-'}色、难度{difficulty or '-'}：疑难复杂纠纷提交乡镇攻坚"
        if want <= start.rank:
            reasons.append("风险与难度未超出本级处置能力，就地化解（小事不出村、大事不出镇）")
            return start, reasons
        for row in chain:
            if int(row["rank"]) >= want:
                reasons.append(f"{why}；提级理由：{row['reason']}")
                return LevelInfo(str(row["level"]), int(row["rank"])), reasons
        return start, reasons

    def _suggestion(
        self,
        row: dict[str, Any],
        start: LevelInfo,
        escalation: list[str],
        articles: list[GraphCitation],
        target: LevelInfo,
        channel: str | None,
        deadline: Deadline | None,
    ) -> RouteSuggestion | None:
        """One candidate row as a suggestion, or None when it has no citation (then it is not shown).

        The score orders suggestions: a type-specific rule (priority 1) before the general graded chain
        (priority 2) before fall-backs (3), nearer levels first, and nothing below the target level first.
        """
        own = self.citation(row.get("cite"), row.get("quote"), row.get("reason"))
        cites: list[GraphCitation] = []
        for c in (own, *articles):  # the rule's own article may also be one of the type's: cite it once
            if c is not None and c.label not in {x.label for x in cites} and len(cites) < 3:
                cites.append(c)
        if not cites or not row.get("org"):
            return None
        path = [str(row["dispute_type"])]
        if row.get("via_type") and row["via_type"] != row["dispute_type"]:
            path += ["SUBTYPE_OF", str(row["via_type"])]
        path += [str(row["relation"]), str(row["org"]), "AT_LEVEL", str(row["level"])]
        step = int(row.get("step") or 0)
        rank = int(row.get("level_rank") or start.rank)
        score = 0.95 - 0.15 * (int(row.get("priority") or 2) - 1) - 0.05 * step
        if rank < target.rank:
            score -= 0.4
        reasons = [str(row.get("reason") or "")]
        reasons.append(f"规则：{row.get('rule') or '图谱'}（优先级 {row.get('priority')}）")
        if step and row.get("step_reason"):
            reasons.append(f"提级：{row['step_reason']}")
        is_dept = row.get("relation") == "HANDLED_BY"
        return RouteSuggestion(
            department=str(row["org"]) if is_dept else None,
            mediation_body=None if is_dept else str(row["org"]),
            level=str(row["level"]),
            channel=channel,
            deadline=deadline.limit if deadline else None,
            confidence=round(min(1.0, max(0.05, score)), 3),
            graph_path=path,
            escalation_path=escalation[: step + 1],
            citations=cites,
            reasons=reasons,
        )

    def _deadline(self, graph: GraphService, difficulty: str | None) -> Deadline | None:
        if not difficulty:
            return None
        row = graph.deadline(GRAPH_DIFFICULTY.get(difficulty, difficulty))
        if not row:
            return None
        reasons = [f"难度“{difficulty}”：{row.get('description') or row['limit']}"]
        if row.get("routing_limit"):
            reasons.append(f"受理后{row['routing_limit']}")
        return Deadline(
            difficulty=str(row["difficulty"]),
            limit=str(row["limit"]),
            max_days=row.get("max_days"),
            routing_limit=row.get("routing_limit"),
            citation=self.citation(row.get("cite"), row.get("quote")),
            reasons=reasons,
        )

    def _channel(
        self, graph: GraphService, source: str | None, text: str | None
    ) -> tuple[str | None, list[str]]:
        """诉调/警调/访调: from the given intake source, else from cues in the (redacted) text."""
        rows = graph.sources()
        by_label: dict[str, dict[str, Any]] = {}
        for r in rows:
            for label in (r["source"], *(r.get("aliases") or [])):
                by_label[str(label)] = r
        if source:
            row = by_label.get(source.strip())
            if row is None:
                raise InputError(
                    f"受理来源“{source}”不在图谱中",
                    where="source",
                    hint=f"可用来源：{'、'.join(sorted(str(r['source']) for r in rows))}",
                )
            return _channel_of(row, f"受理来源：{row['source']}")
        if text:
            for name, cues in SOURCE_CUES.items():
                row = next((r for r in rows if r["source"] == name), None)
                if row is None:
                    continue
                for cue in (*cues, *(row.get("aliases") or [])):
                    if cue in text:
                        return _channel_of(row, f"投诉中提到“{cue}”，按{name}来源处理")
        return None, ["未指明来自法院、公安或信访，按群众直接反映受理，无需对接渠道"]

    # ------------------------------------------------------------------ strategies
    def strategies(self, dispute_type: str) -> list[Strategy]:
        out = []
        for row in self.graph.strategies(dispute_type):
            cite = self.citation(row.get("cite"), row.get("quote"))
            out.append(
                Strategy(
                    title=str(row["name"]),
                    text=str(row.get("description") or ""),
                    source="graph",
                    graph_path=[dispute_type, "SUGGESTS", str(row["name"])],
                    citations=[cite] if cite else [],
                    steps=[str(s) for s in row.get("steps") or []],
                )
            )
        return out


def _channel_of(row: dict[str, Any], why: str) -> tuple[str | None, list[str]]:
    channel = row.get("channel")
    if not channel:
        return None, [f"{why}；该来源无需诉调/警调/访调对接"]
    rate = row.get("channel_success_rate")
    note = f"（{row.get('rate_note')} {rate:.1%}）" if isinstance(rate, int | float) else ""
    return str(channel), [f"{why}，经{channel}分流至综治中心调处{note}"]


def plan_or_degrade(
    planner: RoutePlanner,
    dispute_type: str,
    *,
    level: str = "村",
    region: str | None = None,
    source: str | None = None,
    text: str | None = None,
    risk_level: RiskLevel | None = None,
    difficulty: str | None = None,
) -> Routing:
    """:meth:`RoutePlanner.plan`, or ``available=false`` with the reason in Chinese when the graph cannot
    answer; bad input (unknown level or source) still raises."""
    try:
        return planner.plan(
            dispute_type,
            level=level,
            region=region,
            source=source,
            text=text,
            risk_level=risk_level,
            difficulty=difficulty,
        )
    except GraphUnavailableError as e:
        return Routing(
            available=False, degraded=f"知识图谱服务不可用，暂无法给出分流建议：{e.message}（{e.hint}）"
        )
