"""Personal-data detection and reversible redaction (brain.privacy)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brain.privacy import (
    contains_pii,
    find_pii,
    gb11643_check_char,
    is_valid_id_number,
    luhn_valid,
    redact,
    restore,
)


def make_id(area: str = "330106", born: date = date(1985, 3, 7), seq: str = "123") -> str:
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + gb11643_check_char(first17)


def luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        if luhn_valid(prefix + d):
            return prefix + d
    raise AssertionError("unreachable")


ID = make_id()
CARD = luhn_complete("622202020000123456")  # 19-digit UnionPay-style number


# ---------------------------------------------------------------------------------------------- checksums
def test_known_id_numbers() -> None:
    assert is_valid_id_number("11010519491231002X")  # the GB 11643 standard's own example
    assert is_valid_id_number("11010519491231002x")
    assert not is_valid_id_number("110105194912310021")  # wrong check digit
    assert not is_valid_id_number("110105194913310028")  # month 13
    assert is_valid_id_number("110105491231002")  # 15-digit, 1949-12-31
    assert not is_valid_id_number("110105491331002")


ids = st.builds(
    make_id,
    area=st.integers(110000, 659999).map(str),
    born=st.dates(date(1900, 1, 1), date.today() - timedelta(days=1)),
    seq=st.integers(0, 999).map(lambda n: f"{n:03d}"),
)


@given(ids)
def test_every_checksummed_id_is_detected_and_restored(idn: str) -> None:
    text = f"身份证号码{idn}，"
    r = redact(text)
    assert idn not in r.text
    assert r.counts == {"身份证号": 1}
    assert restore(r.text, r.mapping) == text


@given(ids, st.integers(1, 10))
def test_a_wrong_check_character_is_not_an_id(idn: str, shift: int) -> None:
    alphabet = "0123456789X"
    wrong = idn[:17] + alphabet[(alphabet.index(idn[17]) + shift) % 11]
    assert not is_valid_id_number(wrong)
    assert all(s.kind != "身份证号" for s in find_pii(f"编号{wrong}号"))


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_luhn_check_digit_is_unique(prefix: str) -> None:
    valid = [d for d in "0123456789" if luhn_valid(prefix + d)]
    assert len(valid) == 1


@given(st.text(alphabet="0123456789", min_size=15, max_size=18).map(luhn_complete))
def test_luhn_valid_cards_are_detected(card: str) -> None:
    if is_valid_id_number(card):  # an 18-digit string can be both; the ID wins, which is still redacted
        return
    r = redact(f"卡号{card}。")
    assert r.counts == {"银行卡号": 1} and card not in r.text


# ---------------------------------------------------------------------------------------------- kinds
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        (f"身份证{ID}号", "身份证号", ID),
        ("电话13800138000联系", "手机号", "13800138000"),
        ("电话：+86 138-0013-8000", "手机号", "+86 138-0013-8000"),
        ("手机 138 0013 8000。", "手机号", "138 0013 8000"),
        ("座机0571-88886666转123", "固定电话", "0571-88886666转123"),
        ("办公电话（010）62751234", "固定电话", "（010）62751234"),
        (f"卡号{CARD}", "银行卡号", CARD),
        (
            f"卡号{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:16]} {CARD[16:]}",
            "银行卡号",
            f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:16]} {CARD[16:]}",
        ),
        ("邮箱zhang.san@example.com。", "电子邮箱", "zhang.san@example.com"),
        ("车牌浙A12345的车", "车牌号", "浙A12345"),
        ("新能源车京AD12345", "车牌号", "京AD12345"),
        ("申请人：张三，男", "姓名", "张三"),
        ("我叫欧阳娜娜，", "姓名", "欧阳娜娜"),
        ("被申请人李秀英因", "姓名", "李秀英"),
        ("找到王建国先生", "姓名", "王建国"),
        ("邻居张建国经常半夜装修", "姓名", "张建国"),
        ("老板李强拖欠工资", "姓名", "李强"),
        ("张伟说他不还钱", "姓名", "张伟"),
        ("借给了刘某某5万元", "姓名", "刘某某"),
        ("张某某与邻居吵架", "姓名", "张某某"),
        ("李女士反映电梯故障", "姓名", "李女士"),
        ("老王说这块地是他的", "姓名", "老王"),
        ("向王刚借钱", "姓名", "王刚"),
        (
            "家住浙江省杭州市西湖区文三路90号3栋2单元301室。",
            "地址",
            "浙江省杭州市西湖区文三路90号3栋2单元301室",
        ),
        ("住城关镇幸福村3组12号的", "地址", "城关镇幸福村3组12号"),
    ],
)
def test_detects_each_kind(text: str, kind: str, value: str) -> None:
    spans = find_pii(text)
    assert [(s.kind, s.value) for s in spans] == [(kind, value)]
    r = redact(text)
    assert value not in r.text and f"〔{kind}1〕" in r.text
    assert restore(r.text, r.mapping) == text


@pytest.mark.parametrize(
    "text",
    [
        "案号（2023）浙0106民初12345号，标的额12000元。",
        "2023年5月1日双方在村委会调解，当事人双方均同意。",
        "杭州市西湖区人民调解委员会",
        "他父亲和母亲离婚后，他跟着爷爷奶奶生活。",  # 和 + role word is no name
        "我们马上就要搬家了，房租和押金对方都不退。",  # words starting with a surname character
        "周末在张家港打工，时间不固定，金额一共三万元。",
        "于某日在某地发生纠纷",  # 某日/某地 are no pseudonyms
        "根据《民法典》第一千一百六十五条",
        "赔偿金额为人民币15000元整，分3期支付",
        "编号11010519491231002X1",  # longer digit runs are not IDs
    ],
)
def test_no_false_positives_on_ordinary_case_text(text: str) -> None:
    assert not contains_pii(text), find_pii(text)


def test_digit_lookarounds_work_without_word_boundaries() -> None:
    # "号" then digits then "号": Chinese has no \b here, the phone must still be found
    r = redact("联系号13912345678号码")
    assert r.text == "联系号〔手机号1〕号码"
    # but a mobile number embedded in a longer digit run is not a phone
    assert not any(s.kind == "手机号" for s in find_pii("流水号2013912345678901"))


def test_same_value_same_placeholder_and_other_mentions_of_a_name() -> None:
    text = f"申请人张三（电话13800138000）称，张三的邻居多次拨打13800138000。身份证{ID}。"
    r = redact(text)
    assert r.text.count("〔姓名1〕") == 2 and r.text.count("〔手机号1〕") == 2
    assert r.counts == {"姓名": 2, "手机号": 2, "身份证号": 1}
    assert len(r.mapping) == 3


def test_mapping_carries_across_messages() -> None:
    first = redact("申请人张三，电话13800138000")
    second = redact("张三又打了13800138000，另一号码13900139000", mapping=first.mapping)
    assert "〔手机号1〕" in second.text and "〔手机号2〕" in second.text
    assert "〔姓名1〕" in second.text  # a bare name is still known from the earlier message
    assert second.mapping["〔手机号2〕"] == "13900139000"
    assert second.mapping["〔手机号1〕"] == "13800138000"


def test_literal_placeholders_in_input_are_not_confused() -> None:
    text = "模板中的〔手机号1〕字样，实际号码13800138000"
    r = redact(text)
    assert restore(r.text, r.mapping) == text
    assert r.mapping == {"〔手机号2〕": "13800138000"}


def test_restore_leaves_unknown_placeholders() -> None:
    assert restore("〔姓名9〕与〔姓名1〕", {"〔姓名1〕": "张三"}) == "〔姓名9〕与张三"


@settings(max_examples=200)
@given(
    st.text(
        alphabet=st.sampled_from(list("张三申请人电话号码住村组0123456789-+ 〔〕手机号身份证X@a.com京A")),
        max_size=60,
    )
)
def test_restore_inverts_redact_for_any_text(text: str) -> None:
    r = redact(text)
    assert restore(r.text, r.mapping) == text


def test_planted_records_are_fully_redacted() -> None:
    rng = random.Random(7)
    for _ in range(50):
        idn = make_id(
            str(rng.randint(110000, 659999)),
            date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000)),
            f"{rng.randint(0, 999):03d}",
        )
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
        card = luhn_complete("6217" + "".join(rng.choice("0123456789") for _ in range(14)))
        text = f"当事人王某，身份证{idn}，手机{phone}，银行卡{card}，要求退还押金。"
        r = redact(text)
        for secret in (idn, phone, card):
            assert secret not in r.text


# ---------------------------------------------------------------------------------------------- name recall
NAMES_FIXTURE = Path(__file__).parent / "data" / "privacy_names.jsonl"


def test_name_recall_and_precision_on_the_labelled_set() -> None:
    """Complaint sentences with and without names (docs/api.md has the table). A gold name counts as found
    when no mention of it survives redaction; every redacted 姓名 value that is not a gold name is a false
    positive. Recall matters more: a leaked name is a defect, an over-redacted word only costs context."""
    rows = [json.loads(line) for line in NAMES_FIXTURE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 80
    tp = fp = fn = 0
    misses = []
    for row in rows:
        r = redact(row["text"])
        predicted = {v for p, v in r.mapping.items() if p.startswith("〔姓名")}
        gold = set(row["names"])
        found = {g for g in gold if g not in r.text}
        tp, fn, fp = tp + len(found), fn + len(gold - found), fp + len(predicted - gold)
        if gold - found or predicted - gold:
            misses.append((row["text"], sorted(gold), sorted(predicted)))
    assert tp / (tp + fn) >= 0.95, misses
    assert tp / (tp + fp) >= 0.9, misses


def test_a_name_found_once_is_redacted_everywhere() -> None:
    r = redact("邻居张建国经常半夜装修。我去找张建国理论，张建国不开门。")
    assert "张建国" not in r.text and r.counts == {"姓名": 3}
