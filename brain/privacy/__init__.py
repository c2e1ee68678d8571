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

from brain.privacy.checks import gb11643_check_char, is_valid_id_number, luhn_valid
from brain.privacy.redact import contains_pii, find_pii, redact, restore
from brain.privacy.types import KINDS, Redaction, Span

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
