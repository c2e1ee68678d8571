"""Ingestion without OCR: loaders, statute-aware chunking, the document store and per-file failures."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.errors import IngestFileError
from ingest.loaders import decode_text
from ingest.pipeline import ingest_paths
from ingest.records import Document
from ingest.store import DocumentStore

LAW_TEXT = """# 中华人民共和国人民调解法

2010年8月28日 第十一届全国人民代表大会常务委员会第十六次会议通过

## 第一章 总则

第一条 为了完善人民调解制度，规范人民调解活动，及时解决民间纠纷，维护社会和谐稳定，根据宪法，制定本法。

第二条 本法所称人民调解，是指人民调解委员会通过说服、疏导等方法，促使当事人在平等协商基础上自愿达成调解协议，解决民间纠纷的活动。

## 第四章 调解程序

第十七条 当事人可以向人民调解委员会申请调解；人民调解委员会也可以主动调解。当事人一方明确拒绝调解的，不得调解。

第三十五条 本法自2011年1月1日起施行。
"""

COMPLAINT = (
    "楼上住户自今年三月起每天夜间十一点后仍在装修，电钻声、敲击声不断。我们多次上门沟通，对方态度冷淡。"
    "物业称无权处理。老人因长期失眠已经住院！请求社区调解委员会出面，要求对方夜间停止施工并赔偿医疗费？"
) * 4


def _store(tmp_path: Path) -> Path:
    return tmp_path / "state" / "documents"


def test_statute_file_gives_one_chunk_per_article(tmp_path: Path) -> None:
    law = tmp_path / "人民调解法.md"
    law.write_text(LAW_TEXT, encoding="utf-8")
    report = ingest_paths([law], _store(tmp_path))
    assert report.ok == 1 and report.files[0].chunks == 4
    [doc] = DocumentStore(_store(tmp_path)).documents()
    assert doc.kind == "statute" and doc.law == "人民调解法" and doc.title == "中华人民共和国人民调解法"
    assert str(doc.effective_date) == "2011-01-01"  # from its own 本法自…起施行 clause
    chunks = chunk_document(doc)
    assert [c.article for c in chunks] == [1, 2, 17, 35]
    assert all(c.law == "人民调解法" and c.kind == "statute" for c in chunks)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
    assert chunks[2].text.startswith("第十七条") and chunks[2].text.endswith("不得调解。")
    assert "第四章" not in chunks[1].text  # a heading closes the article before it


def test_prose_is_chunked_on_sentence_ends_with_overlap() -> None:
    doc = Document(id="doc:x", kind="document", title="投诉", text=COMPLAINT)
    chunks = chunk_document(doc, chunk_chars=120, overlap=40)
    assert len(chunks) > 3
    for a, b in itertools.pairwise(chunks):
        assert a.end - a.start <= 120
        assert b.start < a.end, "consecutive chunks overlap"
        assert a.end - b.start <= 40
        assert doc.text[a.end - 1] in "。！？；"  # windows end on a sentence end
    assert chunks[0].start == 0 and chunks[-1].end == len(COMPLAINT)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_run_on_sentence_is_split_at_commas() -> None:
    text = "，".join(f"原告于2019年{i}月向被告支付货款{i}万元" for i in range(1, 40))
    chunks = chunk_document(
        Document(id="doc:y", kind="case", title="t", text=text), chunk_chars=100, overlap=20
    )
    assert all(len(c.text) <= 100 for c in chunks)
    assert chunks[-1].end == len(text)
    assert all(c.text.endswith("，") or c.end == len(text) for c in chunks)


def test_chunk_arguments_are_checked() -> None:
    doc = Document(id="doc:z", kind="document", title="t", text="一句话。")
    with pytest.raises(ValueError, match="overlap"):
        chunk_document(doc, chunk_chars=100, overlap=100)


def test_corpus_article_is_one_chunk() -> None:
    doc = Document(id="statute:民法典:288", kind="statute", title="《民法典》第288条", law="民法典", article=288,
                   text="第二百八十八条 不动产的相邻权利人应当按照有利生产、方便生活、团结互助、公平合理的原则，正确处理相邻关系。")  # fmt: skip
    [chunk] = chunk_document(doc, chunk_chars=30, overlap=5)
    assert (chunk.law, chunk.article, chunk.start, chunk.end) == ("民法典", 288, 0, len(doc.text))


def test_gb18030_text_and_jsonl_records(tmp_path: Path) -> None:
    gbk = tmp_path / "来信.txt"
    gbk.write_bytes("村民张某反映宅基地边界争议，请求调解。".encode("gb18030"))
    recs = tmp_path / "cases.jsonl"
    recs.write_text(
        json.dumps({"text": "双方因借款到期未还发生纠纷。", "cause": "民间借贷纠纷", "region": "某县"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"id": "my:2", "text": "物业费纠纷。", "kind": "case", "effective_date": "2024-01-01"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    report = ingest_paths([tmp_path], _store(tmp_path))
    assert [f.status for f in report.files] == ["ok", "ok"], report
    docs = {d.id: d for d in DocumentStore(_store(tmp_path)).documents()}
    assert any("宅基地" in d.text for d in docs.values())
    [loan] = [d for d in docs.values() if d.cause == "民间借贷纠纷"]
    assert loan.region == "某县" and loan.kind == "document"
    assert docs["my:2"].kind == "case" and str(docs["my:2"].effective_date) == "2024-01-01"


def test_docx_and_text_layer_pdf(tmp_path: Path) -> None:
    import docx
    import pymupdf

    d = docx.Document()
    d.add_paragraph("人民调解协议书")
    d.add_paragraph("当事人因相邻通行发生纠纷，经调解自愿达成如下协议。")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "甲方"
    table.rows[0].cells[1].text = "张某"
    d.save(str(tmp_path / "协议.docx"))

    pdf = pymupdf.open()
    page = pdf.new_page()
    page.insert_text((72, 72), "Neighbour noise complaint, residents request mediation.", fontsize=11)
    pdf.save(str(tmp_path / "letter.pdf"))

    report = ingest_paths([tmp_path], _store(tmp_path))
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["协议.docx"].status == "ok" and by_name["协议.docx"].method == "docx"
    assert by_name["letter.pdf"].status == "ok" and by_name["letter.pdf"].method == "pdf-text"
    assert by_name["letter.pdf"].ocr_pages == []
    texts = {d.title: d.text for d in DocumentStore(_store(tmp_path)).documents()}
    assert "相邻通行" in texts["人民调解协议书"] and "甲方\t张某" in texts["人民调解协议书"]


def test_bad_inputs_fail_clearly_and_good_file_still_ingested(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("邻里纠纷，请求调解。", encoding="utf-8")
    (tmp_path / "notes.xyz").write_text("whatever", encoding="utf-8")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n\x00\x01 this is not a pdf")
    (tmp_path / "binary.txt").write_bytes(bytes([0x80, 0xFF, 0xFE, 0x00, 0x81]) * 8)
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"title": "no text"}\n', encoding="utf-8")
    missing = tmp_path / "gone.txt"

    report = ingest_paths([tmp_path, missing], _store(tmp_path))
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["good.txt"].status == "ok"
    expected = {
        "notes.xyz": "不支持的文件类型",
        "empty.md": "文件为空",
        "broken.pdf": "PDF 文件已损坏",
        "binary.txt": "无法识别文本编码",
        "broken.docx": "Word 文件已损坏",
        "bad.jsonl": "第 2 行缺少非空的 text 字段",
        "gone.txt": "路径不存在",
    }
    for name, reason in expected.items():
        result = by_name[name]
        assert result.status == "failed" and result.reason and reason in result.reason, (name, result.reason)
        assert "处理建议" in result.reason
        assert result.doc_ids == []
    assert (report.ok, report.failed) == (1, 7)
    # Nothing of the failed files was stored: only the good file's document is there.
    docs = list(DocumentStore(_store(tmp_path)).documents())
    assert [d.text for d in docs] == ["邻里纠纷，请求调解。"]
    assert len(list((_store(tmp_path) / "blobs").iterdir())) == 1


def test_reingest_unchanged_is_skipped_and_changed_replaces(tmp_path: Path) -> None:
    f = tmp_path / "complaint.txt"
    f.write_text("第一次投诉：噪声扰民。", encoding="utf-8")
    store_dir = _store(tmp_path)
    first = ingest_paths([f], store_dir)
    again = ingest_paths([f], store_dir)
    assert first.files[0].status == "ok" and again.files[0].status == "skipped"
    assert again.files[0].doc_ids == first.files[0].doc_ids and not again.changed

    f.write_text("补充材料：噪声扰民已持续三个月。", encoding="utf-8")
    third = ingest_paths([f], store_dir)
    assert third.files[0].status == "ok" and third.files[0].doc_ids != first.files[0].doc_ids
    docs = list(DocumentStore(store_dir).documents())
    assert [d.text for d in docs] == ["补充材料：噪声扰民已持续三个月。"]  # old version gone
    assert len(list((store_dir / "blobs").iterdir())) == 1


def test_interrupted_write_leaves_store_readable(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("调解记录。", encoding="utf-8")
    store_dir = _store(tmp_path)
    ingest_paths([f], store_dir)
    # A blob written by a crashed run, never named in the manifest, is invisible and cleaned up later.
    (store_dir / "blobs" / "deadbeef.jsonl").write_text("{half", encoding="utf-8")
    assert [d.text for d in DocumentStore(store_dir).documents()] == ["调解记录。"]
    (tmp_path / "b.txt").write_text("回访记录。", encoding="utf-8")
    ingest_paths([tmp_path / "b.txt"], store_dir)
    assert not (store_dir / "blobs" / "deadbeef.jsonl").exists()


def test_decode_text_rejects_binary() -> None:
    assert decode_text("\ufeff民法典".encode()) == "民法典"
    with pytest.raises(IngestFileError, match="UTF-8"):
        decode_text(b"\x00\x01\x02abc")


def _put_many(store_dir: str, prefix: str) -> None:
    store = DocumentStore(Path(store_dir))
    for i in range(15):
        doc = Document(id=f"doc:{prefix}{i}", kind="document", title="t", text=f"{prefix}{i}")
        store.put(f"/src/{prefix}{i}.txt", f"{prefix}{i:062d}", [doc], chunks=1, method="text", size=1)


def test_concurrent_writers_lose_no_entry(tmp_path: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_put_many, args=(str(tmp_path), p)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(DocumentStore(tmp_path).manifest()) == 30
    assert len(list(DocumentStore(tmp_path).documents())) == 30
