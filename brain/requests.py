"""Request and result models of the :class:`~brain.service.Brain` facade that belong to no single area
(documents, ingest, index, OCR, readiness, the graph's named queries). Each area keeps its own next to its
code (``brain.types`` for search, ``agents/intake/schema``, ``agents/chat/state``, ``agreements/models``)."""

from __future__ import annotations

from collections.abc import Callable, ItemsView
from pathlib import Path

from pydantic import BaseModel, Field, JsonValue

JsonRow = dict[str, JsonValue]


# ---------------------------------------------------------------------------------------------- documents
class DocumentRequest(BaseModel):
    doc_id: str = Field(examples=["statute:民法典:1079"])


class IngestRequest(BaseModel):
    paths: list[Path] = Field(description="文件或文件夹（文件夹递归导入）")
    progress: Callable[..., None] | None = Field(
        default=None, exclude=True, description="called as progress(file_result, done, total)"
    )


class IndexBuildRequest(BaseModel):
    force: bool = Field(default=False, description="语料未变也重建")


class IndexBuildResult(BaseModel):
    built: bool = Field(description="false: the index was already up to date")
    version: str
    manifest: JsonRow = Field(description="the version's manifest (documents, chunks, build_seconds …)")


class OcrRequest(BaseModel):
    data: bytes = Field(description="图片字节（PNG/JPEG/TIFF…）")
    filename: str = Field(default="upload", description="用于错误提示")


class OcrResult(BaseModel):
    text: str = Field(description="识别出的文字（按行）；空字符串表示未识别出文字")
    filename: str


# ---------------------------------------------------------------------------------------------- health
class Readiness(BaseModel):
    """What is up and what is degraded (``/readyz``)."""

    index: JsonRow
    graph: JsonRow
    llm: JsonRow
    ready: bool

    def items(self) -> ItemsView[str, JsonValue]:
        """The parts by name, as a mapping reads (the API middleware's degraded-state header reads this)."""
        parts: dict[str, JsonValue] = {"index": self.index, "graph": self.graph, "llm": self.llm}
        return parts.items()


# ---------------------------------------------------------------------------------------------- graph
class GraphQueryRequest(BaseModel):
    name: str = Field(description="命名查询名（GET /v1/graph/queries 列出）", examples=["routing_candidates"])
    params: JsonRow = Field(default_factory=dict, examples=[{"dispute_type": "邻里纠纷", "level": "村"}])


class GraphQueryResult(BaseModel):
    name: str
    rows: list[JsonRow]


class GraphQueryInfo(BaseModel):
    name: str
    description: str
    params: JsonRow
    example: JsonRow


class GraphQueryList(BaseModel):
    queries: list[GraphQueryInfo]


class GraphStats(BaseModel):
    nodes: dict[str, int]
    relationships: dict[str, int]


class GraphSeedFile(BaseModel):
    file: str
    status: str
    rows: int
    reason: str


class GraphLoadResult(BaseModel):
    """``brain kg load``: per-file outcome, the issues that kept a file out, counts before and after."""

    files: list[GraphSeedFile]
    issues: list[str]
    before: GraphStats
    after: GraphStats
    version: str

    @property
    def ok(self) -> bool:
        return not self.issues
