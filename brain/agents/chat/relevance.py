"""The relevance gate: can the corpus answer this question at all?

Hybrid retrieval always returns *something* (dense search has no notion of "nothing close"), and fused RRF
scores are ranks, not similarities, so a raw score threshold does not separate "邻居漏水怎么办" from
"怎么做红烧肉". The gate therefore uses two signals that do not depend on the index's score scale:

* **coverage** — the share of the question's content words (jieba tokens of two or more characters, minus
  question words and stop words) that occur in the retrieved statutes and cases. An out-of-corpus question's
  words are simply not in what comes back.
* **domain terms** — whether the question names anything from the dispute/legal vocabulary: the list below
  plus the names, aliases and keywords of the dispute taxonomy in ``knowledge_graph/seed/dispute_types.yaml``.

A follow-up ("那彩礼呢？") is searched together with the previous topic, so its own words are checked too:
when it has content words of its own, they must contain a domain term or pass the without-term rule below on
their own — else "明天天气怎么样" asked in a thread about 宅基地 would borrow the old topic's relevance.

A question is in the domain when it has a domain term and at least ``MIN_COVERAGE_WITH_TERM`` coverage, or,
without a domain term, at least ``MIN_STRONG_TOKENS`` content words of which ``MIN_COVERAGE_WITHOUT_TERM``
occur together in one retrieved document ("推荐几部好看的电影" finds each word somewhere, never together). The thresholds were calibrated on the questions in ``tests/test_chat_relevance.py`` against the
shipped corpus; docs/chat_ui.md lists the measured values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from brain.errors import BrainError

if TYPE_CHECKING:
    from brain.types import Hit

log = logging.getLogger(__name__)

MIN_COVERAGE_WITH_TERM = 0.25
MIN_COVERAGE_WITHOUT_TERM = 0.75
MIN_STRONG_TOKENS = 2


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated vocabularies stay readable (and diff-friendly) under the formatter."""
    return tuple(text.split())


DOMAIN_TERMS = _words(
    """
    纠纷 调解 矛盾 法律 法条 法规 条款 条文 司法 民法典 法院 案例 案件 判决 裁定 仲裁 起诉 诉讼 维权 合同 协议
    赔偿 补偿 违约 侵权 责任 义务 权利 离婚 婚姻 彩礼 抚养 赡养 继承 遗产 遗嘱 借款 借贷 欠款 欠钱 还钱 工资
    欠薪 劳动 工伤 社保 辞退 宅基地 土地 承包 邻居 邻里 相邻 物业 业主 噪音 漏水 房屋 租房 租金 房东 拆迁 征收
    医疗 医患 交通事故 消费 退款 信访 上访 投诉 治安 打架 殴打 损害 当事人 双方 劝说 和解 人民调解
    装修 楼上 楼下 围墙 排水 采光 宠物 咬伤 停车 占道 欠条 借条 房租 押金 退货 受伤 威胁 报警 村委 村民 分红 征地
    包工头 婆媳 夫妻 兄弟 分家 子女 加班 借钱 网购 假货 全责
    金额 费用 期限 时效 证据 程序 流程 对方 不同意 拒绝
    """
)
# The last line above: words that only make sense about a dispute, common in follow-ups ("对方不同意呢？").

GENERIC_TERMS = frozenset(_words("案例 案件 法律 法条 条文 法规 规定 条款 依据"))

_STOP = frozenset(
    _words(
        """
    怎么 怎么样 怎样 如何 什么 为什么 哪些 哪个 哪条 哪里 有没有 没有 可以 应该 是否 能否 能不能 请问 一下 这种
    那种 这个 那个 情况 问题 我们 你们 他们 她们 自己 现在 今天 明天 昨天 时候 一个 还是 或者 如果 但是 因为
    所以 需要 知道 告诉 类似 相关 适用 我家 你家 他家 东西 事情 办法 怎么办 还有 哪些 多少
    """
    )
)
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)  # its start-up banner is noise in service logs
    return jieba


def content_tokens(text: str) -> list[str]:
    """Jieba tokens of two or more characters that carry meaning (no question words, stop words, punctuation)."""
    seen: list[str] = []
    for tok in _jieba().lcut(text):
        tok = tok.strip()
        if len(tok) >= 2 and tok not in _STOP and _CJK_OR_WORD.match(tok) and tok not in seen:
            seen.append(tok)
    return seen


def search_query(text: str) -> str:
    """The words retrieval should see: content words without generic ones ("案例", "法律") that every
    document matches; the raw text when nothing is left."""
    words = [t for t in content_tokens(text) if t not in GENERIC_TERMS]
    return " ".join(words) or text


def _share_in_one(tokens: list[str], hits: Sequence[Hit]) -> float:
    """The largest share of ``tokens`` that a single hit contains."""
    if not tokens:
        return 0.0
    return max((sum(t in f"{h.title}{h.text}" for t in tokens) / len(tokens) for h in hits), default=0.0)


@lru_cache(maxsize=1)
def domain_vocabulary() -> tuple[str, ...]:
    """DOMAIN_TERMS plus every type name, alias and keyword of the dispute taxonomy (the graph's seed files,
    read the way intake reads them, so it works while the graph server is down)."""
    words = set(DOMAIN_TERMS)
    try:
        from brain.agents.intake.taxonomy import load_taxonomy

        for t in load_taxonomy().types:
            words.update(w for w in (t.name, *t.aliases, *t.keywords) if len(w) >= 2 and not w.isascii())
    except (ImportError, BrainError) as e:  # the chat still works on the built-in list
        log.warning("chat relevance: dispute taxonomy unavailable (%s); using built-in terms only", e)
    return tuple(sorted(words))


def _has_term(text: str) -> list[str]:
    return [t for t in domain_vocabulary() if t in text]


def _passes_without_term(tokens: list[str], hits: Sequence[Hit]) -> bool:
    """Scattered matches are not enough: one document must hold most of the question's words together."""
    return len(tokens) >= MIN_STRONG_TOKENS and _share_in_one(tokens, hits) >= MIN_COVERAGE_WITHOUT_TERM


def assess_relevance(query: str, hits: Sequence[Hit], question: str | None = None) -> dict[str, Any]:
    """Decide in/out of domain for ``query`` (``question`` is the follow-up's own text when the query was
    widened with the previous topic). The returned dict is kept in the thread state and sent with ``done``."""
    tokens = content_tokens(query)
    terms = _has_term(query)
    haystack = "\n".join(f"{h.title}\n{h.text}" for h in hits)
    covered = [t for t in tokens if t in haystack]
    coverage = len(covered) / len(tokens) if tokens else 0.0
    own = content_tokens(question) if question else []
    if not hits:
        in_domain, reason = False, "检索无结果"
    elif own and question and not (_has_term(question) or _passes_without_term(own, hits)):
        in_domain, reason = False, "追问的要点与当前话题及知识库无关"
    elif terms and coverage >= MIN_COVERAGE_WITH_TERM:
        in_domain, reason = True, "含纠纷/法律领域词，且检索结果覆盖问题要点"
    elif _passes_without_term(tokens, hits):
        in_domain, reason = True, "有检索结果同时包含问题的大部分要点"
    else:
        in_domain, reason = False, "问题要点未出现在法条与案例库中"
    return {
        "in_domain": in_domain,
        "reason": reason,
        "coverage": round(coverage, 3),
        "tokens": tokens,
        "covered": covered,
        "domain_terms": terms,
    }


# A hit whose fused score is below this share of the best hit of its kind is left out of the sources: the
# fused score is a min-max blend, so a third case at 0.40 after 0.79 (the 漏水 question's dog-bite case) is
# noise a mediator would have to skip. Picked by looking at two questions (漏水, 噪音); chat_dev re-measured.
RELEVANCE_RATIO = 0.6


# And below this share of the best hit of either kind: when every statute scores ~0.3 next to a case at 0.7
# (the 漏水 question: 物业管理条例 on 临时管理规约, 消保法, 噪声法), none of them answers the question.
OVERALL_RATIO = 0.5


def close_to_best(hits: list[Hit], overall: float = 0.0) -> list[Hit]:
    if not hits:
        return hits
    best = max(h.score.fused for h in hits)
    floor = max(RELEVANCE_RATIO * best, OVERALL_RATIO * overall)
    return [h for h in hits if h.score.fused >= floor]
