"""Detection of personal names (姓名) in Chinese text: the fuzzy kind (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from brain.privacy.types import Span
from ingest import zh

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


def find_names(text: str) -> Iterator[Span]:
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
