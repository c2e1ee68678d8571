"""Dates in agreed terms written in Chinese numerals (二〇二六年三月五日), which the rules did not read before
ingest/zh, and the dispute type an agreement files under, which must be one of the graph's own types."""

from __future__ import annotations

from datetime import date

import pytest

from brain.agreements import extract
from brain.agreements.models import AgreementWarning, Party

PARTIES = [
    Party(role="申请人", name="张三", kind="自然人"),
    Party(role="被申请人", name="李四", kind="自然人"),
]


@pytest.mark.parametrize(
    ("clause", "expected", "words"),
    [
        ("被申请人于二〇二六年三月五日前支付", date(2026, 3, 5), "二〇二六年三月五日前"),
        ("于二零二六年十二月三十一日前付清", date(2026, 12, 31), "二零二六年十二月三十一日前"),
        ("于2026年3月5日前支付", date(2026, 3, 5), "2026年3月5日前"),
        ("协议签订之日起十日内付清", date(2026, 3, 11), "协议签订之日起十日内"),
    ],
)
def test_deadlines_in_any_numerals(clause: str, expected: date, words: str) -> None:
    d, w, err = extract.parse_deadline(clause, date(2026, 3, 1))
    assert (d, w, err) == (expected, words, None)


def test_chinese_numeral_date_becomes_the_obligation_deadline() -> None:
    warnings: list[AgreementWarning] = []
    term = extract.parse_term(
        1,
        "被申请人李四于二〇二六年三月五日前以银行转账方式向申请人张三支付赔偿款15000元。",
        PARTIES,
        None,
        warnings,
    )
    (ob,) = term.obligations
    assert ob.deadline == date(2026, 3, 5) and ob.deadline_text == "二〇二六年三月五日前"
    assert (ob.obligor, ob.payee, str(ob.amount), ob.method) == ("李四", "张三", "15000.00", "银行转账")
    assert "二〇二六年三月五日前" in term.text and not warnings  # the words stay as typed


def test_impossible_chinese_numeral_date_is_reported() -> None:
    assert extract.invalid_dates("于二〇二六年二月三十日前支付，2026年3月1日签订") == ["二〇二六年二月三十日"]
    d, _, err = extract.parse_deadline("于二〇二六年二月三十日前支付", None)
    assert d is None and err is not None and "2月没有30日" in err


def test_dispute_cues_are_the_graphs_types() -> None:
    names = extract.dispute_type_names()
    assert {"相邻关系纠纷", "工伤纠纷", "交通事故纠纷"} <= names
    assert [label for label, _ in extract.DISPUTE_CUES if label not in names] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("李四驾驶电动车与张三相撞，交警认定李四负全部责任。", "交通事故纠纷"),
        ("张三在工地受伤，经认定为工伤。", "工伤纠纷"),
        ("楼上卫生间漏水，浸泡楼下房屋。", "相邻关系纠纷"),
        ("公司拖欠工资三个月。", "劳动争议"),
        ("双方因宅基地纠纷发生争执，经村委会调解。", "宅基地纠纷"),  # named outright: the seed's own name
        ("双方就此事达成和解。", None),
    ],
)
def test_guess_dispute_type_uses_the_taxonomy(text: str, expected: str | None) -> None:
    assert extract.guess_dispute_type(text) == expected


def test_birth_date_in_chinese_numerals_is_a_party_detail() -> None:
    (p, q) = extract.extract_parties(
        "申请人：张建国，男，一九六八年五月生，汉族。被申请人：李四，女，1970年3月2日生。"
    )
    assert (p.name, p.birth_or_age) == ("张建国", "一九六八年五月生")
    assert (q.name, q.birth_or_age) == ("李四", "1970年3月2日生")
