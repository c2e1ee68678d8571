"""``ingest_paths``: files and folders in, documents in the store, one result per file out.

Each file is handled on its own: a bad file gets ``status="failed"`` with a Chinese reason and the batch goes
on; nothing of a failed file is stored. A file whose content hash matches what the store already holds for
that path is ``skipped`` without reading it further. Settings come in as plain arguments (``ingest`` does
not import ``brain``); the service passes ``settings.state_dir / "documents"`` and the OCR settings.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ingest.chunking import chunk_document
from ingest.errors import IngestFileError
from ingest.loaders import check_supported, load_file
from ingest.ocr import OcrEngine, get_engine
from ingest.store import DocumentStore

log = logging.getLogger(__name__)

FileStatus = Literal["ok", "skipped", "failed"]


class FileResult(BaseModel):
    path: str
    status: FileStatus
    reason: str | None = Field(default=None, description="失败原因及处理建议（中文）")
    doc_ids: list[str] = Field(default_factory=list)
    chunks: int = 0
    method: str | None = Field(
        default=None, description="text / jsonl / docx / pdf-text / pdf-ocr / pdf-mixed / ocr"
    )
    pages: int | None = None
    ocr_pages: list[int] = Field(default_factory=list)
    chars: int = 0
    took_ms: float = 0.0


class IngestReport(BaseModel):
    files: list[FileResult]
    ok: int
    skipped: int
    failed: int
    took_ms: float

    @property
    def changed(self) -> bool:
        """True when the store gained or replaced documents, i.e. the index needs a rebuild."""
        return self.ok > 0


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every file under named folders (sorted, hidden files and folders skipped).
    A path that does not exist is kept, so it is reported as a failure rather than silently dropped."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    found.append(f)
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def ingest_paths(
    paths: Sequence[Path],
    store_dir: Path,
    *,
    ocr_backend: str = "rapidocr",
    paddle_model_dir: Path | None = None,
    pdf_dpi: int = 200,
    chunk_chars: int = 400,
    overlap: int = 80,
    progress: Callable[[FileResult, int, int], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into the store at ``store_dir``.

    ``progress(result, done, total)`` is called after each file, for progress bars.
    """
    t0 = time.perf_counter()
    store = DocumentStore(store_dir)
    files = discover(paths)
    engine: list[OcrEngine] = []

    def ocr() -> OcrEngine:
        # Built on first need: a batch of text files never loads the OCR models.
        if not engine:
            engine.append(get_engine(ocr_backend, paddle_model_dir))
        return engine[0]

    results: list[FileResult] = []
    for n, result in enumerate(_each(files, store, ocr, pdf_dpi, chunk_chars, overlap), start=1):
        results.append(result)
        if progress:
            progress(result, n, len(files))
    count = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    return IngestReport(files=results, took_ms=(time.perf_counter() - t0) * 1000, **count)


def _each(files: list[Path], store: DocumentStore, ocr: Callable[[], OcrEngine], pdf_dpi: int, chunk_chars: int,
          overlap: int) -> Iterator[FileResult]:  # fmt: skip
    for path in files:
        t0 = time.perf_counter()
        try:
            result = _one(path, store, ocr, pdf_dpi, chunk_chars, overlap)
        except IngestFileError as e:
            result = FileResult(path=str(path), status="failed", reason=str(e))
        except Exception as e:  # a loader bug must not lose the rest of the batch
            log.exception("unexpected error while ingesting %s", path.name)
            result = FileResult(
                path=str(path), status="failed",
                reason=f"导入时发生内部错误（{type(e).__name__}）；处理建议：请把该文件和日志交给系统管理员",
            )  # fmt: skip
        result.took_ms = (time.perf_counter() - t0) * 1000
        yield result


def _one(path: Path, store: DocumentStore, ocr: Callable[[], OcrEngine], pdf_dpi: int, chunk_chars: int,
         overlap: int) -> FileResult:  # fmt: skip
    if not path.exists():
        raise IngestFileError(f"路径不存在：{path}", hint="检查路径拼写，或确认文件未被移动")
    if not path.is_file():
        raise IngestFileError(f"不是普通文件：{path}", hint="请指定文件或文件夹")
    check_supported(path)  # before reading: it may be a large binary
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestFileError(f"无法读取文件（{e.strerror}）", hint="检查文件权限") from e

    source = str(path.resolve())
    sha = hashlib.sha256(data).hexdigest()
    if entry := store.is_unchanged(source, sha):
        return FileResult(path=str(path), status="skipped", reason="内容未变化，已跳过", doc_ids=entry.doc_ids,
                          chunks=entry.chunks, method=entry.method)  # fmt: skip

    loaded = load_file(path, data, f"doc:{sha[:16]}", ocr=ocr, pdf_dpi=pdf_dpi)
    chunks = sum(len(chunk_document(d, chunk_chars, overlap)) for d in loaded.documents)
    if chunks == 0:
        raise IngestFileError("文件中没有可检索的文字", hint="确认内容不是空白")
    entry = store.put(source, sha, loaded.documents, chunks=chunks, method=loaded.method, size=len(data))
    return FileResult(
        path=str(path), status="ok", doc_ids=entry.doc_ids, chunks=chunks, method=loaded.method,
        pages=loaded.pages, ocr_pages=loaded.ocr_pages, chars=sum(len(d.text) for d in loaded.documents),
    )  # fmt: skip
