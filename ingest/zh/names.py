"""Chinese surnames, from the data files beside this module (one list for the whole project).

``surnames.txt`` holds the common 单姓 and 复姓 (~310); the PII detector uses only these, because it reads
free text where 乐, 都, 海 are far more often words. ``surnames_rare.txt`` adds surnames that are also ordinary
words or rare; agreement extraction accepts them too, because there a role word (申请人, 甲方) already says
a person is named.
"""

from __future__ import annotations

from pathlib import Path

_DATA_DIR = Path(__file__).parent


def _load_words(filename: str) -> tuple[str, ...]:
    """Whitespace-separated entries of a data file; lines starting with # are notes."""
    text = (_DATA_DIR / filename).read_text(encoding="utf-8")
    return tuple(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


COMMON_SURNAMES: tuple[str, ...] = _load_words("surnames.txt")
SINGLE_SURNAMES = frozenset(w for w in COMMON_SURNAMES if len(w) == 1)
COMPOUND_SURNAMES = frozenset(w for w in COMMON_SURNAMES if len(w) == 2)
RARE_SURNAMES = frozenset(_load_words("surnames_rare.txt"))
# 小王, 老李, 阿强: how people are named among neighbours and workmates.
NAME_PREFIXES = frozenset("小老阿")


def surname_of(name: str, *, rare: bool = False) -> str | None:
    """The surname a name starts with (复姓 first: 欧阳明 -> 欧阳), or None. ``rare`` also accepts the
    surnames that are ordinary words (乐, 权 …) — only where the context already marks a person."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    first = name[:1]
    if first in SINGLE_SURNAMES or (rare and first in RARE_SURNAMES):
        return first
    return None
