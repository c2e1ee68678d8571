"""Detection and reversible redaction of personal data (个人信息) in Chinese text.

Every message that leaves the service toward a model, every log line and every audit record passes through
:func:`redact` first. Redaction is reversible: the caller keeps ``Redaction.mapping`` (placeholder -> original)
and :func:`restore` puts the originals back into the model's answer when the caller's role may see them.

Placeholders look like ``〔身份证号1〕``: the corner brackets never occur in ordinary input, the kind tells the
model what stood there (so it can still reason "the applicant's phone"), and the number keeps two different
values apart. The same value always gets the same placeholder, also across the messages of one conversation
when the previous mapping is passed back in (``redact(text, mapping=previous.mapping)``).

What is detected, and how reliably (for names recall is preferred: an over-redacted word costs the model a
little context, a leaked name is a defect):

======== =========================================================================================
身份证号  18 digits (last may be X) with a valid GB 11643 check digit and a real birth date; 15-digit
          pre-1999 numbers with a real birth date. A number with a wrong check digit is *not* an ID.
银行卡号  16-19 digits, optionally grouped by spaces/dashes, passing the Luhn check.
手机号    1[3-9]x + 8 digits, optionally ``+86``/``0086``/``86`` and spaces or dashes between groups.
固定电话  0 + 2-3 digit area code + 7-8 digits, with a dash/space or the area code in brackets; ``-ext``.
电子邮箱  the usual ``local@domain.tld`` shape.
车牌号    province abbreviation + letter + 5 (regular) or 6 (new-energy, D/F) characters; 挂/学/警 plates.
姓名      a common surname (ingest/zh/surnames.txt, ~310) + 1-2 given-name characters, in context: after a formal
          trigger (姓名/申请人/当事人/原告/被告/我叫 …) anything; after a role word (邻居/丈夫/老板/同事/房东/
          司机/对方 …), before an honorific (先生/女士/大爷/师傅 …) or before/after a person verb or particle
          (说/称/欠/借/和/与/把/拒绝/不还 …, 转给了/起诉 …) only with common given-name characters
          (given_name_chars.txt) and never when the text is an ordinary word that starts with a surname
          character (not_names.txt: 高兴, 马上, 房租, 张家港 …). Also 某-pseudonyms (刘某某, 张某 — they still
          point at a person in a village), surname + honorific kept whole (张先生, 王大爷, 韩老师) and 小王/老李
          before a person verb or at a clause end. Once found, every other occurrence of that name is redacted
          too. Measured on tests/data/privacy_names.jsonl: see docs/api.md.
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
from pathlib import Path

from ingest import zh

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

# ---------------------------------------------------------------------------------------------- names
# Names are the fuzzy kind. A candidate is a common surname (data file) + 1-2 given-name characters, and it
# needs context to count: a trigger/role word before it (申请人, 邻居, 丈夫, 老板 …), an honorific after it
# (先生, 阿姨 …), a 某 pseudonym (刘某某), 小/老 + surname with a person verb after it (老王说), or a verb or
# particle typical of a person after it (张伟说, 王芳和, 胡军欠). The last context is weak, so there the given
# name must use common given-name characters and the text must not be an ordinary word that merely starts
# with a surname character (高兴, 马上, 房租 …, data file). Recall is preferred over precision here: an
# over-redacted word costs the model a little context, a leaked name is a defect.
_DATA_DIR = Path(__file__).parent


def _load_words(filename: str) -> list[str]:
    """Whitespace-separated entries of a data file in this package; lines starting with # are notes."""
    text = (_DATA_DIR / filename).read_text(encoding="utf-8")
    return [w for line in text.splitlines() if not line.startswith("#") for w in line.split()]


_SINGLE_SURNAMES, _COMPOUND_SURNAMES = zh.SINGLE_SURNAMES, zh.COMPOUND_SURNAMES  # ingest/zh/surnames.txt
_GIVEN_CHARS = frozenset("".join(_load_words("given_name_chars.txt")))
_NOT_NAME_WORDS = frozenset(_load_words("not_names.txt"))
_NOT_NAME_MAX = max(map(len, _NOT_NAME_WORDS))
# Characters that end a name: a name followed by one of these is at most what came before.
_NAME_STOP = frozenset(
    "因与和及的在于是称向对说等诉要将把被之了也都就从到系为自已经还又并同跟给让叫由以某人们者"
    "先女老阿师书记主任村镇区县市省路街号室组楼"
    "欠打借骂告拿找住租买卖偷砍踢推抢占拆堵扔拒不没未却才再曾竟"
)
# Two-character words that often follow a name; a given name never ends inside one ("李强拖欠" is 李强).
_AFTER_NAME_WORDS = frozenset(_load_words("after_name_words.txt"))
# Formal triggers: a surname right after one of these starts a name, whatever its given-name characters.
_FORMAL_TRIGGERS = (
    "姓名|被申请人|申请人|当事人|原告|被告|第三人|被害人|受害人|证人|联系人|户主|法定代表人|委托代理人|代理人"
    "|我叫|本人叫|名叫|名字叫"
)
_FORMAL_BEFORE_RE = re.compile(rf"(?:{_FORMAL_TRIGGERS})(?:方|人)?[:：\s]*$")
# Role words: after these a verb is as likely as a name ("哥哥付了钱"), so the given name must be plausible.
_NAME_TRIGGERS = (
    f"{_FORMAL_TRIGGERS}"
    "|业主|租户|租客|房东|患者|死者|村民|居民|邻居|丈夫|妻子|老公|老婆|前夫|前妻|儿子|女儿"
    "|儿媳|女婿|父亲|母亲|爸爸|妈妈|公公|婆婆|岳父|岳母|哥哥|姐姐|弟弟|妹妹|侄子|外甥|孙子|孙女|老板|老板娘|同事"
    "|同学|朋友|包工头|工头|队长|组长|班长|司机|对方|借款人|出借人|担保人|经理|总经理|老师|班主任|校长|医生|护士"
    "|干部|村长|会计|店主|卖家|买家|承包人|合伙人|雇主|员工|工人|保姆|债务人|债权人|嫌疑人|肇事者"
)
_ROLE_BEFORE_RE = re.compile(rf"(?:{_NAME_TRIGGERS})(?:方|人)?[:：\s]*$")
_ROLE_START_RE = re.compile(rf"(?:{_NAME_TRIGGERS})")
_HONORIFICS = (
    "先生|女士|小姐|老人|老汉|老太|大爷|大妈|大娘|大叔|大姐|大哥|大嫂|阿姨|师傅|同志|老师|医生|律师|经理|主任"
    "|书记|老板|奶奶|爷爷"
)
_HONORIFIC_RE = re.compile(rf"(?:{_HONORIFICS})")
# Verbs and particles after which a surname + given name is read as a person (weak context).
_PERSON_AFTER_RE = re.compile(
    r"(?:说|称|讲|表示|欠|打|骂|借|向|和|与|跟|同|把|被|让|给|对|拒|不还|不给|不肯|不愿|不同意|不承认|承认|否认"
    r"|要求|认为|声称|答应|同意|签|私自|擅自|多次|经常|一直|至今|却|也|还|又|就|都|曾|已|家|的|夫妇|夫妻|一家"
    r"|因|两位|两人|二人|驾驶|开车|起诉|辩称|反映|投诉|霸占|占用|强行|偷|砍|殴打|威胁|辱骂|拖欠|承诺|提出|是|在|于|今年|去年)"
)
# Verbs before a name: "转给了蔡明亮", "起诉赵磊" (weak context, like the verbs after).
_PERSON_BEFORE_RE = re.compile(r"(?:给了?|告诉|起诉|找到?|联系|通知|催促?|嫁给|娶了|雇了?|与|跟)$")
# Surnames that are also common function words: "和王芳" is 王芳, "向我借" is nobody.
_FUNCTION_SURNAMES = frozenset("向于和与对由将为及经成时明全应连车项解管查万安文")
_NUMERALS = frozenset("一二三四五六七八九十两")
_COUNTED = frozenset("十百千万元块个岁年月日天次位")
# What may follow a 某 pseudonym without it being "某日/某地/某公司".
_NOT_AFTER_MOU = frozenset("日月年地处时种些个天项件人物类位方面公单村镇区县市省次点")


def _is_word_at(text: str, i: int, max_len: int) -> bool:
    """True if an ordinary word (not a name) starts at ``i`` and is at most ``max_len`` long."""
    return any(text[i : i + n] in _NOT_NAME_WORDS for n in range(2, min(max_len, _NOT_NAME_MAX) + 1))


def _word_ends_at(text: str, end: int) -> bool:
    """True if an ordinary word ends at ``end`` ("同时" for the 时 at end-1): then the surname is part of it."""
    return any(end - n >= 0 and text[end - n : end] in _NOT_NAME_WORDS for n in (2, 3))


def _given_len(text: str, j: int) -> int:
    """How many of the characters at ``j`` (at most 2) can be a given name: Han, no stop character, not the
    start of a word that typically follows a name."""
    n = 0
    while (
        n < 2 and j + n < len(text) and "\u4e00" <= text[j + n] <= "\u9fff" and text[j + n] not in _NAME_STOP
    ):
        if text[j + n : j + n + 2] in _AFTER_NAME_WORDS:
            break
        n += 1
    return n


def _name_at(text: str, i: int) -> tuple[int, int] | None:
    """The (start, end) of a name whose surname starts at ``i``, or None; see the note above for the rules."""
    if text[i : i + 2] in _COMPOUND_SURNAMES:
        surname_len = 2
    elif text[i] in _SINGLE_SURNAMES:
        surname_len = 1
    else:
        return None
    j = i + surname_len
    function_word = surname_len == 1 and text[i] in _FUNCTION_SURNAMES
    if function_word and j < len(text) and text[j] in _SINGLE_SURNAMES:
        return None  # "向王刚借钱": the name starts at the next character
    formal = bool(_FORMAL_BEFORE_RE.search(text, max(0, i - 10), i))
    role = formal or bool(_ROLE_BEFORE_RE.search(text, max(0, i - 10), i))
    inside_word = _word_ends_at(text, i + 1)
    # 刘某 / 刘某某: a pseudonym still names a person to the people around them.
    if text.startswith("某", j):
        end = j + 2 if text.startswith("某某", j) else j + 1
        if (end >= len(text) or text[end] not in _NOT_AFTER_MOU) and not inside_word:
            return i, end
        return None
    # 张先生 / 王大爷 / 韩老师: surname + honorific, kept whole.
    title = _HONORIFIC_RE.match(text, j)
    if title and not function_word and not inside_word and not _is_word_at(text, i, 3):
        return i, title.end()
    g = _given_len(text, j)
    if g == 2 and (
        text[j + 1] not in _GIVEN_CHARS or (text[j + 1] in _NUMERALS and text[j + 2 : j + 3] in _COUNTED)
    ):
        g = 1  # "徐静嫁到", "郑浩五千块": 嫁 is no given-name character, 五千 a number
    if g == 0 or _ROLE_START_RE.match(text, j):
        return None  # "父亲和母亲": 和 joins two role words
    end = j + g
    given = text[j:end]
    plausible = all(c in _GIVEN_CHARS for c in given) and (g == 2 or not function_word)
    if inside_word or (function_word and not plausible):
        return None
    if formal or ((role or _HONORIFIC_RE.match(text, end)) and plausible):
        return None if _is_word_at(text, i, end - i + 1) else (i, end)
    # Weak context: a person verb after or before, a plausible given name, and not an ordinary word.
    if not plausible or _is_word_at(text, i, _NOT_NAME_MAX):
        return None
    if _PERSON_AFTER_RE.match(text, end) or _PERSON_BEFORE_RE.search(text, max(0, i - 4), i):
        return i, end
    return None


def _nickname_at(text: str, i: int) -> tuple[int, int] | None:
    """小王 / 老李 with a person verb after it, a role word before it or the clause ending after it ("老王说",
    "同事小李", "看门的老刘。")."""
    if text[i] not in "小老" or i + 1 >= len(text) or text[i + 1] not in _SINGLE_SURNAMES:
        return None
    if _is_word_at(text, i, 3) or _is_word_at(text, i + 1, 3):
        return None
    ends_clause = i + 2 == len(text) or not "\u4e00" <= text[i + 2] <= "\u9fff"
    if ends_clause or _PERSON_AFTER_RE.match(text, i + 2) or _ROLE_BEFORE_RE.search(text, max(0, i - 10), i):
        return i, i + 2
    return None


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
    i = 0
    while i < len(text):
        span = _nickname_at(text, i) or _name_at(text, i)
        if span is None:
            i += 1
            continue
        found.add(text[span[0] : span[1]])
        yield Span(span[0], span[1], "姓名", text[span[0] : span[1]])
        i = span[1]
    # Once a name is known from context, every other mention of it is the same person.
    for name in sorted(found, key=lambda n: (-len(n), n)):  # ties by text: same output whatever the hash seed
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
