"""Errors of the graph package. It does not import ``brain``, so it has its own small root; the service
maps them to ``brain.errors.GraphDataError`` / ``GraphUnavailableError`` at its edge. Messages are Chinese
because the people who edit the seed files and run the server read them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedIssue:
    """One bad row: the file, the 1-based line where the row starts, and what is wrong with it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeGraphError(Exception):
    """Root of the errors this package raises on purpose."""


class SeedDataError(KnowledgeGraphError):
    """One or more seed files have bad rows; nothing from those files was written."""

    def __init__(self, issues: list[SeedIssue]) -> None:
        self.issues = issues
        shown = "\n".join(str(i) for i in issues[:20])
        more = f"\n……另有 {len(issues) - 20} 处" if len(issues) > 20 else ""
        super().__init__(f"种子数据有 {len(issues)} 处错误，相关文件未写入：\n{shown}{more}")


class ServerStartError(KnowledgeGraphError):
    """The embedded graph server did not come up; the message carries the tail of its log."""
