"""File -> documents. One loader per file type; each raises :class:`IngestFileError` with a Chinese reason
(what is wrong, how to fix it) instead of returning partial text, so a bad file is reported and nothing of it
is stored.

Scanned input is common at a 综治中心 window (photographed complaints, faxed letters), so images go through
OCR and a PDF page without a text layer is rendered and OCR'd page by page.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.errors import IngestFileError
from ingest.ocr import OcrEngine, decode_image, ocr_image
from ingest.records import Document, normalize_law_name
from ingest.statute import ARTICLE_RE, looks_like_statute, stated_effective_date

TEXT_SUFFIXES = (".md", ".txt")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".jsonl", ".pdf", ".docx", *IMAGE_SUFFIXES)

# A page whose text layer has fewer visible characters than this is treated as scanned.
MIN_PAGE_TEXT_CHARS = 10
# JSONL keys copied onto the Document; anything else on the line is ignored.
_JSONL_FIELDS = {
    "title", "kind", "law", "article", "part", "chapter", "section", "effective_date", "in_force", "cause",
    "facts", "outcome", "region", "source",
}  # fmt: skip


@dataclass
class Loaded:
    """What a loader produced for one file."""

    documents: list[Document]
    method: str  # text / jsonl / docx / pdf-text / pdf-ocr / pdf-mixed / ocr
    pages: int | None = None
    ocr_pages: list[int] = field(default_factory=list)


OcrProvider = Callable[[], OcrEngine]


def load_file(path: Path, data: bytes, doc_id: str, *, ocr: OcrProvider, pdf_dpi: int = 200) -> Loaded:
    """Turn the bytes of ``path`` into documents with ids derived from ``doc_id``."""
    check_supported(path)
    suffix = path.suffix.lower()
    if not data.strip():
        raise IngestFileError(
            "文件为空（0 字节或只有空白）", hint="检查导出或扫描是否成功，重新生成文件后再导入"
        )
    if suffix in TEXT_SUFFIXES:
        text = decode_text(data)
        return Loaded(
            [_text_document(path, doc_id, text, _markdown_title(text) if suffix == ".md" else None)], "text"
        )
    if suffix == ".jsonl":
        return Loaded(_jsonl_documents(path, doc_id, decode_text(data)), "jsonl")
    if suffix == ".docx":
        return Loaded([_text_document(path, doc_id, *_docx_text(data))], "docx")
    if suffix == ".pdf":
        return _pdf(path, data, doc_id, ocr=ocr, dpi=pdf_dpi)
    frames = decode_image(data, where=path.name)
    engine = ocr()
    text = "\n\n".join(ocr_image(engine, frame) for frame in frames)
    _require_text(text, "图片中未识别出文字", "确认图片清晰、文字朝向正确；分辨率建议不低于 150 dpi")
    return Loaded(
        [_text_document(path, doc_id, text)],
        "ocr",
        pages=len(frames),
        ocr_pages=list(range(1, len(frames) + 1)),
    )


def check_supported(path: Path) -> None:
    """Refuse a file type no loader reads, naming the ones that are read."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestFileError(
            f"不支持的文件类型「{path.suffix or '无扩展名'}」",
            hint=f"请转换为以下格式之一后再导入：{' '.join(SUPPORTED_SUFFIXES)}",
        )


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM allowed), else GB18030 (covers GBK/GB2312, still common in Windows exports). Text with
    control characters after decoding is binary that happened to decode, and is refused too."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not re.search(r"[\x00-\x08\x0e-\x1f]", text):
            return text.replace("\r\n", "\n").replace("\r", "\n")
    raise IngestFileError(
        "无法识别文本编码：既不是 UTF-8 也不是 GB18030/GBK，或文件其实是二进制文件",
        hint="用文本编辑器另存为 UTF-8 编码；若是 Word/PDF 文件，请使用正确的扩展名",
    )


def _require_text(text: str, reason: str, hint: str) -> None:
    if not text.strip():
        raise IngestFileError(reason, hint=hint)


def _markdown_title(text: str) -> str | None:
    m = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else None


def _text_document(path: Path, doc_id: str, text: str, title: str | None = None) -> Document:
    _require_text(text, "文件中没有可导入的文字", "确认文件内容不是空白；扫描件请保存为图片或 PDF 再导入")
    title = title or _first_line(text) or path.stem
    statute = looks_like_statute(text)
    return Document(
        id=doc_id,
        kind="statute" if statute else "document",
        title=title,
        text=text,
        law=normalize_law_name(title) if statute else None,
        effective_date=stated_effective_date(text) if statute else None,
        source=str(path),
    )


def _first_line(text: str) -> str | None:
    """A short first line reads like a title (法规名称, 投诉信标题); a long one, or an article heading (a
    scanned statute without its title page), is body text."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 40 and not ARTICLE_RE.match(line) else None
    return None


def _jsonl_documents(path: Path, doc_id: str, text: str) -> list[Document]:
    docs: list[Document] = []
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"第 {lineno} 行"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise IngestFileError(
                f"{where}不是有效的 JSON：{e.msg}", hint='每行一个 JSON 对象，如 {"text": "…"}'
            ) from e
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or not rec["text"].strip():
            raise IngestFileError(
                f"{where}缺少非空的 text 字段", hint='每行须有 "text"，其余字段（title、cause 等）可选'
            )
        fields: dict[str, Any] = {k: v for k, v in rec.items() if k in _JSONL_FIELDS and v is not None}
        rid = str(rec.get("id") or f"{doc_id}:{lineno}")
        if rid in seen:
            raise IngestFileError(
                f"{where}的 id「{rid}」与前面的行重复", hint="每行的 id 必须唯一，或删去 id 由系统生成"
            )
        seen.add(rid)
        fields.setdefault("kind", "document")
        fields.setdefault("title", rec["text"].strip().splitlines()[0][:40])
        fields.setdefault("source", f"{path}:{lineno}")
        if isinstance(fields.get("effective_date"), str):
            fields["effective_date"] = _parse_date(fields["effective_date"], where)
        try:
            docs.append(Document(id=rid, text=rec["text"], **fields))
        except ValidationError as e:
            bad = "、".join(str(err["loc"][0]) for err in e.errors() if err["loc"])
            raise IngestFileError(
                f"{where}字段取值无效：{bad}", hint="kind 只能是 statute/case/document；article 为整数"
            ) from e
    if not docs:
        raise IngestFileError("JSONL 文件中没有任何记录", hint='每行一个 JSON 对象，如 {"text": "…"}')
    return docs


def _parse_date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise IngestFileError(
            f"{where}的 effective_date「{value}」不是日期", hint="使用 YYYY-MM-DD 格式"
        ) from e


def _docx_text(data: bytes) -> tuple[str, str | None]:
    """Paragraphs and table cells in document order; the core 'title' property when set."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as e:  # pragma: no cover - python-docx is a core dependency
        raise IngestFileError("未安装 python-docx，无法读取 Word 文件", hint="pip install python-docx") from e
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises zipfile/KeyError/ValueError variants for broken files
        raise IngestFileError(
            f"Word 文件已损坏或不是 .docx 格式（{type(e).__name__}）",
            hint="用 Word/WPS 打开后另存为 .docx；旧版 .doc 需先转换",
        ) from e
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                lines.append("\t".join(dict.fromkeys(c for c in cells if c)))  # merged cells repeat
    text = "\n".join(lines).strip()
    return text, (document.core_properties.title or None)


def _pdf(path: Path, data: bytes, doc_id: str, *, ocr: OcrProvider, dpi: int) -> Loaded:
    import pymupdf

    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except Exception as e:  # pymupdf raises its own FileDataError / RuntimeError for broken files
        raise IngestFileError(
            f"PDF 文件已损坏或格式无效（{type(e).__name__}）", hint="重新导出或重新扫描该 PDF 后再导入"
        ) from e
    with pdf:
        if pdf.needs_pass:
            raise IngestFileError("PDF 已加密，需要密码才能读取", hint="去除密码保护后再导入")
        if pdf.page_count == 0:
            raise IngestFileError("PDF 没有任何页面", hint="重新导出该 PDF")
        pages: list[str] = []
        ocr_pages: list[int] = []
        for number, page in enumerate(pdf.pages(), start=1):
            try:
                text = page.get_text("text")
                if len(re.sub(r"\s", "", text)) < MIN_PAGE_TEXT_CHARS:
                    pix = page.get_pixmap(dpi=dpi)
                    frames = decode_image(pix.tobytes("png"), where=f"{path.name} 第 {number} 页")
                    text = ocr_image(ocr(), frames[0])
                    ocr_pages.append(number)
            except IngestFileError:
                raise
            except Exception as e:
                raise IngestFileError(
                    f"PDF 第 {number} 页无法读取（{type(e).__name__}）",
                    hint="重新导出或重新扫描该 PDF 后再导入",
                ) from e
            pages.append(text.strip())
        title = (pdf.metadata or {}).get("title") or None
    text = "\n\n".join(p for p in pages if p)
    _require_text(
        text, "PDF 中没有文字层，OCR 也未识别出文字", "确认扫描清晰、页面不是空白；可提高 ocr.pdf_dpi 后重试"
    )
    method = "pdf-text" if not ocr_pages else "pdf-ocr" if len(ocr_pages) == len(pages) else "pdf-mixed"
    return Loaded([_text_document(path, doc_id, text, title)], method, pages=len(pages), ocr_pages=ocr_pages)
