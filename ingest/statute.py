"""Statute structure: 第X条 article headings and 编/章/节 headings.

Shared by the corpus builder (tools/build_corpus.py) and the statute-aware chunker, so that a law shipped in
data/corpus and the same law ingested by a user are cut into the same articles with the same numbers.
Parsing works on character offsets into the original text, because every chunk must carry the exact
[start, end) span it covers in its document.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date

from ingest import zh

_NUMERAL = "零〇一二两三四五六七八九十百千万"

# 第一千零七十九条 / 第一百三十三条之一 / 第5条 at the start of a line (full-width spaces allowed before it).
# OCR drops the space after 条, so a heading may run straight into its text; the negative look-ahead keeps
# a wrapped line that merely refers to an article ("第五条规定的…", "第三条第二款") from opening one.
ARTICLE_RE = re.compile(
    rf"^[ \t\u3000]*第(?P<num>[{_NUMERAL}]+|\d+)条(?:之(?P<suffix>[{_NUMERAL}]+|\d+))?"
    r"(?=[\s\u3000]|$|(?!规定|的|、|，|,|。|；|款|项|中|所|至|和|或|以|及|第|）|\))\S)",
    re.MULTILINE,
)
# A structural heading: markdown (## 第一章 总则, ## 一、一般规定) or a plain line 第二章 结婚.
_HEADING_RE = re.compile(
    rf"^(?:#+[ \t\u3000]*(?P<md>.*)|[ \t\u3000]*(?P<plain>第[{_NUMERAL}\d]+(?:分编|编|章|节)(?:[ \t\u3000]+\S.{{0,30}})?))[ \t\u3000]*$",
    re.MULTILINE,
)
_LEVEL_RE = re.compile(rf"^第[{_NUMERAL}\d]+(?P<level>分编|编|章|节)")


def cn_to_int(numeral: str) -> int:
    """'一千零七十九' -> 1079, '十二' -> 12, '二百八十八' -> 288, '1079' -> 1079 (:func:`ingest.zh.parse_int`).

    Raises ValueError for anything that is not a Chinese or Arabic numeral, so a malformed article number
    is reported instead of silently becoming 0.
    """
    return zh.parse_int(numeral, lenient=True)


@dataclass(frozen=True)
class Article:
    """One 条 of a statute, located in its source text."""

    number: int
    suffix: int | None  # 之一 -> 1; None for plain articles
    label: str  # the heading as written, e.g. 第一千零七十九条
    start: int
    end: int  # exclusive; trailing blank lines excluded
    part: str | None
    chapter: str | None
    section: str | None


def _clean_heading(title: str) -> str:
    """'第一章  基本规定' -> '第一章 基本规定'; '第一编 总 则' -> '第一编 总则'."""
    title = title.strip()
    m = re.match(rf"^(第[{_NUMERAL}\d]+(?:分编|编|章|节))\s*(.*)$", title)
    if m:
        rest = re.sub(r"\s+", "", m.group(2))
        return f"{m.group(1)} {rest}".strip()
    return re.sub(r"\s+", "", title)


def find_articles(text: str, *, part: str | None = None) -> list[Article]:
    """Split ``text`` into articles. Text before the first article (title, preamble) belongs to none.

    ``part`` seeds the 编 (the 民法典 ships one file per 编, whose title is not a 第X编 heading). Markdown
    headings that are not 编/章/节 (e.g. ``## 一、一般规定`` in 司法解释) are treated as chapters, which is how
    those interpretations use them.
    """
    events: list[tuple[int, str, re.Match[str]]] = [
        (m.start(), "article", m) for m in ARTICLE_RE.finditer(text)
    ]
    events += [(m.start(), "heading", m) for m in _HEADING_RE.finditer(text)]
    events.sort(key=lambda e: e[0])

    articles: list[Article] = []
    chapter: str | None = None
    section: str | None = None
    subpart: str | None = None
    open_article: tuple[re.Match[str], str | None, str | None, str | None] | None = None

    def close(end: int) -> None:
        nonlocal open_article
        if open_article is None:
            return
        m, a_part, a_chapter, a_section = open_article
        body_end = len(text[:end].rstrip())
        suffix = m.group("suffix")
        articles.append(
            Article(
                number=cn_to_int(m.group("num")),
                suffix=cn_to_int(suffix) if suffix else None,
                label=m.group(0).strip(),
                start=m.start() + (len(m.group(0)) - len(m.group(0).lstrip())),
                end=body_end,
                part=a_part,
                chapter=a_chapter,
                section=a_section,
            )
        )
        open_article = None

    for pos, kind, m in events:
        if kind == "article":
            close(pos)
            full_part = f"{part}·{subpart}" if part and subpart else (subpart or part)
            open_article = (m, full_part, chapter, section)
            continue
        raw = (m.group("md") if m.group("md") is not None else m.group("plain")) or ""
        title = _clean_heading(raw)
        level_m = _LEVEL_RE.match(title)
        level = level_m.group("level") if level_m else None
        if level is None and m.group("md") is not None and m.group(0).startswith("# "):
            continue  # a document title ('# 中华人民共和国民法典', '# 合同编'), not a structural heading
        close(pos)
        if not title:
            chapter = section = None
        elif level in ("编", "分编"):
            subpart = title
            chapter = section = None
        elif level == "节":
            section = title
        else:
            chapter, section = title, None
    close(len(text))
    return articles


def article_label(number: int, suffix: int | None = None) -> str:
    """1079 -> '第1079条'; (133, 1) -> '第133条之一'. Used in titles and citations."""
    label = f"第{number}条"
    if suffix:
        label += ("之" + "一二三四五六七八九十"[suffix - 1]) if suffix <= 10 else f"之{suffix}"
    return label


_IN_FORCE_LINE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:起)?施行")
IN_FORCE_CLAUSE_RE = re.compile(r"本(?:法|条例|规定|解释|规则|办法)自(\d{4})年(\d{1,2})月(\d{1,2})日起施行")


def stated_effective_date(text: str) -> date | None:
    """The 施行 date a statute states: a '…施行' line before its first article, else its own
    '本法自…起施行' clause. None when it states neither (e.g. '自公布之日起施行')."""
    first = ARTICLE_RE.search(text)
    head = text[: first.start()] if first else ""
    m = _IN_FORCE_LINE_RE.search(head) or IN_FORCE_CLAUSE_RE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:  # an OCR'd '2月30日'
        return None


def looks_like_statute(text: str, min_articles: int = 3) -> bool:
    """A text is treated as a statute when it has at least ``min_articles`` 第X条 headings in order."""
    numbers = [cn_to_int(m.group("num")) for m in ARTICLE_RE.finditer(text)]
    if len(numbers) < min_articles:
        return False
    increasing = sum(1 for a, b in itertools.pairwise(numbers) if b >= a)
    return increasing >= 0.8 * (len(numbers) - 1)
