"""Find, redact and restore personal data: the public functions of :mod:`brain.privacy`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from brain.privacy.detectors import (
    _EMAIL_RE,
    _LANDLINE_RE,
    _MOBILE_RE,
    _addresses,
    _cards,
    _ids,
    _plates,
    _simple,
)
from brain.privacy.names import find_names
from brain.privacy.normalize import needs_normalising, normalise
from brain.privacy.types import KINDS, Redaction, Span

_DETECTORS: dict[str, Callable[[str], Iterator[Span]]] = {
    "电子邮箱": _simple("电子邮箱", _EMAIL_RE),
    "身份证号": _ids,
    "银行卡号": _cards,
    "手机号": _simple("手机号", _MOBILE_RE),
    "固定电话": _simple("固定电话", _LANDLINE_RE),
    "车牌号": _plates,
    "地址": _addresses,
    "姓名": find_names,
}


def find_pii(text: str, known: Mapping[str, str] | None = None) -> list[Span]:
    """All non-overlapping personal-data spans in ``text``, in order; higher-priority kinds win overlaps.

    ``known`` (placeholder -> original, from earlier messages) adds every literal mention of those values: a
    name introduced as "申请人张三" in the first message is still a name when the second just says "张三".
    """
    known_by_kind: dict[str, set[str]] = {}
    for placeholder, value in (known or {}).items():
        if value:
            known_by_kind.setdefault(_kind_of(placeholder), set()).add(value)
    norm: tuple[str, list[int]] | None = normalise(text) if needs_normalising(text) else None
    taken: list[Span] = []
    for kind in KINDS:
        spans: list[Span] = []
        if norm is not None:  # what only the normalised text shows, mapped back to the original characters
            spans += [_back(s, text, norm[1]) for s in _candidates(kind, norm[0], known_by_kind)]
        spans += _candidates(kind, text, known_by_kind)
        for span in spans:
            if not any(span.start < t.end and t.start < span.end for t in taken):
                taken.append(span)
    return sorted(taken, key=lambda s: s.start)


def _candidates(kind: str, text: str, known_by_kind: dict[str, set[str]]) -> list[Span]:
    spans = list(_DETECTORS[kind](text))
    for value in sorted(known_by_kind.get(kind, ()), key=len, reverse=True):
        spans += [Span(m.start(), m.end(), kind, value) for m in re.finditer(re.escape(value), text)]
    return spans


def _back(span: Span, original: str, offsets: list[int]) -> Span:
    start, end = offsets[span.start], offsets[span.end - 1] + 1
    return Span(start, end, span.kind, original[start:end])


def contains_pii(text: str) -> bool:
    """True if :func:`redact` would change ``text``."""
    return bool(find_pii(text))


_PLACEHOLDER_RE = re.compile(rf"〔({'|'.join(KINDS)})(\d+)〕")


def redact(text: str, mapping: Mapping[str, str] | None = None) -> Redaction:
    """Replace personal data in ``text`` with numbered placeholders.

    Pass the ``mapping`` of earlier redactions in the same conversation to keep placeholders stable: a value
    seen before gets its old placeholder, a new value the next free number of its kind.
    """
    out = dict(mapping or {})
    by_value = {(_kind_of(p), v): p for p, v in out.items()}
    next_n: dict[str, int] = {}
    for p in out:
        m = _PLACEHOLDER_RE.fullmatch(p)
        if m:
            next_n[m.group(1)] = max(next_n.get(m.group(1), 0), int(m.group(2)))
    counts: dict[str, int] = {}
    pieces: list[str] = []
    pos = 0
    for span in find_pii(text, out):
        placeholder = by_value.get((span.kind, span.value))
        if placeholder is None:
            n = next_n.get(span.kind, 0) + 1
            while f"〔{span.kind}{n}〕" in text:  # never collide with a literal placeholder in the input
                n += 1
            next_n[span.kind] = n
            placeholder = f"〔{span.kind}{n}〕"
            by_value[(span.kind, span.value)] = placeholder
            out[placeholder] = span.value
        pieces.append(text[pos : span.start])
        pieces.append(placeholder)
        pos = span.end
        counts[span.kind] = counts.get(span.kind, 0) + 1
    pieces.append(text[pos:])
    return Redaction(text="".join(pieces), mapping=out, counts=counts)


def _kind_of(placeholder: str) -> str:
    m = _PLACEHOLDER_RE.fullmatch(placeholder)
    return m.group(1) if m else ""


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the originals back for every placeholder in ``mapping``; unknown placeholders stay as they are.

    One pass over the text, so a restored value that happens to look like a placeholder is never replaced
    again.
    """
    if not mapping:
        return text
    return _PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
