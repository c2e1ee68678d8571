"""The shapes detection and redaction share: the kinds, one found span, one redaction."""

from __future__ import annotations

from dataclasses import dataclass, field

# Detection priority: when two candidates overlap, the one whose kind comes first wins.
KINDS = ("电子邮箱", "身份证号", "银行卡号", "手机号", "固定电话", "车牌号", "地址", "姓名")


@dataclass(frozen=True)
class Span:
    """One detected piece of personal data: ``text[start:end] == value``."""

    start: int
    end: int
    kind: str
    value: str


@dataclass
class Redaction:
    """The result of :func:`redact`.

    ``mapping`` holds placeholder -> original for every placeholder in ``text`` (and those passed in);
    ``counts`` is how many occurrences of each kind were replaced in this text.
    """

    text: str
    mapping: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.counts)
