"""Detection and reversible redaction of personal data (个人信息) in Chinese text.

Every message that leaves the service toward a model, every log line and every audit record passes through
:func:`redact` first. Redaction is reversible: the caller keeps ``Redaction.mapping`` (placeholder -> original)
and :func:`restore` puts the originals back into the model's answer when the caller's role may see them.

Placeholders look like ``〔身份证号1〕``: the corner brackets never occur in ordinary input, the kind tells the
model what stood there (so it can still reason "the applicant's phone"), and the number keeps two different
values apart. The same value always gets the same placeholder, also across the messages of one conversation
when the previous mapping is passed back in (``redact(text, mapping=previous.mapping)``).

What is detected, and how reliably (precision is preferred over recall for the fuzzy kinds):

======== =========================================================================================
身份证号  18 digits (last may be X) with a valid GB 11643 check digit and a real birth date; 15-digit
          pre-1999 numbers with a real birth date. A number with a wrong check digit is *not* an ID.
银行卡号  16-19 digits, optionally grouped by spaces/dashes, passing the Luhn check.
手机号    1[3-9]x + 8 digits, optionally ``+86``/``0086``/``86`` and spaces or dashes between groups.
固定电话  0 + 2-3 digit area code + 7-8 digits, with a dash/space or the area code in brackets; ``-ext``.
电子邮箱  the usual ``local@domain.tld`` shape.
车牌号    province abbreviation + letter + 5 (regular) or 6 (new-energy, D/F) characters; 挂/学/警 plates.
姓名      only in context: after 姓名/申请人/被申请人/当事人/原告/被告/第三人/我叫/联系人/… or before
          先生/女士/老人/大爷/阿姨/…, starting with a common surname and 2-3 characters long; names already
          pseudonymised with 某 are left alone. Once found, every other occurrence of that name is
          redacted too. Names without such context (e.g. a bare "张伟说") are *not* detected.
地址      a run of administrative or street parts (省/市/区/县/乡/镇/街道/村/社区/小区/路/街/巷/…) that ends in a
          house number (号/栋/幢/楼/单元/室/组/层); a place name without a number ("杭州市西湖区") is not
          personal data and stays.
======== =========================================================================================

Digits are delimited with ``(?<!\\d)``/``(?!\\d)`` lookarounds, never ``\\b``: in Chinese text there is no word
boundary between "号" and "1".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "KINDS",
    "Redaction",
    "Span",
    "contains_pii",
    "find_pii",
    "gb11643_check_char",
    "is_valid_id_number",
    "luhn_valid",
    "redact",
    "restore",
]

# Detection priority: when two candidates overlap, the one whose kind comes first wins.
KINDS = ("电子邮箱", "身份证号", "银行卡号", "手机号", "固定电话", "车牌号", "地址", "姓名")

# ---------------------------------------------------------------------------------------------- checksums
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"


def gb11643_check_char(first17: str) -> str:
    """The check character (0-9 or X) of an 18-digit resident ID number, from its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("需要 17 位数字")
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11]


def _real_date(y: int, m: int, d: int) -> bool:
    try:
        born = date(y, m, d)
    except ValueError:
        return False
    return date(1880, 1, 1) <= born <= date.today()


def is_valid_id_number(s: str) -> bool:
    """True for an 18-digit ID with a valid GB 11643 check character, or a 15-digit pre-1999 ID; both need a
    real birth date and a non-zero province digit."""
    s = s.upper()
    if len(s) == 18 and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X"):
        return (
            s[0] != "0"
            and _real_date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
            and gb11643_check_char(s[:17]) == s[17]
        )
    if len(s) == 15 and s.isdigit():
        return s[0] != "0" and _real_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    return False


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank card numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# ---------------------------------------------------------------------------------------------- patterns
_HAN = "\u4e00-\u9fff"
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CARD_RE = re.compile(r"(?<![\d-])(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)(?![\d-])")
_MOBILE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE_RE = re.compile(
    r"(?<![\d-])(?:[(（]0\d{2,3}[)）][ -]?|0\d{2,3}[ -])[2-9]\d{6,7}(?:[-转]\d{1,5})?(?!\d)"
)
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_RE = re.compile(
    rf"(?<![A-Za-z0-9])[{_PROVINCES}][A-HJ-NP-Z][·• ]?"
    r"(?:[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF]|[A-HJ-NP-Z0-9]{4}[挂学警]|[A-HJ-NP-Z0-9]{5})(?![A-Za-z0-9])"
)

# Common surnames (compound first so they win); rare surnames that are also everyday words (双, 都, 从 …) are
# left out on purpose: "当事人双方" must not become a name.
_COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|令狐|夏侯|独孤|端木|南宫|西门|呼延"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向"
    "汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚"
    "岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# Characters that end a name: a name followed by one of these is at most what came before.
_NAME_STOP = (
    "因与和及的在于是称向对说等诉要将把被之了也都就从到系为自已经还又并同跟给让叫由以某人们者"
    "先女老阿师书记主任村镇区县市省路街号室组楼栋"
)
_NAME_CHAR = rf"(?:(?![{_NAME_STOP}])[{_HAN}])"
_NAME_CORE = rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]){_NAME_CHAR}{{1,2}}"
_NAME_TRIGGERS = (
    "姓名|被申请人|申请人|当事人|原告|被告|第三人|被害人|受害人|证人|联系人|户主|法定代表人|委托代理人|代理人"
    "|我叫|本人叫|名叫|名字叫|业主|租户|房东|患者|死者|村民|居民"
)
_NAME_AFTER_TRIGGER_RE = re.compile(rf"(?:{_NAME_TRIGGERS})(?:方|人)?[:：\s]*(?P<name>{_NAME_CORE})")
_HONORIFICS = "先生|女士|老人|老汉|老太|大爷|大妈|大娘|阿姨|师傅|同志|老师|医生|律师"
_NAME_BEFORE_HONORIFIC_RE = re.compile(rf"(?P<name>{_NAME_CORE})(?=(?:{_HONORIFICS}))")
# Surnames that are also common function words: "向王刚先生" is 王刚, not 向王刚.
_FUNCTION_SURNAMES = set("向于和与对由将为及经成时明和全应连车项解管查")
_NOT_NAMES = {"双方", "一方", "本人", "方面", "代理", "律师"}

_ADDR_PART = (
    "省|自治区|特别行政区|市|自治州|地区|州|盟|区|县|旗|乡|镇|街道|村|社区|居委会|小区|花园|公寓|新村|家园|苑|大院"
    "|大厦|广场|路|街|大街|大道|巷|弄|胡同|里"
)
_ADDR_NUM = r"[0-9０-９一二三四五六七八九十百零〇]+"
_ADDR_UNIT = r"(?:号院|号楼|号|栋|幢|座|楼|单元|室|层|组|户)"
_ADDR_RE = re.compile(
    rf"(?:[{_HAN}]{{1,12}}?(?:{_ADDR_PART}))+(?:{_ADDR_NUM}(?:-{_ADDR_NUM})?{_ADDR_UNIT})+"
    rf"(?:{_ADDR_NUM}(?:-{_ADDR_NUM})?)?"
)
# Words that lead into an address but are not part of it: the address starts after the last of these.
_ADDR_LEAD_RE = re.compile(
    r"^.*(?:家住|现住|住在|住址|地址|住所地|户籍地|位于|居住在|居住于|住于|来自|搬到|在|住|到|是|为)[:：]?"
)


@dataclass(frozen=True)
class Span:
    """One detected piece of personal data: ``text[start:end] == value``."""

    start: int
    end: int
    kind: str
    value: str


@dataclass
class Redaction:
    """The result of :func:`redact`.

    ``mapping`` holds placeholder -> original for every placeholder in ``text`` (and those passed in);
    ``counts`` is how many occurrences of each kind were replaced in this text.
    """

    text: str
    mapping: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.counts)


# ---------------------------------------------------------------------------------------------- detectors
def _ids(text: str) -> Iterator[Span]:
    for m in _ID_RE.finditer(text):
        if is_valid_id_number(m.group()):
            yield Span(m.start(), m.end(), "身份证号", m.group())


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_valid(digits):
            yield Span(m.start(), m.end(), "银行卡号", m.group())


def _simple(kind: str, pattern: re.Pattern[str]) -> Callable[[str], Iterator[Span]]:
    def detect(text: str) -> Iterator[Span]:
        for m in pattern.finditer(text):
            yield Span(m.start(), m.end(), kind, m.group())

    return detect


def _plates(text: str) -> Iterator[Span]:
    for m in _PLATE_RE.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= 2:  # "京AB" + letters only is a word, not a plate
            yield Span(m.start(), m.end(), "车牌号", m.group())


def _addresses(text: str) -> Iterator[Span]:
    for m in _ADDR_RE.finditer(text):
        start, value = m.start(), m.group()
        lead = _ADDR_LEAD_RE.match(value)
        if lead and lead.end() < len(value):
            start, value = start + lead.end(), value[lead.end() :]
        if re.search(f"(?:{_ADDR_PART})", value):
            yield Span(start, m.end(), "地址", value)


def _names(text: str) -> Iterator[Span]:
    found: set[str] = set()
    for pattern in (_NAME_AFTER_TRIGGER_RE, _NAME_BEFORE_HONORIFIC_RE):
        for m in pattern.finditer(text):
            name, start = m.group("name"), m.start("name")
            if (
                pattern is _NAME_BEFORE_HONORIFIC_RE
                and len(name) == 3
                and name[0] in _FUNCTION_SURNAMES
                and name[1] in _SURNAMES
            ):
                name, start = name[1:], start + 1
            if name not in _NOT_NAMES and "某" not in name:
                found.add(name)
                yield Span(start, start + len(name), "姓名", name)
    # Once a name is known from context, every other mention of it is the same person.
    for name in sorted(found, key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            yield Span(m.start(), m.end(), "姓名", name)


_DETECTORS: dict[str, Callable[[str], Iterator[Span]]] = {
    "电子邮箱": _simple("电子邮箱", _EMAIL_RE),
    "身份证号": _ids,
    "银行卡号": _cards,
    "手机号": _simple("手机号", _MOBILE_RE),
    "固定电话": _simple("固定电话", _LANDLINE_RE),
    "车牌号": _plates,
    "地址": _addresses,
    "姓名": _names,
}


def find_pii(text: str, known: Mapping[str, str] | None = None) -> list[Span]:
    """All non-overlapping personal-data spans in ``text``, in order; higher-priority kinds win overlaps.

    ``known`` (placeholder -> original, from earlier messages) adds every literal mention of those values: a
    name introduced as "申请人张三" in the first message is still a name when the second just says "张三".
    """
    known_by_kind: dict[str, set[str]] = {}
    for placeholder, value in (known or {}).items():
        if value:
            known_by_kind.setdefault(_kind_of(placeholder), set()).add(value)
    taken: list[Span] = []
    for kind in KINDS:
        spans = list(_DETECTORS[kind](text))
        for value in sorted(known_by_kind.get(kind, ()), key=len, reverse=True):
            spans += [Span(m.start(), m.end(), kind, value) for m in re.finditer(re.escape(value), text)]
        for span in spans:
            if not any(span.start < t.end and t.start < span.end for t in taken):
                taken.append(span)
    return sorted(taken, key=lambda s: s.start)


def contains_pii(text: str) -> bool:
    """True if :func:`redact` would change ``text``."""
    return bool(find_pii(text))


_PLACEHOLDER_RE = re.compile(rf"〔({'|'.join(KINDS)})(\d+)〕")


def redact(text: str, mapping: Mapping[str, str] | None = None) -> Redaction:
    """Replace personal data in ``text`` with numbered placeholders.

    Pass the ``mapping`` of earlier redactions in the same conversation to keep placeholders stable: a value
    seen before gets its old placeholder, a new value the next free number of its kind.
    """
    out = dict(mapping or {})
    by_value = {(_kind_of(p), v): p for p, v in out.items()}
    next_n: dict[str, int] = {}
    for p in out:
        m = _PLACEHOLDER_RE.fullmatch(p)
        if m:
            next_n[m.group(1)] = max(next_n.get(m.group(1), 0), int(m.group(2)))
    counts: dict[str, int] = {}
    pieces: list[str] = []
    pos = 0
    for span in find_pii(text, out):
        placeholder = by_value.get((span.kind, span.value))
        if placeholder is None:
            n = next_n.get(span.kind, 0) + 1
            while f"〔{span.kind}{n}〕" in text:  # never collide with a literal placeholder in the input
                n += 1
            next_n[span.kind] = n
            placeholder = f"〔{span.kind}{n}〕"
            by_value[(span.kind, span.value)] = placeholder
            out[placeholder] = span.value
        pieces.append(text[pos : span.start])
        pieces.append(placeholder)
        pos = span.end
        counts[span.kind] = counts.get(span.kind, 0) + 1
    pieces.append(text[pos:])
    return Redaction(text="".join(pieces), mapping=out, counts=counts)


def _kind_of(placeholder: str) -> str:
    m = _PLACEHOLDER_RE.fullmatch(placeholder)
    return m.group(1) if m else ""


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the originals back for every placeholder in ``mapping``; unknown placeholders stay as they are.

    One pass over the text, so a restored value that happens to look like a placeholder is never replaced
    again.
    """
    if not mapping:
        return text
    return _PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
