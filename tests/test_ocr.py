"""Real OCR (RapidOCR, PP-OCRv4 ONNX) on statute text rendered with a CJK font: a PNG, and an image-only PDF
with no text layer. Also the reading-order logic and the PaddleOCR refusal paths."""

from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.errors import OcrUnavailableError
from ingest.ocr import OcrBox, PaddleOcrEngine, boxes_to_text, get_engine
from ingest.pipeline import ingest_paths
from ingest.store import DocumentStore

# 民法典 第二百八十八条 and 噪声污染防治法 第六十五条 (as in data/corpus/statutes.jsonl).
CIVIL_288 = "第二百八十八条 不动产的相邻权利人应当按照有利生产、方便生活、团结互助、公平合理的原则，正确处理相邻关系。"
NOISE_65 = (
    "第六十五条 家庭及其成员应当培养形成减少噪声产生的良好习惯，乘坐公共交通工具、饲养宠物和其他日常活动"
    "尽量避免产生噪声对周围人员造成干扰，互谅互让，和睦相处，共同维护声环境质量。"
)
CIVIL_289 = (
    "第二百八十九条 法律、法规对处理相邻关系有规定的，依照其规定；法律、法规没有规定的，可以按照当地习惯。"
)
CIVIL_290 = (
    "第二百九十条 不动产权利人应当为相邻权利人用水、排水提供必要的便利。"
    "对自然流水的利用，应当在不动产的相邻权利人之间合理分配。对自然流水的排放，应当尊重自然流向。"
)
_KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def _cjk_font() -> str:
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout
        files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
        regular = [f for f in files if "Regular" in f or "zenhei" in f]
        if regular or files:
            return (regular or files)[0]
    for f in _KNOWN_FONTS:
        if Path(f).exists():
            return f
    pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk fonts-wqy-zenhei)")


def _render(text: str, *, chars_per_line: int = 26, size: int = 28) -> bytes:
    """PNG of ``text`` wrapped at ``chars_per_line``, black on white, like a clean scan at ~200 dpi."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(_cjk_font(), size)
    lines = [text[i : i + chars_per_line] for i in range(0, len(text), chars_per_line)]
    img = Image.new("RGB", (chars_per_line * size + 80, len(lines) * int(size * 1.7) + 80), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * int(size * 1.7)), line, font=font, fill="black")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _similarity(a: str, b: str) -> float:
    def norm(s: str) -> str:
        return re.sub(r"\s+", "", s)

    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


def test_png_ocr_matches_source(tmp_path: Path) -> None:
    png = tmp_path / "民法典288.png"
    png.write_bytes(_render(CIVIL_288 + NOISE_65))
    report = ingest_paths([png], tmp_path / "store")
    result = report.files[0]
    assert result.status == "ok" and result.method == "ocr", result.reason
    [doc] = DocumentStore(tmp_path / "store").documents()
    assert _similarity(doc.text, CIVIL_288 + NOISE_65) >= 0.98, doc.text
    assert doc.text.index("相邻关系") < doc.text.index("家庭及其成员")  # reading order kept


@pytest.mark.slow
def test_image_only_pdf_is_ocrd_page_by_page(tmp_path: Path) -> None:
    import pymupdf

    articles = (CIVIL_288, CIVIL_289, CIVIL_290)
    pdf = pymupdf.open()
    for text in articles:  # one article per page, as a scanned 法规汇编 might be
        page = pdf.new_page(width=595, height=842)
        page.insert_image(pymupdf.Rect(36, 36, 559, 400), stream=_render(text))
    path = tmp_path / "相邻关系.pdf"
    pdf.save(str(path))
    assert all(not p.get_text().strip() for p in pymupdf.open(str(path)).pages())  # really no text layer

    report = ingest_paths([path], tmp_path / "store", pdf_dpi=200)
    result = report.files[0]
    assert result.status == "ok" and result.method == "pdf-ocr", result.reason
    assert result.pages == 3 and result.ocr_pages == [1, 2, 3]
    [doc] = DocumentStore(tmp_path / "store").documents()
    assert _similarity(doc.text, "".join(articles)) >= 0.98, doc.text
    # OCR drops the space after 条; the scanned statute is still cut one chunk per article.
    assert doc.kind == "statute" and doc.title == "相邻关系"
    chunks = chunk_document(doc)
    assert [c.article for c in chunks] == [288, 289, 290]
    assert result.chunks == 3
    assert _similarity(chunks[0].text, CIVIL_288) >= 0.98


def test_blank_image_fails_clearly(tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    report = ingest_paths([tmp_path], tmp_path / "store")
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["blank.png"].status == "failed" and "未识别出文字" in (by_name["blank.png"].reason or "")
    assert by_name["corrupt.jpg"].status == "failed" and "图片无法解码" in (
        by_name["corrupt.jpg"].reason or ""
    )


def test_reading_order_groups_boxes_into_lines() -> None:
    # Second line's boxes come first and out of order; a slightly lower box still belongs to line one.
    boxes = [
        OcrBox("正确处理", 0.9, 300, 62, 420, 92),
        OcrBox("相邻关系。", 0.9, 10, 60, 290, 90),
        OcrBox("公平合理的原则，", 0.9, 260, 13, 520, 43),
        OcrBox("不动产的相邻权利人", 0.9, 10, 10, 250, 40),
        OcrBox("附表", 0.9, 900, 12, 960, 42),
    ]
    assert boxes_to_text(boxes) == "不动产的相邻权利人公平合理的原则， 附表\n相邻关系。正确处理"


def test_paddleocr_refuses_without_local_models(tmp_path: Path) -> None:
    with pytest.raises(OcrUnavailableError, match="未配置本地模型目录"):
        PaddleOcrEngine(None)
    (tmp_path / "det").mkdir()
    with pytest.raises(OcrUnavailableError, match="rec"):
        PaddleOcrEngine(tmp_path)
    with pytest.raises(OcrUnavailableError, match="未知的 OCR 后端"):
        get_engine("tesseract")


def test_paddle_backend_failure_is_per_file(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    png.write_bytes(_render("第一条 测试。"))
    (tmp_path / "b.txt").write_text("文本文件不需要 OCR。", encoding="utf-8")
    report = ingest_paths([tmp_path], tmp_path / "store", ocr_backend="paddleocr", paddle_model_dir=None)
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["a.png"].status == "failed" and "ocr.paddle_model_dir" in (by_name["a.png"].reason or "")
    assert by_name["b.txt"].status == "ok"
