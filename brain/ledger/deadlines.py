"""Deadlines (办理时限, 分流时限) from the graph's difficulty rules, and who should act when one is missed.

The rules are the governance graph's ``DeadlineRule`` nodes, loaded from the same seed file the graph is built
from (knowledge_graph/seed/deadline_rules.yaml, 巴中 practice): 政策咨询 现场解答 (0), 简易 当日办结 (0),
一般 5日内办理 (5 working days), 复杂 两个月内办结 (two calendar months, ending on a working day), 重大 领导包案
(no fixed limit), 分流 1个工作日内分流. When intake answered with the live graph's rule, that one is used (the
same data; the case records which).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from brain.errors import ConfigError
from brain.ledger.calendar import WorkCalendar

SEED_FILE = Path(__file__).resolve().parents[2] / "knowledge_graph" / "seed" / "deadline_rules.yaml"
#: intake difficulty -> graph rule name (the graph calls the consultation tier 政策咨询)
RULE_OF_DIFFICULTY = {
    "咨询": "政策咨询",
    "简易": "简易",
    "一般": "一般",
    "复杂": "复杂",
    "重大": "重大",
    "分流": "分流",
}
ROUTING_RULE = "分流"

#: who should act (督办) when a case at a level runs late: the centre one level up supervises.
SUPERVISOR = {
    "村": "乡镇综治中心",
    "乡镇": "县综治中心",
    "县": "县委政法委",
    "市": "市综治中心",
    "省": "省综治中心",
}


@dataclass(frozen=True)
class DeadlineRule:
    name: str
    limit: str
    max_days: int | None
    source: str

    @property
    def months(self) -> int:
        """Calendar months for a rule written in months (两个月内办结), else 0."""
        if "两个月" in self.limit or "2个月" in self.limit:
            return 2
        if "一个月" in self.limit or "1个月" in self.limit:
            return 1
        return 0


class Deadlines:
    def __init__(self, calendar: WorkCalendar, rules: dict[str, DeadlineRule]) -> None:
        self.calendar = calendar
        self.rules = rules
        # a due date depends only on the day of receipt and the rule: imports of many rows reuse it
        self._memo: dict[tuple[date, str, int | None], datetime | None] = {}

    @classmethod
    def load(cls, calendar: WorkCalendar, seed_file: Path = SEED_FILE) -> Deadlines:
        try:
            raw = yaml.safe_load(seed_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError("无法读取时限规则", where=str(seed_file), hint=str(e)) from e
        rules = {}
        for r in raw.get("deadline_rules", []):
            src = f"图谱时限规则“{r['name']}”（{r.get('cite', '')}：{r.get('quote', '')}）"
            rules[r["name"]] = DeadlineRule(r["name"], r["limit"], r.get("max_days"), src)
        if ROUTING_RULE not in rules:
            raise ConfigError("时限规则缺少“分流”", where=str(seed_file), hint="补充 1个工作日内分流 规则")
        return cls(calendar, rules)

    def rule_for(self, difficulty: str) -> DeadlineRule:
        name = RULE_OF_DIFFICULTY.get(difficulty, difficulty)
        rule = self.rules.get(name)
        if rule is None:
            raise ConfigError(
                f"难易程度“{difficulty}”没有时限规则", where=str(SEED_FILE), hint="补充对应规则"
            )
        return rule

    def due(self, received: datetime, difficulty: str, graph_max_days: int | None = None) -> datetime | None:
        """When the case becomes overdue; None for 领导包案 (no fixed limit)."""
        key = (received.date(), difficulty, graph_max_days)
        if key in self._memo:
            return self._memo[key]
        rule = self.rule_for(difficulty)
        days = graph_max_days if graph_max_days is not None else rule.max_days
        if rule.months:
            due: datetime | None = self.calendar.due_after(received, months=rule.months)
        elif days is None:
            due = None
        else:
            due = self.calendar.due_after(received, working_days=days)
        if len(self._memo) < 100_000:
            self._memo[key] = due
        return due

    def routing_due(self, received: datetime) -> datetime:
        due = self.due(received, ROUTING_RULE)
        assert due is not None
        return due


def supervisor_for(level: str, risk: str) -> str:
    """The suggested 督办: the centre above the case's level; red cases go to the county and a named leader."""
    base = SUPERVISOR.get(level, "县综治中心")
    if risk == "红":
        return (
            f"{base}（红色风险：县综治中心挂牌督办、领导包案）"
            if base != "县综治中心"
            else "县综治中心挂牌督办、领导包案"
        )
    return base
