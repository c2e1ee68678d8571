"""Shared result types. Every retriever (BM25, dense, hybrid) returns :class:`Hit`; every corpus record is a
:class:`Document`; every chunk carries its metadata and the span it covers in its document."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from ingest.records import Chunk, Citation, Document, SourceKind, normalize_law_name

__all__ = [
    "Chunk",
    "Citation",
    "Document",
    "Hit",
    "ScoreParts",
    "SearchFilters",
    "SearchRequest",
    "SearchResponse",
    "SourceKind",
    "normalize_law_name",
]

MAX_QUERY_CHARS = 2000


class SearchFilters(BaseModel):
    kind: SourceKind | None = Field(default=None, description="statute / case / document")
    law: str | None = Field(default=None, examples=["民法典"])
    cause: str | None = Field(default=None, description="案由", examples=["民间借贷纠纷"])
    region: str | None = None
    in_force: bool | None = Field(default=None, description="只返回现行有效的条文")
    date_from: date | None = None
    date_to: date | None = None


class SearchRequest(BaseModel):
    query: str = Field(
        examples=["邻居装修噪音扰民怎么处理"],
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS},
    )
    top_k: int = Field(default=10, ge=1, le=100)
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    filters: SearchFilters = Field(default_factory=SearchFilters)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        # PydanticCustomError keeps the message as written (no English "Value error," prefix) for the 422 body.
        if not v.strip():
            raise PydanticCustomError("query_empty", "查询内容不能为空，请输入要检索的问题或关键词")
        if len(v) > MAX_QUERY_CHARS:
            raise PydanticCustomError(
                "query_too_long",
                "查询内容过长（{n} 字），上限 {limit} 字，请精简后重试",
                {"n": len(v), "limit": MAX_QUERY_CHARS},
            )
        return v


class ScoreParts(BaseModel):
    bm25: float | None = None
    dense: float | None = None
    fused: float
    rerank: float | None = None


class Hit(BaseModel):
    doc_id: str
    chunk_id: str
    kind: SourceKind
    title: str
    citation: Citation
    span: tuple[int, int] = Field(description="[start, end) character offsets in the document text")
    snippet: str = Field(description="片段，命中词用【】标出")
    text: str
    score: ScoreParts
    rank: int
    warning: str | None = Field(
        default=None, description="该条文可能不是现行文本时的提示（已失效、已被新版本取代或已修订）"
    )


class SearchResponse(BaseModel):
    query: str
    mode: str
    hits: list[Hit]
    took_ms: float
    index_version: str | None = None
