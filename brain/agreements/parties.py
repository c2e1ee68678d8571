"""Parties named in what the mediator typed: ``申请人：张建国，男，1968年5月生，汉族，住……``, ``甲方王某某与乙方李某``.

A name is a span of the input after a role word; without a colon it must look like a name (a surname from
:mod:`ingest.zh`, or 小/老/阿), so that "申请人一侧，" does not yield a party called 一侧.
"""

from __future__ import annotations

import re

from brain.agreements.models import Party
from ingest.zh import NAME_PREFIXES, surname_of
from ingest.zh.dates import DAY, MONTH, YEAR

ROLE_WORDS = ("被申请人", "申请人", "甲方", "乙方", "丙方", "丁方")
_CJK = r"\u4e00-\u9fff"
_ORG_SUFFIX = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|公司|委员会|合作社|中心|厂|店|医院|学校|物业|集团|商行|经营部|研究所)$"
)
_NAME_STOP = "与和及因系向称于诉自就在对为将已均"
_PARTY_RE = re.compile(
    r"(?P<role>被申请人|申请人|甲方|乙方|丙方|丁方)(?:[（(][^）)]{0,12}[）)])?\s*(?P<colon>[:：])?\s*"
    rf"(?P<name>[{_CJK}·]{{2,30}}?)(?=[，,。；;：:（(、\s]|[{_NAME_STOP}]|$)"
)
_NOT_NAMES = {"双方", "本人", "对方", "人员", "代理人", "代表人", "各方", "账户", "一方", "家属", "名下"}
# Without a colon (申请人张三与被申请人李四……) a name must be followed by one of these and, for a person,
# start with a common surname or 小/老/阿 — otherwise "申请人一侧，" would yield a party called 一侧.
_BARE_NAME_FOLLOW = set("，,、与和及（(系")
PARTY_HEADER_RE = re.compile(
    r"(?:^|(?<=[。\n]))\s*(?:被申请人|申请人|甲方|乙方|丙方|丁方)\s*[:：][^。\n]*[。\n]?"
)


def _looks_like_name(name: str) -> bool:
    return name[0] in NAME_PREFIXES or surname_of(name, rare=True) is not None


def _clean_name(raw: str) -> tuple[str, str] | None:
    """Trim what the lazy pattern caught to a plausible name; (name, kind) or None."""
    name = raw.strip("·")
    if not name or name in _NOT_NAMES or name.startswith(("双方", "各方", "本")):
        return None
    if _ORG_SUFFIX.search(name):
        return name, "单位"
    if len(name) <= 4 or (len(name) <= 6 and "·" in name):
        return name, "自然人"
    return None


def _party_details(segment: str, party: Party) -> Party:
    """Fill the optional items from the text right after the name (up to the next full stop or role)."""
    updates: dict[str, str] = {}
    if m := re.match(r"\s*[，,、]\s*(男|女)(?=[，,、。；\s]|$)", segment):
        updates["gender"] = m.group(1)
    if m := re.search(rf"[，,、]\s*([{_CJK}]{{1,4}}族)(?=[，,、。；\s])", segment):
        updates["ethnicity"] = m.group(1)
    if m := re.search(rf"((?:\d{{4}}|{YEAR})年{MONTH}月(?:{DAY}日)?(?:出)?生)", segment):
        updates["birth_or_age"] = m.group(1)
    elif m := re.search(r"(?<![\d.])(\d{1,3})岁", segment):
        updates["birth_or_age"] = f"{m.group(1)}岁"
    if m := re.search(r"(?:住址|住所地|住所|家住|现住|住)\s*[：:]?\s*([^，,。；;\n]{2,60})", segment):
        updates["address"] = m.group(1).strip()
    if m := re.search(r"(?<!\d)(1[3-9]\d{9})(?!\d)", segment):
        updates["phone"] = m.group(1)
    if m := re.search(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])", segment):
        updates["id_number"] = m.group(1)
    if m := re.search(r"(?:职业|职务)\s*[：:]\s*([^，,。；;\n]{1,30})", segment):
        updates["occupation"] = m.group(1).strip()
    if m := re.search(r"(?:法定代表人|负责人)\s*[：:]?\s*([^，,。；;\n]{2,20})", segment):
        updates["legal_rep"] = m.group(1).strip()
    if m := re.search(r"(?:委托代理人|法定代理人)\s*[：:]?\s*([^，,。；;\n]{2,30})", segment):
        updates["agent"] = m.group(1).strip()
    return party.model_copy(update=updates)


def extract_parties(*texts: str | None) -> list[Party]:
    """Parties named with a role word (申请人/被申请人/甲方/乙方…), first mention wins, in order of mention."""
    found: dict[str, Party] = {}
    for text in texts:
        if not text:
            continue
        for m in _PARTY_RE.finditer(text):
            cleaned = _clean_name(m["name"])
            if cleaned is None:
                continue
            name, kind = cleaned
            after = text[m.end("name") : m.end("name") + 1]
            if name in found:
                continue
            if not m["colon"] and (
                after not in _BARE_NAME_FOLLOW or (kind == "自然人" and not _looks_like_name(name))
            ):
                continue
            # A person's details follow on the same line only when the role was introduced with a colon.
            seg_end = len(text)
            for stop in ("。", "\n", "；"):
                pos = text.find(stop, m.end())
                if pos != -1:
                    seg_end = min(seg_end, pos)
            nxt = _PARTY_RE.search(text, m.end())
            if nxt and nxt.start() < seg_end:
                seg_end = nxt.start()
            party = Party(role=m["role"], name=name, kind=kind)  # type: ignore[arg-type]
            if m["colon"]:
                party = _party_details(text[m.end() : seg_end], party)
            found[name] = party
    return list(found.values())


def strip_party_headers(facts: str) -> str:
    """Facts without the ``申请人：张三，男，……`` lines, which the document prints in its own section."""
    return PARTY_HEADER_RE.sub("", facts).strip()
