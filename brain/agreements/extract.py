"""Rule-based extraction: parties, terms, amounts, deadlines, methods from what the mediator typed.

Deterministic mode uses nothing else, and LLM mode falls back to it, so the rules aim at the way 调解员 write:
``申请人：张建国，男，1968年5月生，汉族，住……``, ``甲方王某某与乙方李某``, ``被申请人于2026年3月31日前以银行
转账方式向申请人支付赔偿款15000元``. Every value taken here is a span of the input; when a rule finds
nothing the value stays ``None`` and is reported missing rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from brain.agreements.amounts import (
    AmountMention,
    find_amounts,
    format_amount,
    parse_chinese_amount,
    to_capital,
)
from brain.agreements.models import AgreementWarning, Obligation, Party, Term, TermInput
from ingest.statute import cn_to_int

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
_COMMON_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇"
    "栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊"
    "仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓"
    "修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由小老"
)
PARTY_HEADER_RE = re.compile(
    r"(?:^|(?<=[。\n]))\s*(?:被申请人|申请人|甲方|乙方|丙方|丁方)\s*[:：][^。\n]*[。\n]?"
)

DATE_RE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
_ISO_DATE_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_RELATIVE_RE = re.compile(
    r"(?:本协议|协议|调解协议)?(?:签订|签署|签字|生效)(?:之日|后)?起?(?P<n>\d+|[一二三四五六七八九十两]{1,3})(?:个)?(?P<unit>工作日|日|天)内"
)
_SPOT_RE = re.compile(r"当场|当即|即时|签订协议时|签字时|当日")
# Conditional deadlines: 于收到退款时, 于出院之日起十五日内, 付清后三日内.
_CONDITION_RE = re.compile(
    r"于?(?P<w>(?:收到|付清|结清|出院|完工|交付|验收)[^，,。；;]{0,10}?"
    r"(?:时|当日|之日起[^，,。；;]{1,6}?(?:日|天)内|后[^，,。；;]{1,4}?(?:日|天)内))"
)

METHODS = [
    ("银行转账", r"银行转账|银行汇款|转账至.{0,12}银行|银行卡"),
    ("微信转账", r"微信"),
    ("支付宝转账", r"支付宝"),
    ("现金", r"现金"),
    ("转账", r"(?<!银行)(?<!微信)(?<!支付宝)转账|(?<!银行)汇款"),
]
OBLIGATION_VERBS = (
    "支付",
    "赔偿",
    "给付",
    "返还",
    "偿还",
    "归还",
    "补偿",
    "退还",
    "付清",
    "承担",
    "修复",
    "修缮",
    "拆除",
    "恢复",
    "清理",
    "搬离",
    "腾退",
    "改道",
    "维修",
    "赔礼道歉",
    "道歉",
    "交付",
    "迁出",
    "停止",
    "清除",
    "补发",
    "发放",
    "结清",
    "缴纳",
    "缴清",
    "交纳",
)
NON_OBLIGATION = re.compile(r"再无|不再|放弃|互不|终结|了结|一次性了断|不得以|无其他|无任何")
_TOTAL_RE = re.compile(r"(共计|合计|总计|总额|共)\s*$")
RESPONSIBILITY_RE = re.compile(r"[^。；\n]*(?:责任|过错|过失)[^。；\n]*[。；]?")

DISPUTE_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("劳动争议纠纷（工伤）", ("工伤", "工亡", "受伤住院期间工资")),
    ("道路交通事故纠纷", ("交通事故", "交警", "追尾", "相撞", "交强险")),
    ("赡养纠纷", ("赡养",)),
    ("抚养（扶养）纠纷", ("抚养费", "扶养")),
    ("物业服务纠纷", ("物业费", "物业公司", "物业服务")),
    ("相邻关系纠纷", ("相邻", "邻居", "漏水", "排水", "通行", "采光", "宅基地")),
    ("劳动争议纠纷", ("工资", "劳动合同", "加班费", "经济补偿")),
    ("民间借贷纠纷", ("借款", "欠款", "借条", "欠条", "还款")),
    ("消费纠纷", ("购买", "退货", "商品", "消费者")),
    ("婚姻家庭纠纷", ("离婚", "夫妻", "彩礼")),
    ("损害赔偿纠纷", ("赔偿",)),
]


@dataclass
class Extraction:
    """What the rules found, plus warnings about what they found (an invalid date, clashing amounts)."""

    parties: list[Party] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    responsibility: str | None = None
    dispute_type: str | None = None
    warnings: list[AgreementWarning] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- dates
def parse_date(text: str) -> tuple[date | None, str | None]:
    """First date in ``text`` -> (date, None), or (None, reason) when a date is written but cannot exist."""
    m = DATE_RE.search(text) or _ISO_DATE_RE.search(text)
    if not m:
        return None, None
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    try:
        return date(y, mo, d), None
    except ValueError:
        return (
            None,
            f"日期“{m.group(0)}”不存在（{y}年{mo}月没有{d}日）"
            if 1 <= mo <= 12
            else f"日期“{m.group(0)}”不存在",
        )


def invalid_dates(text: str) -> list[str]:
    """Every written date in ``text`` that no calendar has (2月30日, 13月1日)."""
    bad = []
    for m in DATE_RE.finditer(text):
        try:
            date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            bad.append(m.group(0))
    return bad


def parse_deadline(text: str, signing: date | None) -> tuple[date | None, str | None, str | None]:
    """A deadline in a clause -> (date or None, the words used, an error message or None).

    Absolute dates (``于2026年3月31日前``) become dates; relative ones (``协议签订之日起十日内``) keep their
    words and get a date only when the signing date is known; ``当场`` means on signing.
    """
    m = DATE_RE.search(text) or _ISO_DATE_RE.search(text)
    if m:
        tail = text[m.end() : m.end() + 3]
        words = m.group(0) + ("前" if tail.startswith(("前", "之前", "以前")) else "")
        d, err = parse_date(m.group(0))
        return d, words, err
    r = _RELATIVE_RE.search(text)
    if r:
        days = cn_to_int(r["n"])
        d = signing + timedelta(days=days) if signing and r["unit"] != "工作日" else None
        return d, r.group(0), None
    c = _CONDITION_RE.search(text)
    if c:
        return None, c["w"], None
    s = _SPOT_RE.search(text)
    if s:
        return signing, "签订协议时当场", None
    return None, None, None


# ---------------------------------------------------------------------------------------------- parties
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
    if m := re.search(r"(\d{4}年\d{1,2}月(?:\d{1,2}日)?(?:出)?生)", segment):
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
                after not in _BARE_NAME_FOLLOW or (kind == "自然人" and name[0] not in _COMMON_SURNAMES)
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


# ---------------------------------------------------------------------------------------------- terms
def split_terms(text: str) -> list[str]:
    """Numbered items (一、 1. （1）), else lines, else sentences — each becomes one term."""
    text = text.strip()
    marker = re.compile(
        r"(?:^|(?<=[\n。；;]))\s*(?:[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}\s*[、.．)）]|[（(][一二三四五六七八九十\d]{1,3}[）)])\s*"
    )
    pieces = [p for p in marker.split(text) if p and p.strip()]
    if len(pieces) <= 1:
        pieces = [p for p in re.split(r"\n+", text) if p.strip()]
    if len(pieces) <= 1:
        pieces = [p for p in re.split(r"(?<=[。])", text) if p.strip()]
    out = []
    for p in pieces:
        p = re.sub(r"\s+", "", p).rstrip("；;，,")
        if p and not p.endswith("。"):
            p += "。"
        if p and p != "。":
            out.append(p)
    return out


@dataclass
class _Ref:
    start: int
    end: int
    name: str


def _party_refs(text: str, parties: list[Party]) -> list[_Ref]:
    """Where each party is mentioned (by name, or by role word when one party holds that role)."""
    by_role: dict[str, list[str]] = {}
    for p in parties:
        by_role.setdefault(p.role, []).append(p.name)
    words: list[tuple[str, str]] = [(p.name, p.name) for p in parties]
    words += [(role, names[0]) for role, names in by_role.items() if len(names) == 1 and role != "当事人"]
    words.sort(key=lambda w: -len(w[0]))
    taken = [False] * len(text)
    refs: list[_Ref] = []
    for word, name in words:
        for m in re.finditer(re.escape(word), text):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            refs.append(_Ref(m.start(), m.end(), name))
    return sorted(refs, key=lambda r: r.start)


def method_of(text: str) -> str | None:
    """银行转账 / 现金 / 微信转账 …; alternatives (以现金或银行转账方式) are kept as alternatives."""
    hits = sorted((m.start(), label) for label, pattern in METHODS if (m := re.search(pattern, text)))
    labels = [label for _, label in hits if not (label == "转账" and len(hits) > 1)]
    return "或".join(labels) if labels else None


def _place(text: str) -> str | None:
    m = re.search(r"履行地点\s*[为是：:]\s*([^，,。；;]{2,40})", text)
    if m:
        return m.group(1)
    for m in re.finditer(rf"在([{_CJK}\d]{{2,20}}?)(?=以|向|当面|当场|支付|交付|缴纳|退还|给付)", text):
        if not re.search(r"[前后内时日期间]", m.group(1)):
            return m.group(1)
    return None


def _obligor_payee(text: str, verb_at: int, refs: list[_Ref]) -> tuple[str | None, str | None]:
    """Who owes and who receives. Before the verb: 向/给/对/欠 mark the payee, 由 marks the obligor, otherwise
    the first party named is the subject (the obligor). After the verb the first other party is the payee."""
    obligor = payee = None
    agent = None
    for r in refs:
        before = text[max(0, r.start - 3) : r.start]
        if r.start < verb_at:
            if before.endswith(("向", "给", "对", "欠", "欠付")):
                payee = payee or r.name
            elif before.endswith("由"):
                agent = r.name
            elif obligor is None:
                obligor = r.name
        elif payee is None and r.name not in (obligor, agent):
            payee = r.name
            break
    if agent is not None:
        if obligor not in (None, agent) and payee is None:
            payee = obligor
        obligor = agent
    return obligor, payee


def _rewrite_amounts(text: str, mentions: list[AmountMention]) -> str:
    """Write every consistent amount as 人民币X元（大写：…）; an inconsistent one stays as typed (and is flagged)."""
    out, pos = [], 0
    for a in mentions:
        out.append(text[pos : a.start])
        out.append(format_amount(a.value) if a.consistent else a.text)
        pos = a.end
    out.append(text[pos:])
    return "".join(out)


def parse_term(
    index: int, raw: str, parties: list[Party], signing: date | None, warnings: list[AgreementWarning]
) -> Term:
    """One agreed item -> a :class:`Term` with its obligations (one per sum to be paid, or one for an act)."""
    path = f"agreed_terms[{index - 1}]"
    # Clashing figures/capitals and impossible dates stay in the text as typed; validation reports them.
    mentions = find_amounts(raw)
    text = _rewrite_amounts(raw, mentions)
    verb = next((m for m in re.finditer("|".join(OBLIGATION_VERBS), raw)), None)
    if verb is None or (NON_OBLIGATION.search(raw) and not mentions):
        return Term(index=index, text=text)
    refs = _party_refs(raw, parties)
    obligor, payee = _obligor_payee(raw, verb.start(), refs)
    method, place = method_of(raw), _place(raw)
    term_deadline = parse_deadline(raw, signing)
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^，,；;。]+", raw)]
    deadlines_in_term = sum(len(r.findall(raw)) for r in (DATE_RE, _RELATIVE_RE, _CONDITION_RE))

    def clause_of(pos: int) -> str:
        return next((raw[s:e] for s, e in clauses if s <= pos < e), raw)

    payable = [a for a in mentions if not _TOTAL_RE.search(raw[max(0, a.start - 4) : a.start])]
    totals = [a for a in mentions if a not in payable]
    if totals and len(payable) > 1:
        total = totals[0].value
        if sum(a.value for a in payable) != total:
            warnings.append(
                AgreementWarning(
                    field=f"{path}.obligations",
                    code="installment_sum_mismatch",
                    severity="error",
                    message=f"第{index}条分期金额合计{sum(a.value for a in payable)}元，与总额{total}元不符",
                )
            )
    elif totals and not payable:
        payable = totals
    obligations: list[Obligation] = []
    slots: list[AmountMention | None] = list(payable) or [None]
    for a in slots:
        if a is not None and deadlines_in_term > 1:
            deadline, words, err = parse_deadline(clause_of(a.start), signing)
        else:
            deadline, words, err = term_deadline
        if err:
            words = None
        obligations.append(
            Obligation(
                obligor=obligor,
                payee=payee if a is not None else (payee or None),
                action=verb.group(0),
                amount=a.value if a is not None and a.consistent else None,
                amount_capital=to_capital(a.value) if a is not None and a.consistent else None,
                method=method if a is not None else None,
                place=place,
                deadline=deadline,
                deadline_text=words,
            )
        )
    return Term(index=index, text=text, obligations=obligations)


def term_from_input(
    index: int, t: TermInput, parties: list[Party], signing: date | None, warnings: list[AgreementWarning]
) -> Term:
    """A structured term: fields given win over what the rules read from its text.

    A term given as text only (the UI's one-per-line form) is exactly the term ``terms_text`` would give:
    one extraction path, so the two callers cannot disagree about what is missing.
    """
    path = f"agreed_terms[{index - 1}]"
    base = parse_term(index, t.text, parties, signing, warnings) if t.text else None
    structured = t.amount is not None or any(
        getattr(t, k) for k in ("obligor", "payee", "method", "place", "deadline", "amount_capital")
    )
    if base is not None and not structured:
        return base
    ob = base.obligations[0] if base and base.obligations else Obligation()
    update: dict[str, object] = {}
    for key in ("obligor", "payee", "method", "place"):
        value = getattr(t, key)
        if value:
            update[key] = value.strip()
    if t.amount is not None:
        amount = Decimal(t.amount).quantize(Decimal("0.01"))
        update["amount"] = amount
        update["amount_capital"] = to_capital(amount)
        if t.amount_capital:
            try:
                given = parse_chinese_amount(t.amount_capital)
            except ValueError as e:
                given = None
                warnings.append(
                    AgreementWarning(
                        field=f"{path}.amount_capital",
                        code="amount_capital_unreadable",
                        severity="error",
                        message=f"第{index}条大写金额无法识别：{e}",
                    )
                )
            if given is not None and given != amount:
                warnings.append(
                    AgreementWarning(
                        field=f"{path}.amount_capital",
                        code="amount_mismatch",
                        severity="error",
                        message=f"第{index}条金额小写{amount}元与大写“{t.amount_capital}”（即{given}元）不一致；"
                        f"{amount}元应写作“{to_capital(amount)}”",
                    )
                )
    if t.deadline:
        d, words, err = parse_deadline(t.deadline, signing)
        if err:
            warnings.append(
                AgreementWarning(
                    field=f"{path}.deadline",
                    code="invalid_date",
                    severity="error",
                    message=f"第{index}条履行期限无效：{err}",
                )
            )
        update["deadline"], update["deadline_text"] = d, (None if err else (words or t.deadline.strip()))
    if not ob.action:
        update["action"] = "支付" if t.amount is not None else None
    ob = ob.model_copy(update=update)
    text = base.text if base else compose_term_text(ob)
    obligations = [ob] + (base.obligations[1:] if base else [])
    return Term(index=index, text=text, obligations=obligations)


def compose_term_text(ob: Obligation) -> str:
    """Write a structured obligation as a sentence, using only the given items (missing ones as 【待补充】)."""
    from brain.agreements.render import placeholder

    deadline = ob.deadline_text or (
        f"{ob.deadline.year}年{ob.deadline.month}月{ob.deadline.day}日前"
        if ob.deadline
        else placeholder("deadline")
    )
    amount = format_amount(ob.amount) if ob.amount is not None else ""
    method = f"以{ob.method}方式" if ob.method else ""
    place = f"在{ob.place}" if ob.place else ""
    return (
        f"{ob.obligor or placeholder('obligor')}于{deadline}{place}{method}向{ob.payee or placeholder('payee')}"
        f"{ob.action or '支付'}{amount}。"
    )


def strip_party_headers(facts: str) -> str:
    """Facts without the ``申请人：张三，男，……`` lines, which the document prints in its own section."""
    return PARTY_HEADER_RE.sub("", facts).strip()


def extract_responsibility(*texts: str | None) -> str | None:
    sentences: list[str] = []
    for text in texts:
        for m in RESPONSIBILITY_RE.finditer(text or ""):
            s = m.group(0).strip().lstrip("，,")
            if s and s not in sentences:
                sentences.append(s if s.endswith(("。", "；")) else s + "。")
    return "".join(sentences) or None


def guess_dispute_type(*texts: str | None) -> str | None:
    joined = "".join(t or "" for t in texts)
    for label, words in DISPUTE_KEYWORDS:
        if any(w in joined for w in words):
            return label
    return None


def agreed_terms_from_notes(notes: str | None) -> str | None:
    """Mediation notes often end with ``达成协议如下：…``: the agreed items are what follows."""
    if not notes:
        return None
    m = re.search(r"达成(?:如下|以下)?(?:调解)?协议(?:如下)?\s*[:：]", notes)
    return notes[m.end() :].strip() or None if m else None
