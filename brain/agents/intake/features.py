"""Text -> sparse term counts for the intake classifier, shared by training and inference so they cannot drift.

Two schemes, named in each model's ``meta.json`` (``features``):

- ``char`` (the earlier model): char 1–3-grams of the first 600 characters, digits/Latin/punctuation removed.
- ``narrative`` (issue 13): the same char n-grams over the first 600 characters, plus jieba words
  (``w:`` prefix) and, for long narratives, a second weight on the sentences that name the dispute or the
  demand (要求/诉求/讨要/赔偿/拖欠 …) wherever they stand in the first 3,000 characters: background
  ("我和他是同村人，二十年前…") is common to every type, the demand sentence is not.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

NGRAM_RANGE = (1, 3)
MAX_CHARS = 600  # long judgments: the first paragraphs name the dispute; the rest is procedure
SCAN_CHARS = 3_000  # how far a narrative is searched for dispute/demand sentences
FOCUS_WEIGHT = 2  # extra count for each n-gram of a dispute/demand sentence
_NOISE_RE = re.compile(
    r"[\s\d０-９a-zA-Zａ-ｚＡ-Ｚ×xX*#@/\\\-_.,，。:：;；!！?？、（）()“”\"'‘’【】\[\]<>《》]+"
)
_SENT_RE = re.compile(r"[^。！？!?；;\n]+")
FOCUS_RE = re.compile(
    r"要求|诉求|讨要|索要|索赔|赔偿|赔钱|拖欠|欠款|不给|不还|不退|不肯|拒不|拒绝|投诉|维权|讨说法|讨个说法|"
    r"纠纷|争议|矛盾|起诉|仲裁|调解|协商|退款|退钱|返还|归还|解除|怎么办|如何处理|该怎么"
)
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """Keep only the Chinese characters that carry the topic; digits, Latin and punctuation become one gap."""
    return _NOISE_RE.sub(" ", text[:MAX_CHARS]).strip()


def _add_char_ngrams(grams: Counter[str], text: str, weight: int = 1) -> None:
    for piece in _NOISE_RE.sub(" ", text).split():
        for n in range(NGRAM_RANGE[0], NGRAM_RANGE[1] + 1):
            for i in range(len(piece) - n + 1):
                grams[piece[i : i + n]] += weight


@lru_cache(maxsize=64)
def char_ngrams(text: str) -> Counter[str]:
    """Cached: one intake scores the same text with two models and checks its evidence; callers must not
    modify the returned counter."""
    grams: Counter[str] = Counter()
    _add_char_ngrams(grams, text[:MAX_CHARS])
    return grams


@lru_cache(maxsize=1)
def _jieba() -> object:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """jieba words of two or more characters containing a Han character (the segmenter is loaded once)."""
    jb = _jieba()
    return [w for w in jb.lcut(text) if len(w) >= 2 and _HAN_RE.search(w)]  # type: ignore[attr-defined]


def focus_sentences(text: str) -> list[str]:
    """The sentences naming the dispute or the demand, only for texts longer than the head window (in a
    short complaint every sentence already counts)."""
    if len(text) <= 120:
        return []
    return [s for s in _SENT_RE.findall(text[:SCAN_CHARS]) if FOCUS_RE.search(s)]


def narrative_terms(text: str) -> Counter[str]:
    grams = Counter(char_ngrams(text))
    head = text[:MAX_CHARS]
    for w in words(head):
        grams["w:" + w] += 1
    for s in focus_sentences(text):
        _add_char_ngrams(grams, s, FOCUS_WEIGHT)
        for w in words(s):
            grams["w:" + w] += FOCUS_WEIGHT
    return grams


@lru_cache(maxsize=64)
def terms(text: str, scheme: str) -> Counter[str]:
    if scheme == "narrative":
        return narrative_terms(text)
    return char_ngrams(text)
