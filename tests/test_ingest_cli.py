"""``brain ingest`` end to end: a scanned complaint (PNG, real OCR), an image-only PDF of a statute paragraph
and a bad file go in through the CLI; the good ones are stored, indexed and found by search, the bad one is
reported, and a re-run skips."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.test_ocr import _render

COMPLAINT = "投诉：楼上邻居每天夜里十一点以后还在装修，电钻噪音扰民，老人无法入睡，请求社区调解委员会调解。"
# 民法典 第九百四十二条 (first sentence), scanned: the PDF holds only the picture, no text layer.
STATUTE = "物业服务人应当按照约定和物业的使用性质，妥善维修、养护、清洁、绿化和经营管理物业服务区域内的业主共有部分。"


def _image_only_pdf(text: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(_render(text))).convert("RGB").save(buf, format="PDF", resolution=150)
    return buf.getvalue()


@pytest.mark.slow
def test_cli_ingest_then_search(tmp_state: Path, tmp_path: Path) -> None:
    from brain.cli import app
    from brain.service import Brain
    from brain.settings import load_settings
    from brain.types import SearchFilters, SearchRequest

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "来信扫描.png").write_bytes(_render(COMPLAINT))
    (inbox / "条文扫描件.pdf").write_bytes(_image_only_pdf(STATUTE))
    (inbox / "附件.xyz").write_bytes(b"?")

    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(inbox), "--json"])
    assert first.exit_code == 1, first.output  # one file failed
    report = json.loads(first.stdout)
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert by_name["来信扫描.png"]["status"] == "ok" and by_name["来信扫描.png"]["method"] == "ocr"
    assert by_name["附件.xyz"]["status"] == "failed" and "不支持的文件类型" in by_name["附件.xyz"]["reason"]
    assert by_name["条文扫描件.pdf"]["status"] == "ok"
    doc_id = by_name["来信扫描.png"]["doc_ids"][0]
    pdf_doc_id = by_name["条文扫描件.pdf"]["doc_ids"][0]

    again = runner.invoke(app, ["ingest", str(inbox / "来信扫描.png"), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["files"][0]["status"] == "skipped"

    brain = Brain(load_settings()).start(graph=False)
    try:
        only_files = SearchFilters(kind="document")
        response = brain.search(SearchRequest(query="邻居装修噪音扰民", filters=only_files))
        statute = brain.search(SearchRequest(query="物业服务人妥善维修养护业主共有部分", filters=only_files))
    finally:
        brain.close()
    assert response.hits and response.hits[0].doc_id == doc_id
    assert statute.hits and statute.hits[0].doc_id == pdf_doc_id
