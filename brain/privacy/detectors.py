"""Pattern detectors: ID numbers, bank cards, phones, e-mail, plates and addresses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from brain.privacy.checks import is_valid_id_number, luhn_valid
from brain.privacy.types import Span

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


# A number labelled as an ID is one whatever its check digit: a mistyped ID number is still personal data.
_LABELLED_ID_RE = re.compile(
    r"(?:身份证|身份证件|公民身份)(?:号码|号)?[为是:：\s]*((?:\d{17}[\dXx])|\d{15})(?![0-9A-Za-z])"
)


def _ids(text: str) -> Iterator[Span]:
    for m in _LABELLED_ID_RE.finditer(text):
        yield Span(m.start(1), m.end(1), "身份证号", m.group(1))
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
