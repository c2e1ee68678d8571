"""Key facts an intake clerk copies into the register: parties, amounts, dates and places.

Rules, not a model: the clerk must be able to see why a value was extracted (each item keeps the exact
span of text it came from), and the patterns below cover how complaints are actually written — Arabic and
Chinese numerals mixed with 万/千 units ("3.5万元", "两万余元", "12,000元"), absolute and relative dates
("2023年5月12日", "去年3月", "上周"), and administrative addresses ("XX县XX镇XX村", "XX小区").
Extraction runs on the redacted text; the service restores placeholders for the caller.
"""

from __future__ import annotations

import re
from datetime import date

from brain.agents.intake.schema import Amount, DateMention, Facts, Party

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十拾百佰千仟]+)"
_AMOUNT_RE = re.compile(
    rf"(?P<num>{_NUM})(?P<big>[万亿]?)(?P<approx>多|余)?(?P<unit>元|块钱|块|万元)"
    rf"|(?P<num2>{_NUM})(?P<big2>[万亿])(?P<approx2>多|余)?(?=[的工货欠借赔补款钱])"
)
_DATE_RE = re.compile(
    r"(?P<abs>(?:(?:19|20)\d{2}|[二〇一九零]{4})年(?:\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?"
    r"|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|(?:19|20)\d{2}年"
    r"|\d{1,2}月\d{1,2}[日号])"
    r"|(?P<rel>(?:今年|去年|前年|上个?月|本月|这个月|上周|昨天|前天|今天|近日|最近)(?:\d{1,2}月)?(?:\d{1,2}[日号])?)"
)
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


def cn_to_number(text: str) -> float | None:
    """Parse '3.5', '12,000', '两', '一千二百', '三十' into a number; None when it is not a number."""
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        pass
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return float(total + current)


def extract_amounts(text: str) -> list[Amount]:
    out: list[Amount] = []
    for m in _AMOUNT_RE.finditer(text):
        num = m.group("num") or m.group("num2")
        big = m.group("big") or m.group("big2") or ""
        unit = m.group("unit") or ""
        value = cn_to_number(num)
        if value is None:
            continue
        factor = _BIG_UNITS.get(big, 1) * (10_000 if unit == "万元" else 1)
        approx = bool(m.group("approx") or m.group("approx2"))
        out.append(
            Amount(
                text=m.group(0),
                value_yuan=round(value * factor, 2),
                approximate=approx,
                span=(m.start(), m.end()),
            )
        )
    return out


def extract_dates(text: str, today: date | None = None) -> list[DateMention]:
    out: list[DateMention] = []
    for m in _DATE_RE.finditer(text):
        if m.group("abs"):
            out.append(
                DateMention(text=m.group(0), iso=_iso(m.group(0)), relative=False, span=(m.start(), m.end()))
            )
        else:
            out.append(DateMention(text=m.group(0), iso=None, relative=True, span=(m.start(), m.end())))
    return out


def _iso(text: str) -> str | None:
    """'2023年5月12日' -> '2023-05-12', '2023年5月' -> '2023-05', other shapes -> None."""
    m = re.match(r"((?:19|20)\d{2})[年\-/.](\d{1,2})(?:[月\-/.](\d{1,2}))?", text)
    if not m:
        return None
    y, mo, d = m.group(1), int(m.group(2)), m.group(3)
    if not 1 <= mo <= 12:
        return None
    return f"{y}-{mo:02d}-{int(d):02d}" if d and 1 <= int(d) <= 31 else f"{y}-{mo:02d}"


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
