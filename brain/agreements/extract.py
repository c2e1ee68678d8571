"""Rule-based extraction: parties, terms, amounts, deadlines, methods from what the mediator typed.

Deterministic mode uses nothing else, and LLM mode falls back to it, so the rules aim at the way 调解员 write:
``申请人：张建国，男，1968年5月生，汉族，住……``, ``甲方王某某与乙方李某``, ``被申请人于2026年3月31日前以银行
转账方式向申请人支付赔偿款15000元``. Every value taken here is a span of the input; when a rule finds
nothing the value stays ``None`` and is reported missing rather than guessed.

The rules live by concern in :mod:`.parties`, :mod:`.terms` and :mod:`.deadlines` (numerals, sums and dates
through :mod:`ingest.zh`); this module keeps the responsibility and dispute-type rules and re-exports the
rest under the names callers use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from brain.agreements.deadlines import DATE_RE, invalid_dates, parse_date, parse_deadline
from brain.agreements.parties import PARTY_HEADER_RE, ROLE_WORDS, extract_parties, strip_party_headers
from brain.agreements.terms import (
    METHODS,
    NON_OBLIGATION,
    OBLIGATION_VERBS,
    compose_term_text,
    method_of,
    parse_term,
    split_terms,
    term_from_input,
)
from knowledge_graph.loader import DEFAULT_SEED_DIR, FILES, parse_file

__all__ = [
    "DATE_RE",
    "DISPUTE_CUES",
    "METHODS",
    "NON_OBLIGATION",
    "OBLIGATION_VERBS",
    "PARTY_HEADER_RE",
    "RESPONSIBILITY_RE",
    "ROLE_WORDS",
    "agreed_terms_from_notes",
    "compose_term_text",
    "dispute_type_names",
    "extract_parties",
    "extract_responsibility",
    "guess_dispute_type",
    "invalid_dates",
    "method_of",
    "parse_date",
    "parse_deadline",
    "parse_term",
    "split_terms",
    "strip_party_headers",
    "term_from_input",
]

RESPONSIBILITY_RE = re.compile(r"[^。；\n]*(?:责任|过错|过失)[^。；\n]*[。；]?")
# Words in settlement texts that point at a type, most specific first. The labels are the graph's own type
# names (knowledge_graph/seed/dispute_types.yaml; a test checks each one), so an agreement files under the
# same type as the intake record and the statistics.
DISPUTE_CUES: list[tuple[str, tuple[str, ...]]] = [
    ("工伤纠纷", ("工伤", "工亡", "受伤住院期间工资")),
    ("交通事故纠纷", ("交通事故", "交警", "追尾", "相撞", "交强险")),
    ("赡养纠纷", ("赡养",)),
    ("抚养纠纷", ("抚养费",)),
    ("扶养纠纷", ("扶养",)),
    ("物业纠纷", ("物业费", "物业公司", "物业服务")),
    ("相邻关系纠纷", ("相邻", "邻居", "漏水", "排水", "通行", "采光", "宅基地")),
    ("劳动争议", ("工资", "劳动合同", "加班费", "经济补偿")),
    ("民间借贷纠纷", ("借款", "欠款", "借条", "欠条", "还款")),
    ("消费纠纷", ("购买", "退货", "商品", "消费者")),
    ("婚姻家庭纠纷", ("离婚", "夫妻", "彩礼")),
    ("损害赔偿纠纷", ("赔偿",)),
]


@lru_cache(maxsize=1)
def dispute_type_names() -> frozenset[str]:
    """The dispute types of the graph's taxonomy, read once from its seed by the loader's typed reader."""
    seed = parse_file(DEFAULT_SEED_DIR / "dispute_types.yaml", FILES["dispute_types.yaml"])
    return frozenset(t.name for _, t in seed.rows("dispute_types"))


def extract_responsibility(*texts: str | None) -> str | None:
    sentences: list[str] = []
    for text in texts:
        for m in RESPONSIBILITY_RE.finditer(text or ""):
            s = m.group(0).strip().lstrip("，,")
            if s and s not in sentences:
                sentences.append(s if s.endswith(("。", "；")) else s + "。")
    return "".join(sentences) or None


def guess_dispute_type(*texts: str | None) -> str | None:
    """A type of the graph's taxonomy: the first one named outright in the text (本案系相邻关系纠纷), else
    the first whose cue words occur; None when nothing points at one."""
    joined = "".join(t or "" for t in texts)
    named = [(joined.find(n), -len(n), n) for n in dispute_type_names() if n in joined]
    if named:
        return min(named)[2]
    for label, words in DISPUTE_CUES:
        if any(w in joined for w in words):
            return label
    return None


def agreed_terms_from_notes(notes: str | None) -> str | None:
    """Mediation notes often end with ``达成协议如下：…``: the agreed items are what follows."""
    if not notes:
        return None
    m = re.search(r"达成(?:如下|以下)?(?:调解)?协议(?:如下)?\s*[:：]", notes)
    return notes[m.end() :].strip() or None if m else None
