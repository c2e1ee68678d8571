"""The citation check of LLM answers: every 《法名》第N条 an answer names must be an article of the index that
is in force; anything else is removed and listed. Article numbers are read in digits (第1165条) and in
Chinese numerals (第一千一百六十五条); an accepted mention gets the version of the text it was checked
against, so a mediator knows which text the number refers to.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.records import normalize_law_name
from ingest.statute import cn_to_int

REMOVED_MARK = "〔已删除：未在法条库中核实的引用〕"
_NUM = r"\d{1,4}|[零〇一二两三四五六七八九十百千]{1,12}"
_LAW_MENTION = re.compile(
    rf"《(?P<law1>[^》]{{2,40}})》\s*第(?P<art1>{_NUM})条"
    rf"|(?P<law2>[\u4e00-\u9fa5]{{2,24}}?(?:法|条例|规定|规则|解释))第(?P<art2>{_NUM})条"
)
# words that run into an unbracketed law name: "以及治安管理处罚法第88条" names 治安管理处罚法
_LEAD_IN = re.compile(
    r"^(?:以及|及|和|与|或|并|另见|参见|见|依据|根据|按照|依照|适用|违反|参照|对照|即|如|是|的)*"
)
_MARKER = re.compile(r"\[(\d{1,2})\]")
_VERSION_NOTE = re.compile(r"^\s*[（(](?:\d{4}-\d{2}-\d{2}版|现行文本)")

StatuteCheck = Callable[[str, int], "bool | str"]
"""(law, article) -> False (reject), True (accept) or a version note to show after the mention."""


def article_number(numeral: str) -> int | None:
    """第N条's N in digits or Chinese numerals; None when it is not a number. The one place chat converts."""
    try:
        return cn_to_int(numeral)
    except ValueError:
        return None


def check_citations(answer: str, n_sources: int, statute_ok: StatuteCheck) -> tuple[str, list[str]]:
    """Remove statute mentions that ``statute_ok`` rejects and [n] markers beyond the sources; list removals."""
    removed: list[str] = []
    verdicts: dict[tuple[str, int], bool | str] = {}
    noted: set[tuple[str, int]] = set()

    def _law(m: re.Match[str]) -> str:
        lead = ""
        if m.group("law1"):
            law, num = m.group("law1"), m.group("art1")
        else:
            lead_in = _LEAD_IN.match(m.group("law2"))
            lead = lead_in.group(0) if lead_in else ""
            law, num = m.group("law2")[len(lead) :], m.group("art2")
        art = article_number(num)
        key = (normalize_law_name(law), art if art is not None else -1)
        if key not in verdicts:
            verdicts[key] = art is not None and statute_ok(key[0], key[1])
        verdict = verdicts[key]
        if verdict:
            note = ""
            rest = m.string[m.end() : m.end() + 20]
            if isinstance(verdict, str) and key not in noted and not _VERSION_NOTE.match(rest):
                noted.add(key)
                note = f"（{verdict}）"
            return m.group(0) + note
        removed.append(m.group(0)[len(lead) :])
        return lead + REMOVED_MARK

    def _marker(m: re.Match[str]) -> str:
        if 1 <= int(m.group(1)) <= n_sources:
            return m.group(0)
        removed.append(m.group(0))
        return ""

    return _MARKER.sub(_marker, _LAW_MENTION.sub(_law, answer)), removed
