"""Text features the detectors use: character shingles and MinHash, the counterparty named in a complaint,
collective-action and threat language, and the keyed hash of a person.

Everything here reads the *redacted* text: names, ID numbers and phones are already placeholders, so two
complaints are similar because of what they say, not because the same placeholder appears in both."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

import numpy as np

from brain.ledger.crypto import normalise as normalise_identifier  # 138-0013-8000 = +86 13800138000

SHINGLE = 3
NUM_PERM = 64
_PLACEHOLDER = re.compile(r"[\[【<〈][^\]】>〉]{1,12}[\]】>〉]")
_NON_WORD = re.compile(r"[^\w]+")

# 群体性 language: an action a group takes (Ministry of Public Security usage for 群体性事件 precursors).
COLLECTIVE_ACTION = re.compile(
    r"集体上访|集体信访|越级上访|堵路|拦路|堵门|拉横幅|打横幅|静坐|围堵|聚集|联名|集体讨薪|罢工"
)
GROUP_SUBJECT = re.compile(
    r"我们|大家|工友|村民们?|业主们|工人们|多名|几十|数十|上百|[0-9０-９]{2,}\s*[名户人位]|全体"
)
# 民转刑 precursors: threats and weapons (the intake risk rules name the same signals).
THREAT = re.compile(r"扬言|报复|威胁|同归于尽|砍死|杀了|弄死|拿刀|持刀|动刀|放火|烧了|炸了|不想活|拼命")

# A counterparty: an organisation or object named by a proper name + a generic head.
_ORG_HEAD = (
    "有限责任公司|股份有限公司|有限公司|公司|集团|工厂|化工厂|厂|项目部|工地|物业|物业公司|小区|楼盘|"
    "花园|家园|合作社|学校|幼儿园|医院|酒店|超市|商场|工程|养殖场|砖厂|采石场|加油站"
)
_HEAD_RE = re.compile(rf"(?:{_ORG_HEAD})")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]")
# Where a proper name cannot continue leftwards: function words and pronouns (the name starts after them).
_STOP = re.compile(
    r".*(?:的|了|在|是|与|对|向|被|给|把|从|到|我|你|他|她|们|这|那|说|称|及|或|找|买|投诉|反映|举报|关于|附近|边|欠|由|让|去|住|"
    r"处理|要求|请求|希望|查处|整治|关闭|尽快|立即|责令|督促|协调|解决|帮忙|监管|检查|调查|曝光|管管|"
    # when, not who: 最近每天晚上小区… names no 小区
    r"最近|每天|天天|晚上|白天|夜里|夜间|凌晨|早上|中午|下午|今天|昨天|前天|现在|一直|经常|几天|多次)"
)
_GENERIC_PREFIX = re.compile(r"^(某|该|本|此|其|XX|xx|××|一家|一个|一所|有限|各|每|哪|村|镇|县|市)")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _PLACEHOLDER.sub("", text)
    return _NON_WORD.sub("", text).lower()


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    t = normalise(text)
    if len(t) <= k:
        return {t} if t else set()
    return {t[i : i + k] for i in range(len(t) - k + 1)}


@lru_cache(maxsize=1)
def _perm() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20260101)
    prime = np.uint64((1 << 61) - 1)
    a = rng.integers(1, int(prime), size=NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, int(prime), size=NUM_PERM, dtype=np.uint64)
    return a, b


def minhash(sh: set[str]) -> np.ndarray:
    """A datasketch-compatible MinHash signature (``datasketch.MinHash(hashvalues=...)`` accepts it)."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, permutations=_perm())
    if sh:
        m.update_batch([s.encode("utf-8") for s in sh])
    return np.asarray(m.hashvalues, dtype=np.uint64)


def words(text: str) -> frozenset[str]:
    """The content words (jieba search mode, the retrieval analyzer's stop words) of a redacted text, less
    the counterparties it names (that several people name one company is the 群体性 detector's business)."""
    from brain.retrieval.text import tokenize

    t = _PLACEHOLDER.sub("", unicodedata.normalize("NFKC", text))[:1000]
    for name in counterparties(t):
        t = t.replace(name, "，")
    return frozenset(w for w in tokenize(t) if len(w) >= 2)


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def counterparties(text: str) -> list[str]:
    """Proper-named organisations or objects in the text, generic ones (某公司, 该小区) dropped."""
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    pos = 0
    while (m := _HEAD_RE.search(text, pos)) is not None:
        pos = m.end()
        i = m.start()
        while i > 0 and m.start() - i < 10 and _NAME_CHAR.match(text[i - 1]):
            i -= 1
        left = text[i : m.start()]
        cut = _STOP.match(left)
        proper = left[cut.end() :] if cut else left
        # a longer head may follow directly (建筑劳务 + 有限公司): the proper part then ends at this head
        name = proper + m.group(0)
        if len(proper) < 2 or _GENERIC_PREFIX.match(name):
            continue
        if name not in out:
            out.append(name)
    return [n for n in out if not any(o != n and o.startswith(n) for o in out)]


# Counterparty keys: complainants name one organisation in different words (宏达建筑劳务有限公司, 宏达公司,
# 宏达工地; 新纪元房地产开发有限公司 and its 新纪元楼盘). The key is the brand left after stripping, from the
# end, heads, legal forms and trade words, plus a family, so that 阳光幼儿园, 阳光医院 and 阳光超市 stay apart
# from 阳光 the company or estate (a developer, its estate and the estate's 物业 share the brand: one object).
_TRADE = (
    "建筑劳务|劳务派遣|建筑工程|建筑|劳务|建设|工程|装饰|装修|物流|快递|运输|房地产开发|房地产|地产|置业|"
    "物业服务|物业管理|化工|科技|实业|贸易|商贸|电子|食品|环保|制造|机械|纺织|服装|制衣|印染|家具|电器|"
    "养殖|农业|开发|投资|餐饮|医药|汽车|矿业|石材|砂石|水泥|砖瓦|网络|文化|培训|服务|管理"
)
_TAIL = re.compile(rf"(?:{_ORG_HEAD}|{_TRADE})$")
_FAMILIES = (
    ("学", re.compile(r"学校|幼儿园")),
    ("医", re.compile(r"医院")),
    ("商", re.compile(r"酒店|超市|商场|加油站")),
)


def counterparty_key(name: str) -> str:
    """The grouping key of a counterparty: brand + family (``宏达/企``). Two names with one key are taken
    for one organisation; a brand is never cut below two characters."""
    name = unicodedata.normalize("NFKC", name)
    family = next((f for f, rx in _FAMILIES if rx.search(name)), "企")
    core = name
    while (m := _TAIL.search(core)) is not None and m.start() >= 2:
        core = core[: m.start()]
    return f"{core}/{family}"


def collective_language(text: str) -> list[str]:
    """The collective-action words, only when the text speaks of a group (我们…集体上访, 几十名工人…堵路)."""
    acts = COLLECTIVE_ACTION.findall(text)
    if not acts or not GROUP_SUBJECT.search(text):
        return []
    return sorted(set(acts))


def threat_words(text: str) -> list[str]:
    return sorted(set(THREAT.findall(text)))


def person_hash(key: str, kind: str, value: str) -> str:
    """Keyed hash (HMAC-SHA256) of one identifier: the same person matches across cases without the clear
    value being stored. ``kind`` keeps an ID number and a phone that happen to share digits apart."""
    v = normalise_identifier(
        {"id": "id_number"}.get(kind, kind), unicodedata.normalize("NFKC", value)
    ).upper()
    return hmac.new(key.encode(), f"{kind}:{v}".encode(), hashlib.sha256).hexdigest()[:32]
