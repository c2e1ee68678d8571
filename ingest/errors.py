"""Errors raised by ingestion. ``ingest`` does not import ``brain``, so it has its own small root; the
service maps :class:`IngestFileError` to ``brain.errors.IngestError`` at its edge. Messages are Chinese and
say what is wrong and how to fix it, because they are shown to the clerk who uploaded the file."""

from __future__ import annotations


class IngestFileError(Exception):
    """One file cannot be ingested. The batch goes on; the file's result carries ``reason``."""

    def __init__(self, reason: str, *, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.reason}；处理建议：{self.hint}" if self.hint else self.reason


class OcrUnavailableError(IngestFileError):
    """The configured OCR back end cannot run (not installed, model directory not set or missing)."""
