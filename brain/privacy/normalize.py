"""Normalise text before detection, keeping a map back to the original offsets.

Personal data written to slip past a pattern — full-width digits (``１３８１２３４５６７８``), zero-width spaces
inside a number (``138\\u200b1234\\u200b5678``), an ID number in groups (``110105 19491231 002X``), a name with
spaces between its characters (``张 三 丰``) — is still personal data. :func:`normalise` applies NFKC (full-width
to ASCII), drops zero-width characters and removes spaces *inside* a digit run or between two Han characters;
``offsets[i]`` is the index in the original text of normalised character ``i``, so a span found in the
normalised text maps back to the original characters it came from (placeholders replace those).
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_DIGITISH = re.compile(r"[0-9Xx]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_SPACES = frozenset(" \t\u3000\u00a0")
_SUSPECT = re.compile(
    r"[\u200b-\u200d\u2060\ufeff\u00ad\u180e\uff01-\uff5e\u3000\u00a0]|\d[ \t]+\d|[\u4e00-\u9fff] [\u4e00-\u9fff]"
)


def needs_normalising(text: str) -> bool:
    return bool(_SUSPECT.search(text))


def normalise(text: str) -> tuple[str, list[int]]:
    """(normalised text, original index of each normalised character)."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch in _ZERO_WIDTH:
            continue
        norm = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        for c in norm:
            chars.append(c)
            offsets.append(i)
    # drop spaces between two digits (ID/phone in groups) and between two Han characters (张 三 丰)
    out: list[str] = []
    out_offsets: list[int] = []
    n = len(chars)
    k = 0
    while k < n:
        c = chars[k]
        if c in _SPACES and out:
            j = k
            while j < n and chars[j] in _SPACES:
                j += 1
            prev, nxt = out[-1], chars[j] if j < n else ""
            if nxt and ((prev.isdigit() and _DIGITISH.match(nxt)) or (_HAN.match(prev) and _HAN.match(nxt))):
                k = j
                continue
        out.append(c)
        out_offsets.append(offsets[k])
        k += 1
    return "".join(out), out_offsets
