"""Which fusion a query gets: the learned one only for what it was fitted on.

The learned fusion (:mod:`brain.retrieval.learned`) was fitted on STARD lay questions searched among
statutes only. Applied to anything else it is outside its training distribution, and measured that way
it lost to the weighted fusion on the statute look-ups (interpretation text → the cited 民法典 articles) and
on case search (CJRC questions over mixed results: its features are statute priors, a judgment has none).
So a query is one of

* ``lay``: a statute search (``kind: statute`` or a ``law`` filter) whose query reads like a consultation
  question: it asks something (a question mark or question word) and is at most ``LAY_MAX_CHARS`` long;
* ``legal``: a statute search with statute-like wording or a long case narrative (a citation-like look-up);
* ``mixed``: everything else (no statute filter: mixed results or case search).

Only ``lay`` goes through the learned fusion. The rule was checked on the STARD **train** questions
(99.3 % are ``lay``) and on 3,000 random 法律/行政法规 articles of the library (0.2 % of them would be),
not on any dev set (``tests/test_querykind.py`` keeps those numbers true).
"""

from __future__ import annotations

import re
from typing import Literal

from brain.types import SearchFilters

QueryKind = Literal["lay", "legal", "mixed"]
QUESTION_KINDS: tuple[QueryKind, ...] = ("lay",)  # the kinds the question index is searched for

LAY_MAX_CHARS = 100  # STARD train: 3 of 1,234 questions are longer
_ASKS = re.compile(
    r"[？?吗么嘛呢谁]|如何|怎么|怎样|什么|哪|是否|是不是|能否|可否|可不可以|能不能|会不会|多少|多久|几"
)


def is_lay_question(query: str) -> bool:
    q = query.strip()
    return len(q) <= LAY_MAX_CHARS and _ASKS.search(q) is not None


def query_kind(query: str, filters: SearchFilters) -> QueryKind:
    if filters.kind != "statute" and not filters.law:
        return "mixed"
    return "lay" if is_lay_question(query) else "legal"
