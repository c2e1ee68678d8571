"""Chinese text: numerals, sums of money, dates and surnames — one module for the whole project.

It lives on the ground floor (under ``ingest/``, which imports nothing from ``brain``) because the statute
parser needs it as much as intake, agreements and privacy do.

What comes from a library and what is ours, measured on the project's own examples
(``tools/measure_zh_libs.py`` prints the table; ``tests/test_zh.py`` pins the cases):

- **Reading numerals: cn2an** (MIT, 0.4 MB with its one dependency, proces): strict mode for well-formed numerals,
  normal mode for the lenient reading (一千二, 三万五, 二〇二六). Two input repairs before it is called:
  ``零拾 -> 零壹拾`` (cn2an strict reads 壹仟零拾 as 1000, and 肆仟零拾玖 as 4009) and ``两 -> 二`` before a
  unit (strict refuses 两万); ○ is read as 〇. One guard: 零 straight before 百/千/万/亿 is refused (cn2an strict
  reads 二亿零百 as 200000100).
- **Writing numerals and 大写金额: ours.** cn2an's ``an2cn`` drops the 零 after an all-zero 万 section
  (191300007617.13 -> 壹仟玖佰壹拾叁亿柒仟陆佰壹拾柒元…, which its own strict mode refuses); banks require
  壹仟玖佰壹拾叁亿零柒仟陆佰壹拾柒元.
- **Amounts and dates in text: ours (regular expressions over the numerals above)**, with the hand rules
  complaints need: 多/余 marks a floor (130余万元), two rising digits are a range (五六百元 -> 500, approximate),
  几/数 + unit is vague and not a sum (几十万). JioNLP was measured for money and time and is not used:
  169 MB installed (148 MB of it the jiojio segmenter it imports), 216 MB after it unpacks its dictionaries
  into its own package directory on first import (so it needs a writable site-packages), 1.2 s to import, a
  banner on stdout; it reads 一千零十元 and 壹仟零拾元 as 10000 and refuses 壹万伍仟元整, 两万元整 (the 整 every
  agreement writes) and ¥3,000元. Its time parser does read 二〇二六年三月五日 and 去年3月, but the project needs
  only Y年M月D日 in any numerals, which a pattern plus :func:`parse_int` covers.
- **Surnames: data files here** (moved from brain/privacy and brain/agreements).
"""

from ingest.zh.dates import FULL_DATE_RE, ISO_DATE_RE, DateMatch, date_parts, find_dates
from ingest.zh.money import MAX_AMOUNT, Money, find_money, format_figure, parse_amount, to_capital
from ingest.zh.names import (
    COMMON_SURNAMES,
    COMPOUND_SURNAMES,
    NAME_PREFIXES,
    RARE_SURNAMES,
    SINGLE_SURNAMES,
    surname_of,
)
from ingest.zh.numerals import (
    CAPITAL_DIGITS,
    NUMERAL_CHARS,
    NUMERAL_PATTERN,
    parse_int,
    parse_number,
    to_chinese,
)

__all__ = [
    "CAPITAL_DIGITS",
    "COMMON_SURNAMES",
    "COMPOUND_SURNAMES",
    "FULL_DATE_RE",
    "ISO_DATE_RE",
    "MAX_AMOUNT",
    "NAME_PREFIXES",
    "NUMERAL_CHARS",
    "NUMERAL_PATTERN",
    "RARE_SURNAMES",
    "SINGLE_SURNAMES",
    "DateMatch",
    "Money",
    "date_parts",
    "find_dates",
    "find_money",
    "format_figure",
    "parse_amount",
    "parse_int",
    "parse_number",
    "surname_of",
    "to_capital",
    "to_chinese",
]
