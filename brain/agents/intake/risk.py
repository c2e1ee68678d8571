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

from brain.agents.intake import risk_patterns
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
# Kept as a precaution: the graph may still list a keyword that the colloquial patterns do not cover.
_EXTRA: dict[str, tuple[str, ...]] = {
    "扬言报复": ("要杀了", "杀了你", "杀了她", "砍死", "捅死", "弄死你", "要他的命", "要你的命"),
    "群体性聚集": ("集体上访", "全村人", "上百名"),
}
# A weapon or tool in hand together with a threat is the classic 民转刑 setting: at least 红.
_ARMED = {"持械或危险物品", "持棍棒农具滋事"}
_THREAT = {"扬言报复", "言语威胁", "滋扰报复"}
PAST_LEVEL: RiskLevel = "黄"


# Signals named 已发生… state a fact; "扬言要动手打人" is a threat (caught by 扬言报复), not a fight that happened.
_INTENT = ("扬言要", "扬言", "威胁要", "威胁", "说要", "想要", "要", "准备", "打算", "企图")


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 3) : start]
    return any(window.endswith(n) for n in _NEGATION) or risk_patterns.negated(text, start)


def _intended(text: str, start: int) -> bool:
    """The keyword names something only threatened or planned ("扬言要动手打人", "准备打人")."""
    window = text[max(0, start - 5) : start]
    return any(window.endswith(m) or window.endswith(m + "动手") for m in _INTENT)


def _excluded(text: str, start: int, end: int) -> bool:
    """The match is part of a harmless name (跳楼机, 打农药, 吸取教训)."""
    return any(
        m.start() < end and m.end() > start
        for m in risk_patterns.EXCLUDE.finditer(text, max(0, start - 4), end + 4)
    )


def _matches(text: str, rule: SignalRule) -> list[tuple[int, int]]:
    spans = []
    for kw in (*rule.keywords, *_EXTRA.get(rule.name, ())):
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(kw), text)]
    for rx in risk_patterns.COMPILED.get(rule.name, ()):
        spans += [(m.start(), m.end()) for m in rx.finditer(text)]
    return sorted(set(spans))


def detect_signals(text: str, rules: Sequence[SignalRule]) -> list[RiskSignal]:
    """One signal per rule: the first current mention; a mention of long ago only if there is no current one.

    A negated mention ("他没拿刀") is skipped; a remote-past one ("他以前说过要弄死我") counts at 黄.
    """
    found: list[RiskSignal] = []
    for rule in rules:
        factual = rule.name.startswith("已发生")
        past: tuple[int, int] | None = None
        current: tuple[int, int] | None = None
        for start, end in _matches(text, rule):
            if _negated(text, start) or _excluded(text, start, end):
                continue
            if factual and _intended(text, start):
                continue
            if risk_patterns.remote_past(text, start):
                past = past or (start, end)
                continue
            current = (start, end)
            break
        hit = current or past
        if hit is None:
            continue
        lo, hi = max(0, hit[0] - 8), min(len(text), hit[1] + 8)
        source = f"risk_signals.yaml:{rule.name}（{rule.category}）"
        found.append(
            RiskSignal(
                name=rule.name,
                level=rule.colour if current else _min_level(rule.colour, PAST_LEVEL),
                evidence=text[lo:hi],
                rule=source if current else f"{source}；既往言行，按{PAST_LEVEL}色关注",
            )
        )
    return found


def _min_level(a: RiskLevel, b: RiskLevel) -> RiskLevel:
    return min(a, b, key=RISK_ORDER.index)


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
    now = {s.name for s in signals if "既往" not in s.rule}
    if now & _ARMED and now & _THREAT and level != "红":
        level = "红"
        reasons.append("手持器械并出言威胁 → 红色（严防民转刑）")
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
