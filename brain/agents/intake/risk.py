"""Risk colour (红/橙/黄/蓝), difficulty (咨询/简易/一般/复杂/重大) and risk signals, by the rules the graph holds.

The signals come from ``knowledge_graph/seed/risk_signals.yaml`` (民转刑, 群体性, 极端言行, 易反弹, 重复信访 …):
each names the minimum colour of a complaint that shows it. Rules, not a model, because a clerk must be
able to see the exact words that turned a case red, and because a missed "扬言要杀了他" costs far more than
a false alarm. Negated mentions ("没有打人") are skipped so a reassurance does not raise the colour.
The difficulty starts from the type's usual difficulty in the taxonomy and is raised by the signals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from brain.agents.intake.schema import (
    DIFFICULTY_ORDER,
    RISK_ORDER,
    Difficulty,
    RiskAssessment,
    RiskLevel,
    RiskSignal,
)
from brain.agents.intake.taxonomy import SignalRule, TaxonomyIndex

_NEGATION = ("没有", "没", "并未", "未", "不会", "不是", "并没有", "从未", "无")
_CONSULT_RE = re.compile(r"(请问|咨询|想问|问一下|怎么办|如何|能否|可以吗|是否|吗[？?]?$)")
# Extra wording for the same categories, for phrasings the seed keywords do not list (kept small on purpose).
_EXTRA: dict[str, tuple[str, ...]] = {
    "扬言报复": ("要杀了", "杀了你", "杀了她", "砍死", "捅死", "弄死你", "要他的命", "要你的命"),
    "群体性聚集": ("集体上访", "十几户", "几十户", "全村人", "上百名"),
}


# Signals named 已发生… state a fact; "扬言要动手打人" is a threat (caught by 扬言报复), not a fight that happened.
_INTENT = ("扬言要", "扬言", "威胁要", "威胁", "说要", "想要", "要", "准备", "打算", "企图")


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 3) : start]
    return any(window.endswith(n) for n in _NEGATION)


def _intended(text: str, start: int) -> bool:
    """The keyword names something only threatened or planned ("扬言要动手打人", "准备打人")."""
    window = text[max(0, start - 5) : start]
    return any(window.endswith(m) or window.endswith(m + "动手") for m in _INTENT)


def detect_signals(text: str, rules: Sequence[SignalRule]) -> list[RiskSignal]:
    found: list[RiskSignal] = []
    for rule in rules:
        factual = rule.name.startswith("已发生")
        for kw in (*rule.keywords, *_EXTRA.get(rule.name, ())):
            start = text.find(kw)
            while start != -1 and (_negated(text, start) or (factual and _intended(text, start))):
                start = text.find(kw, start + 1)
            if start != -1:
                lo, hi = max(0, start - 8), min(len(text), start + len(kw) + 8)
                found.append(
                    RiskSignal(
                        name=rule.name,
                        level=rule.colour,
                        evidence=text[lo:hi],
                        rule=f"risk_signals.yaml:{rule.name}（{rule.category}）",
                    )
                )
                break
    return found


def _max_level(levels: Sequence[RiskLevel]) -> RiskLevel:
    return max(levels, key=RISK_ORDER.index) if levels else "蓝"


def assess(
    text: str,
    dispute_type: str | None,
    tax: TaxonomyIndex,
    rules: Sequence[SignalRule],
    amount_yuan: float = 0.0,
) -> RiskAssessment:
    signals = detect_signals(text, rules)
    level = _max_level([s.level for s in signals])
    reasons = [f"信号“{s.name}”（{s.evidence}）→ 至少{s.level}色" for s in signals]
    categories = {r.category for r in rules if any(s.name == r.name for s in signals)}

    base: Difficulty = "一般"
    if dispute_type and dispute_type in tax.extra and tax.extra[dispute_type].get("difficulty"):
        base = tax.extra[dispute_type]["difficulty"]
        reasons.append(f"类型“{dispute_type}”通常难度：{base}")
    elif _CONSULT_RE.search(text) and len(text) < 80 and not signals:
        base = "咨询"
        reasons.append("简短询问，按政策咨询处理")
    difficulty = base
    if level == "红" or len(categories & {"民转刑", "群体性", "极端言行"}) >= 2:
        difficulty = "重大"
        reasons.append("存在红色风险信号或多类高风险信号 → 重大（领导包案）")
    elif level == "橙":
        difficulty = _raise(difficulty, "复杂")
    elif level == "黄":
        difficulty = _raise(difficulty, "一般")
    if amount_yuan >= 1_000_000:
        difficulty = _raise(difficulty, "复杂")
        reasons.append(f"涉及金额约 {amount_yuan:,.0f} 元 → 至少复杂")
    if level == "蓝" and amount_yuan >= 100_000:
        level = "黄"
        reasons.append("涉案金额较大（≥10万元）→ 黄色关注")
    if level != "蓝" and difficulty == "咨询":
        difficulty = "一般"
    confidence = 0.9 if signals else 0.7
    return RiskAssessment(
        level=level,
        difficulty=difficulty,
        confidence=confidence,
        signals=signals,
        reasons=reasons or ["未发现风险信号 → 蓝色（常规）"],
    )


def _raise(current: Difficulty, floor: Difficulty) -> Difficulty:
    return max(current, floor, key=DIFFICULTY_ORDER.index)


def combine_levels(*levels: RiskLevel) -> RiskLevel:
    """The most severe colour: a model may raise the rule-based colour but never lower it."""
    return _max_level(list(levels))
