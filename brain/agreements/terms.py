"""Agreed terms -> obligations: who pays whom, what, how much, by when, how and where.

Rules aim at the way 调解员 write: ``被申请人于2026年3月31日前以银行转账方式向申请人支付赔偿款15000元``. Every
value taken is a span of the input; what a rule does not find stays ``None`` and is reported missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from brain.agreements.amounts import (
    AmountMention,
    find_amounts,
    format_amount,
    parse_chinese_amount,
    to_capital,
)
from brain.agreements.deadlines import CONDITION_RE, DATE_RE, RELATIVE_RE, parse_deadline
from brain.agreements.models import AgreementWarning, Obligation, Party, Term, TermInput

_CJK = r"\u4e00-\u9fff"
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
    deadlines_in_term = sum(len(r.findall(raw)) for r in (DATE_RE, RELATIVE_RE, CONDITION_RE))

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
