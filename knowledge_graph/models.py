"""Row models for the seed files, and the citation rules every row must satisfy.

Each seed file is a YAML mapping of lists; every list item is one row validated by a model below
(``extra="forbid"``, so a misspelt key is an error rather than a silently dropped field). Cross-file checks
(a route naming an organisation that does not exist, a quote that is not in its source) live in
:mod:`knowledge_graph.loader`, which knows every file.

A citation (``cite``) is either ``报告:<key>`` (a report listed in ``reports.yaml``) or ``<law> 第N条``
(an article in the statute corpus, e.g. ``民法典 第1079条``, ``民法典 第133条之一``). A ``quote`` is a verbatim
fragment of that source; ``……`` separates several fragments.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LEVEL_NAMES = ("村", "乡镇", "县", "市", "省")
DIFFICULTIES = ("政策咨询", "简易", "一般", "复杂", "重大")
COLOURS = ("红", "橙", "黄", "蓝")
STATION_MODES = ("常驻", "轮驻", "随驻", "进驻")

_STATUTE_CITE = re.compile(r"^(?P<law>\S+) 第(?P<num>\d+)条(?:之(?P<suffix>\d+))?$")
_REPORT_CITE = re.compile(r"^报告:(?P<key>\S+)$")
_CN_SUFFIX = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}


def parse_cite(cite: str) -> tuple[Literal["statute", "report"], str, str]:
    """``'民法典 第1079条'`` -> ('statute', '民法典', '1079'); ``'报告:汉台'`` -> ('report', '汉台', '').

    The article key uses the corpus form (``133-1`` for 第133条之一), so it can be joined with the ids in
    data/corpus/statutes.jsonl (``statute:<law>:<key>``). Raises ValueError with a fix-it message.
    """
    cite = cite.strip()
    for cn, num in _CN_SUFFIX.items():
        cite = cite.replace(f"条之{cn}", f"条之{num}")
    if m := _REPORT_CITE.match(cite):
        return "report", m["key"], ""
    if m := _STATUTE_CITE.match(cite):
        key = m["num"] if m["suffix"] is None else f"{m['num']}-{m['suffix']}"
        return "statute", m["law"], key
    raise ValueError(f"出处 {cite!r} 格式不对：应写作 '报告:<报告键>' 或 '<法律简称> 第N条'（阿拉伯数字）")


def statute_id(law: str, key: str) -> str:
    """The document id the search index uses for an article: ``statute:民法典:1079``."""
    return f"statute:{law}:{key}"


def normalize_for_quote(text: str) -> str:
    """Fold width and drop whitespace, so a quote typed with full-width punctuation matches the source."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def quote_fragments(quote: str) -> list[str]:
    return [f for f in (normalize_for_quote(p) for p in re.split(r"…+|\.\.\.+", quote)) if f]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(Row):
    """A row whose content rests on a source."""

    cite: str = Field(description="'报告:<key>' or '<law> 第N条'")
    quote: str = Field(min_length=2, description="verbatim fragment(s) of the source, '……' between fragments")

    @field_validator("cite")
    @classmethod
    def _cite_format(cls, v: str) -> str:
        parse_cite(v)
        return v.strip()


class Named(Row):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        if v != v.strip():
            raise ValueError("名称首尾不能有空白")
        return v


# ---------------------------------------------------------------------------------------------- files


class Report(Row):
    key: str
    title: str
    publisher: str
    file: str


class Level(Named, Cited):
    rank: int = Field(ge=1, le=5)
    role: str

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in LEVEL_NAMES:
            raise ValueError(f"层级只能是 {'/'.join(LEVEL_NAMES)}")
        return v


class Escalation(Cited):
    from_: str = Field(alias="from")
    to: str
    reason: str


class Channel(Named, Cited):
    description: str
    success_rate: float | None = Field(default=None, ge=0, le=1)
    rate_note: str | None = None


class IntakeSource(Named, Cited):
    description: str
    channel: str | None = None


class DeadlineRule(Named, Cited):
    kind: Literal["办理", "分流"]
    limit: str
    max_days: int | None = Field(ge=0)
    description: str


class DisputeType(Named):
    parent: str | None = None
    keywords: list[str] = Field(min_length=1)
    domains: list[str] = Field(default_factory=list)
    description: str
    difficulty: Literal["简易", "一般", "复杂", "重大"]
    escalate_if: list[str] = Field(default_factory=list)


class RiskSignal(Named, Cited):
    category: str
    keywords: list[str] = Field(min_length=1)
    colour: Literal["红", "橙", "黄", "蓝"]
    action: str


class Stationing(Cited):
    at: str
    mode: Literal["常驻", "轮驻", "随驻", "进驻"]
    region: str | None = None


class Organisation(Named, Cited):
    kind: str
    level: str
    region: str | None = None
    description: str
    stationed: list[Stationing] = Field(default_factory=list)


class Route(Cited):
    org: str
    priority: int = Field(default=2, ge=1, le=5)
    reason: str


class Article(Row):
    cite: str
    why: str

    @field_validator("cite")
    @classmethod
    def _statute(cls, v: str) -> str:
        if parse_cite(v)[0] != "statute":
            raise ValueError("法律依据只能引用法条：'<法律简称> 第N条'")
        return v.strip()


class Rule(Row):
    type: str
    routes: list[Route] = Field(default_factory=list)
    articles: list[Article] = Field(default_factory=list)


class Strategy(Named, Cited):
    description: str
    steps: list[str] = Field(default_factory=list)
    applies_to: list[str] = Field(min_length=1)


class CaseLink(Row):
    """A precedent in the search index linked to the dispute type its 案由 maps to."""

    id: str
    title: str
    cause: str
    type: str
