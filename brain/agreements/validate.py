"""Checks a 人民调解协议书 against what the law and practice require of it.

Each finding names the field it concerns (a path such as ``agreed_terms[1].obligations[0].deadline``), a
stable code and a Chinese message saying what is wrong and how to fix it. Severity ``error`` means the
document must not be signed as it is (missing required content, figures and capitals that disagree, a
payment with no deadline); ``warning`` asks a person to look; ``info`` is a reminder.

The checks, and where they come from:

- required fields present (agreement_spec: 人民调解法 第二十九条; 司法部令第75号);
- party names identical everywhere: obligors, payees and signatures name a listed party exactly, and free
  text does not spell a party's name one character differently;
- every amount: figures and capitals agree (the document writes both);
- dates exist (no 2月30日) and no deadline falls before the agreement date;
- every monetary obligation has an obligor, a payee, a method and a deadline (第二十九条 (三) 履行的方式、期限);
- copies = number of parties + 1 (第二十九条: 当事人各执一份，人民调解委员会留存一份);
- the 30-day 司法确认 notice (第三十三条) is present.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from brain.agreements.amounts import find_amounts, parse_chinese_amount, to_capital
from brain.agreements.extract import invalid_dates
from brain.agreements.models import (
    FIELD_LABELS,
    REQUIRED_FIELDS,
    Agreement,
    AgreementWarning,
    Severity,
    ValidationReport,
)
from brain.agreements.render import PLACEHOLDER_RE, cn_number

_NAME_FOLLOW = set("，,。、；;：:与和及向的于在应自因称（()）")
_NAME_PRECEDE = (
    "申请人",
    "被申请人",
    "甲方",
    "乙方",
    "丙方",
    "当事人",
    "由",
    "向",
    "给",
    "与",
    "和",
    "，",
    "。",
    "；",
    "：",
    "\n",
)


# Verbs whose object is a sum of money: an obligation with one of these and no amount is a gap, not an act.
_PAYMENT_VERBS = {"支付", "赔偿", "给付", "偿还", "补偿"}


def _w(field: str, code: str, message: str, severity: Severity = "error") -> AgreementWarning:
    return AgreementWarning(field=field, code=code, message=message, severity=severity)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or bool(PLACEHOLDER_RE.fullmatch(value.strip()))
    if isinstance(value, list):
        return not value
    return False


def _text_fields(a: Agreement) -> Iterator[tuple[str, str]]:
    for key in (
        "facts_and_issues",
        "responsibility",
        "performance",
        "copies",
        "effect_clause",
        "judicial_confirmation_notice",
    ):
        value = getattr(a, key)
        if value:
            yield key, value
    for i, t in enumerate(a.agreed_terms):
        yield f"agreed_terms[{i}].text", t.text


def _one_char_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def missing_fields(a: Agreement) -> list[str]:
    missing = [key for key in REQUIRED_FIELDS if key != "signatures" and _is_missing(getattr(a, key))]
    if not a.signatures.parties and "parties" not in missing:
        missing.append("signatures")
    for i, t in enumerate(a.agreed_terms):
        for j, ob in enumerate(t.obligations):
            path = f"agreed_terms[{i}].obligations[{j}]"
            needed = ["obligor", "payee", "method", "deadline"] if ob.monetary else ["obligor", "deadline"]
            if not ob.monetary and ob.action in _PAYMENT_VERBS:
                needed.insert(1, "amount")  # 赔偿损失 with no sum: the amount is the thing to settle
            for key in needed:
                have = (ob.deadline or ob.deadline_text) if key == "deadline" else getattr(ob, key)
                if not have:
                    missing.append(f"{path}.{key}")
    return missing


def validate(a: Agreement) -> ValidationReport:
    warnings: list[AgreementWarning] = []
    missing = missing_fields(a)
    for path in missing:
        key = path.rsplit(".", 1)[-1]
        label = FIELD_LABELS.get(key, key)
        m = re.match(r"agreed_terms\[(\d+)\]\.obligations\[(\d+)\]", path)
        if m:
            term_no = int(m.group(1)) + 1
            message = f"第{cn_number(term_no)}条约定的义务缺少{label}；请写明后再签署"
            code = f"term_missing_{key}"
        else:
            message = f"缺少必备内容“{label}”；请补充（文中以【待补充：{label}】标出）"
            code = "missing_field"
        warnings.append(_w(path, code, message))
    if not a.parties:
        warnings.append(_w("parties", "no_parties", "协议书没有当事人；请至少列明双方当事人"))
    elif len(a.parties) < 2:
        warnings.append(_w("parties", "single_party", "人民调解协议至少应有两方当事人，目前只列明了一方"))
    if _is_missing(a.signatures.mediator):
        warnings.append(
            _w(
                "signatures.mediator",
                "mediator_missing",
                "未填写人民调解员：协议书须由人民调解员签名（人民调解法第二十九条），请填写调解员姓名",
                "warning",
            )
        )
    warnings += _check_names(a)
    warnings += _check_amounts(a)
    warnings += _check_dates(a)
    warnings += _check_copies(a)
    warnings += _check_clauses(a)
    ok = not missing and not any(w.severity == "error" for w in warnings)
    return ValidationReport(ok=ok, missing_fields=missing, warnings=warnings)


def _check_names(a: Agreement) -> list[AgreementWarning]:
    out: list[AgreementWarning] = []
    names = [p.name for p in a.parties]
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            out.append(_w(f"parties[{i}].name", "duplicate_party", f"当事人“{n}”重复列出"))
        seen.add(n)

    def check_ref(path: str, name: str | None, what: str) -> None:
        if not name or name in seen:
            return
        close = [n for n in names if _one_char_apart(n, name) or (n in name or name in n)]
        if close:
            out.append(
                _w(
                    path,
                    "name_mismatch",
                    f"{what}“{name}”与当事人“{close[0]}”写法不一致；同一人全文应使用同一姓名",
                )
            )
        else:
            out.append(
                _w(path, "unknown_party", f"{what}“{name}”不是本协议列明的当事人；请核对或补列该当事人")
            )

    for i, t in enumerate(a.agreed_terms):
        for j, ob in enumerate(t.obligations):
            check_ref(f"agreed_terms[{i}].obligations[{j}].obligor", ob.obligor, "义务人")
            check_ref(f"agreed_terms[{i}].obligations[{j}].payee", ob.payee, "收款人（权利人）")
            if ob.obligor and ob.obligor == ob.payee:
                out.append(
                    _w(
                        f"agreed_terms[{i}].obligations[{j}]",
                        "obligor_is_payee",
                        f"第{cn_number(i + 1)}条的义务人与收款人是同一人“{ob.obligor}”",
                    )
                )
    for k, n in enumerate(a.signatures.parties):
        check_ref(f"signatures.parties[{k}]", n, "签署栏中的")
    if a.parties and set(a.signatures.parties) != seen and a.signatures.parties:
        absent = [n for n in names if n not in a.signatures.parties]
        if absent:
            out.append(
                _w("signatures.parties", "signature_missing_party", f"签署栏缺少当事人：{'、'.join(absent)}")
            )
    # The same person spelled two ways in the prose: 张建国 … 张建华 … (one character apart, same surname).
    for field, text in _text_fields(a):
        reported: set[str] = set()
        for name in names:
            if len(name) < 2 or len(name) > 4:
                continue
            for m in re.finditer(re.escape(name[0]) + rf"[\u4e00-\u9fff]{{{len(name) - 1}}}", text):
                w = m.group(0)
                after = text[m.end() : m.end() + 1]
                before = text[max(0, m.start() - 4) : m.start()]
                # Only where a name stands: after a role word or a clause break, or before a particle.
                placed = (not before or before.endswith(_NAME_PRECEDE)) or (
                    not after or after in _NAME_FOLLOW
                )
                if (
                    w in seen
                    or w in reported
                    or not _one_char_apart(w, name)
                    or "某" in w
                    or not placed
                    or any(w in n for n in names)
                ):
                    continue
                reported.add(w)
                out.append(
                    _w(
                        field,
                        "name_variant",
                        f"“{w}”与当事人“{name}”只差一个字，疑为同一人的不同写法；请统一为当事人姓名",
                        "warning",
                    )
                )
    return out


def _check_amounts(a: Agreement) -> list[AgreementWarning]:
    out: list[AgreementWarning] = []
    for field, text in _text_fields(a):
        for m in find_amounts(text):
            if not m.consistent:
                out.append(
                    _w(
                        field,
                        "amount_mismatch",
                        f"金额“{m.text}”前后不一致：{m.value}元的大写应为“{to_capital(m.value)}”",
                    )
                )
    for i, t in enumerate(a.agreed_terms):
        for j, ob in enumerate(t.obligations):
            if ob.amount is None or not ob.amount_capital:
                continue
            path = f"agreed_terms[{i}].obligations[{j}].amount_capital"
            try:
                value = parse_chinese_amount(ob.amount_capital)
            except ValueError as e:
                out.append(_w(path, "amount_capital_unreadable", f"大写金额无法识别：{e}"))
                continue
            if value != ob.amount:
                out.append(
                    _w(
                        path,
                        "amount_mismatch",
                        f"第{cn_number(i + 1)}条金额小写{ob.amount}元与大写“{ob.amount_capital}”不一致，"
                        f"应为“{to_capital(ob.amount)}”",
                    )
                )
            mentioned = [m.value for m in find_amounts(t.text)]
            if mentioned and ob.amount not in mentioned:
                out.append(
                    _w(
                        f"agreed_terms[{i}].text",
                        "amount_not_in_text",
                        f"第{cn_number(i + 1)}条正文未写明义务金额{ob.amount}元（正文金额：{'、'.join(map(str, mentioned))}元）",
                    )
                )
    return out


def _check_dates(a: Agreement) -> list[AgreementWarning]:
    out: list[AgreementWarning] = []
    for field, text in _text_fields(a):
        for bad in invalid_dates(text):
            out.append(_w(field, "invalid_date", f"日期“{bad}”不存在，请核对"))
    signed = a.signatures.date
    for i, t in enumerate(a.agreed_terms):
        for j, ob in enumerate(t.obligations):
            if signed and ob.deadline and ob.deadline < signed:
                out.append(
                    _w(
                        f"agreed_terms[{i}].obligations[{j}].deadline",
                        "deadline_before_signing",
                        f"第{cn_number(i + 1)}条履行期限{ob.deadline}早于协议日期{signed}",
                    )
                )
    if signed is None:
        out.append(_w("signatures.date", "date_at_signing", "协议日期未填写，签署时手写或补填", "info"))
    return out


def _check_copies(a: Agreement) -> list[AgreementWarning]:
    if not a.parties:
        return []
    expected = len(a.parties) + 1
    if a.copies_count is not None and a.copies_count != expected:
        return [
            _w(
                "copies",
                "copies_count",
                f"份数应为当事人数加一，即{cn_number(expected)}份（各方当事人各执一份，"
                f"调解委员会留存一份），现为{a.copies_count}份",
            )
        ]
    if a.copies and f"一式{cn_number(expected)}份" not in a.copies and f"一式{expected}份" not in a.copies:
        return [_w("copies", "copies_count", f"份数条款应写明“一式{cn_number(expected)}份”")]
    return []


def _check_clauses(a: Agreement) -> list[AgreementWarning]:
    out: list[AgreementWarning] = []
    notice = a.judicial_confirmation_notice or ""
    if not ("三十日" in notice or "30日" in notice) or "司法确认" not in notice:
        out.append(
            _w(
                "judicial_confirmation_notice",
                "judicial_confirmation_notice",
                "缺少司法确认告知：应告知当事人可自协议生效之日起三十日内共同向人民法院申请司法确认（人民调解法第三十三条）",
            )
        )
    effect = a.effect_clause or ""
    if effect and "生效" not in effect:
        out.append(_w("effect_clause", "effect_clause", "效力条款应写明协议的生效条件", "warning"))
    return out
