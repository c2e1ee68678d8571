"""Key facts an intake clerk copies into the register: parties, amounts, dates and places.

Rules, not a model: the clerk must be able to see why a value was extracted (each item keeps the exact
span of text it came from), and the patterns below cover how complaints are actually written — Arabic and
Chinese numerals mixed with 万/千 units ("3.5万元", "两万余元", "12,000元"), absolute and relative dates
("2023年5月12日", "二〇二六年三月五日", "去年3月", "上周"), and administrative addresses ("XX县XX镇XX村", "XX小区").
Numerals, sums and dates are read by :mod:`ingest.zh`, the project's one Chinese-text module.
Extraction runs on the redacted text; the service restores placeholders for the caller.
"""

from __future__ import annotations

import re
from datetime import date

from brain.agents.intake.schema import Amount, DateMention, Facts, Party
from ingest import zh

_PLACE_RE = re.compile(
    r"(?:[\u4e00-\u9fa5]{1,8}?(?:省|自治区))?"
    r"(?:[\u4e00-\u9fa5]{1,6}?(?:市|州|盟))?"
    r"(?:[\u4e00-\u9fa5]{1,6}?(?:县|区|旗))?"
    r"[\u4e00-\u9fa5]{1,6}?(?:镇|乡|街道|村|社区|小区|组)"
    r"(?:[\u4e00-\u9fa5\d]{1,6}?(?:村|组|号楼|栋|单元))?"
)
_PLACE_STOP = ("我们", "他们", "本村", "同村", "全村", "该村", "村里", "邻村", "小区里", "乡镇")
_PLACE_LEAD_RE = re.compile(r"^(?:.*?(?:地址在|住在|住址|位于|来自|家在|在|于|是))")
_NAMED_RE = re.compile(r"(?<!某)(?P<name>[\u4e00-\u9fa5](?<!某)某{1,2})(?![某县市镇乡村区省州])")
_PARTY_ROLE_RE = re.compile(
    r"(?P<role>原告|被告|申请人|被申请人|第三人|当事人|投诉人|被投诉人|反映人)[:：]?\s*"
    r"(?P<name>〔姓名\d+〕|[\u4e00-\u9fa5]{1,3}某{1,2}|[\u4e00-\u9fa5]{2,4}?(?:公司|集团|物业|医院|学校))"
)
_PARTY_RELATION_RE = re.compile(
    r"(?P<role>邻居|丈夫|妻子|老公|老婆|前夫|前妻|儿子|女儿|父亲|母亲|公公|婆婆|哥哥|弟弟|姐姐|妹妹|"
    r"房东|租客|老板|包工头|雇主|村委会|村干部|物业公司|物业|开发商|施工方|商家|卖家|店主|医院|用人单位|公司)"
    r"(?P<name>〔姓名\d+〕|[\u4e00-\u9fa5]某{1,2})?"
)
_PLACEHOLDER_RE = re.compile(r"〔姓名\d+〕")  # brain.privacy's placeholder for a redacted name


def extract_amounts(text: str) -> list[Amount]:
    return [
        Amount(text=m.text, value_yuan=float(m.value), approximate=m.approximate, span=(m.start, m.end))
        for m in zh.find_money(text)
    ]


def extract_dates(text: str, today: date | None = None) -> list[DateMention]:
    return [
        DateMention(text=d.text, iso=d.iso, relative=d.relative, span=(d.start, d.end))
        for d in zh.find_dates(text)
    ]


# A place name is a name: "多次找村里" ends in 村 but is a verb phrase. Characters that never occur in the
# proper-name part of 枫桥镇 / 幸福小区 / 城关镇东街村, and what follows a 村 that is not a place (村委会, 村民).
_NOT_IN_NAME = set("找去到跟与给让被把的了次多说是我你他她们这那个都也就还又对从为要想不没再很过告闹")
_NOT_AFTER = {"村": "委民干里头口长支两集", "组": "织长成员", "区": "域别", "乡": "亲下"}


def _is_place_name(text: str, place: str, end: int) -> bool:
    suffix = place[-2:] if place.endswith(("街道", "社区", "小区")) else place[-1]
    nxt = text[end : end + 1]
    if nxt and nxt in _NOT_AFTER.get(suffix, ""):
        return False
    return not (set(place) & _NOT_IN_NAME)


def extract_places(text: str) -> list[str]:
    """Real place names only (or nothing): a clerk copies these into the register."""
    seen: list[str] = []
    for m in _PLACE_RE.finditer(text):
        place = _PLACE_LEAD_RE.sub("", m.group(0))
        if len(place) < 3 or any(place.startswith(s) or place == s for s in _PLACE_STOP):
            continue
        if not _is_place_name(text, place, m.end()):
            continue
        if place not in seen:
            seen.append(place)
    return seen


def extract_parties(text: str) -> list[Party]:
    parties: list[Party] = []
    seen: set[tuple[str, str]] = set()
    for m in _PARTY_ROLE_RE.finditer(text):
        key = (m.group("role"), m.group("name"))
        if key not in seen:
            seen.add(key)
            parties.append(Party(role=m.group("role"), name=m.group("name")))
    for m in _PARTY_RELATION_RE.finditer(text):
        name = m.group("name")
        key = (m.group("role"), name or "")
        if key not in seen and not any(p.name == name and name for p in parties):
            seen.add(key)
            parties.append(Party(role=m.group("role"), name=name))
    for m in _NAMED_RE.finditer(text):
        if not any(p.name == m.group("name") for p in parties):
            parties.append(Party(role="当事人", name=m.group("name")))
    for m in _PLACEHOLDER_RE.finditer(text):
        # A redacted name that no role pattern caught is still a party the clerk must see.
        if not any(p.name == m.group(0) for p in parties):
            parties.append(Party(role="当事人", name=m.group(0)))
    return parties


def extract_facts(text: str) -> Facts:
    return Facts(
        parties=extract_parties(text),
        amounts=extract_amounts(text),
        dates=extract_dates(text),
        places=extract_places(text),
    )
