"""Corpus records shared by ingestion and the service: a :class:`Document` (statute article, precedent case,
or ingested file) and the :class:`Chunk` pieces that get indexed. Lives in ``ingest`` because ingestion
produces them and knows nothing of indices; ``brain.types`` re-exports them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

SourceKind = Literal["statute", "case", "document"]


def normalize_law_name(name: str) -> str:
    """'《中华人民共和国民法典》' -> '民法典'. Citations compare on this form."""
    name = name.strip().strip("《》").strip()
    if name.startswith("中华人民共和国"):
        name = name[len("中华人民共和国") :]
    return name


class Citation(BaseModel):
    """Where a hit comes from: a statute article (``law`` + ``article``) or a case (``case_id``)."""

    law: str | None = Field(default=None, examples=["民法典"])
    article: int | None = Field(default=None, examples=[1079])
    case_id: str | None = Field(default=None, examples=["case-cjrc-dev-0001"])
    version: str | None = Field(
        default=None, description="statute text version (publish date)", examples=["2020-05-28"]
    )

    def label(self) -> str:
        if self.law and self.article is not None:
            return f"《{self.law}》第{self.article}条"
        if self.law:
            return f"《{self.law}》"
        return self.case_id or ""

    def matches(self, other: Citation) -> bool:
        if self.case_id or other.case_id:
            return bool(self.case_id) and self.case_id == other.case_id
        return (
            normalize_law_name(self.law or "") == normalize_law_name(other.law or "")
            and self.article == other.article
        )


class Document(BaseModel):
    """One record of the corpus: a statute article, a precedent case, or an ingested file."""

    id: str
    kind: SourceKind
    title: str
    text: str
    law: str | None = None
    article: int | None = None
    article_suffix: int | None = Field(default=None, description="条之N 的 N (第133条之一 -> 1)")
    part: str | None = Field(default=None, description="编")
    chapter: str | None = Field(default=None, description="章")
    section: str | None = Field(default=None, description="节")
    effective_date: date | None = None
    in_force: bool = True
    cause: str | None = Field(default=None, description="案由 (cases)")
    facts: str | None = None
    outcome: str | None = None
    region: str | None = None
    source: str | None = Field(default=None, description="provenance: file path or dataset id")
    level: str | None = Field(
        default=None, description="效力级别: 法律/行政法规/司法解释/部门规章/地方性法规"
    )
    publish_date: date | None = Field(default=None, description="公布日期 of this version")
    version: str | None = Field(
        default=None, description="which text of the law: its publish date, e.g. 2021-04-29"
    )
    expired: bool | None = Field(default=None, description="the source marks the text as 已失效")
    superseded: str | None = Field(
        default=None,
        description="why this text may not be current (a later or newer revision), shown to users",
    )

    def citation(self) -> Citation:
        if self.kind == "statute":
            return Citation(law=self.law, article=self.article, version=self.version)
        return Citation(case_id=self.id)


class Chunk(BaseModel):
    """A piece of a document that is indexed. ``start``/``end`` are character offsets into the document text."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    kind: SourceKind
    title: str
    law: str | None = None
    article: int | None = None
    cause: str | None = None
    region: str | None = None
    in_force: bool = True
    effective_date: date | None = None
