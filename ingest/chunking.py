"""Cutting documents into the chunks that get indexed.

Statutes are cut by article: an article is the unit people cite (《民法典》第1079条) and the unit a
citation check compares, so a chunk must never straddle two. Other text is cut at sentence ends
(。！？；) into windows of about ``chunk_chars`` characters that overlap by about ``overlap`` characters, so
a fact split across a boundary is still found whole in one chunk. Every chunk records the exact
[start, end) span it covers in its document's text, so a hit can be highlighted in the original.
"""

from __future__ import annotations

import re

from ingest.records import Chunk, Document, normalize_law_name
from ingest.statute import find_articles, looks_like_statute

_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)]*|\n+")
_SOFT_BREAK = "，,、：: "


def chunk_document(doc: Document, chunk_chars: int = 400, overlap: int = 80) -> list[Chunk]:
    """Chunks of ``doc`` in text order. A document with no visible text yields no chunks."""
    if chunk_chars < 20:
        raise ValueError(f"chunk_chars 过小：{chunk_chars}（至少 20）")
    if not 0 <= overlap < chunk_chars:
        raise ValueError(f"overlap 必须在 0 与 chunk_chars（{chunk_chars}）之间，当前为 {overlap}")
    text = doc.text
    if not text.strip():
        return []
    if doc.kind == "statute" and doc.article is not None:
        start, end = _trim(text, 0, len(text))
        return [_make(doc, 0, start, end)]
    if looks_like_statute(text):
        return _by_article(doc)
    spans = _windows(text, _sentences(text, chunk_chars), chunk_chars, overlap)
    return [_make(doc, i, s, e) for i, (s, e) in enumerate(spans)]


def _make(
    doc: Document, n: int, start: int, end: int, article: int | None = None, law: str | None = None
) -> Chunk:
    return Chunk(
        id=f"{doc.id}#{n}",
        doc_id=doc.id,
        text=doc.text[start:end],
        start=start,
        end=end,
        kind=doc.kind,
        title=doc.title,
        law=law or doc.law,
        article=article if article is not None else doc.article,
        cause=doc.cause,
        region=doc.region,
        in_force=doc.in_force,
        effective_date=doc.effective_date,
    )


def _by_article(doc: Document) -> list[Chunk]:
    """One chunk per 第X条. The preamble (title, 通过/施行 lines) is not indexed: it is not citable and would
    match every query about the law's name."""
    law = doc.law or normalize_law_name(doc.title)
    return [
        _make(doc, i, a.start, a.end, article=a.number, law=law)
        for i, a in enumerate(find_articles(doc.text))
        if a.end > a.start
    ]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans (whitespace trimmed). A sentence longer than ``max_chars`` (judgment excerpts often
    run on with commas only) is cut at the last comma before the limit, or hard at the limit."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, len(text)))

    out: list[tuple[int, int]] = []
    for s, e in spans:
        s, e = _trim(text, s, e)
        while e - s > max_chars:
            cut = max((text.rfind(ch, s, s + max_chars) for ch in _SOFT_BREAK), default=-1)
            cut = cut + 1 if cut > s + max_chars // 2 else s + max_chars
            out.append(_trim(text, s, cut))
            s, e = _trim(text, cut, e)
        if e > s:
            out.append((s, e))
    return out


def _windows(
    text: str, sents: list[tuple[int, int]], chunk_chars: int, overlap: int
) -> list[tuple[int, int]]:
    """Greedy windows of whole sentences. The next window starts at the earliest sentence that still lies
    within the last ``overlap`` characters of the previous one, and always moves forward."""
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(sents):
        j = i
        while j + 1 < len(sents) and sents[j + 1][1] - sents[i][0] <= chunk_chars:
            j += 1
        start, end = sents[i][0], sents[j][1]
        windows.append((start, end))
        if j + 1 >= len(sents):
            break
        nxt = j + 1
        for k in range(i + 1, j + 1):
            if end - sents[k][0] <= overlap:
                nxt = k
                break
        i = nxt
    return windows
