"""Index versions: atomic switch, pick-up by a running service, crash safety, pruning, ingest.

Runs on a small slice of the real corpus (60 statute articles + 20 cases) so each build takes a second.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from brain.errors import IndexError_
from brain.retrieval import versions
from brain.retrieval.service import RetrievalService
from brain.settings import REPO_ROOT, Settings, load_settings
from brain.types import SearchFilters, SearchRequest


def _slice(src: Path, dst: Path, keep: int, prefix: str = "") -> None:
    lines = [ln for ln in src.read_text(encoding="utf-8").splitlines() if ln.startswith('{"id": "' + prefix)]
    dst.write_text("\n".join(lines[:keep]) + "\n", encoding="utf-8")


@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    (data / "corpus").mkdir(parents=True)
    _slice(
        REPO_ROOT / "data/corpus/statutes.jsonl", data / "corpus/statutes.jsonl", 60, "statute:噪声污染防治法"
    )
    _slice(REPO_ROOT / "data/corpus/cases.jsonl", data / "corpus/cases.jsonl", 20)
    (data / "models").symlink_to(REPO_ROOT / "data/models")
    return load_settings("test", state_dir=str(tmp_path / "state"), data_dir=str(data))


def _add_case(settings: Settings, doc_id: str, text: str) -> None:
    row = {"id": doc_id, "kind": "case", "title": "测试案例", "text": text, "cause": "相邻关系纠纷"}
    with open(settings.data_dir / "corpus/cases.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


def test_first_load_builds_and_writes_manifest(small_settings: Settings) -> None:
    svc = RetrievalService(small_settings)
    svc.load()
    root = small_settings.retrieval.index_dir
    version = versions.current_version(root)
    assert version is not None and svc.status()["version"] == version
    manifest = versions.read_manifest(root / version)
    assert manifest["chunks"] == svc.status()["chunks"] > 60
    assert manifest["embedder"] == "fengqiao-static-zh"
    assert len(manifest["corpus_hash"]) == 64
    assert manifest["settings"]["chunk_chars"] == small_settings.retrieval.chunk_chars
    # An unchanged corpus is not rebuilt unless forced.
    assert svc.build()["built"] is False
    assert svc.build(force=True)["built"] is True


def test_load_rebuilds_when_the_corpus_changed_since(
    small_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service started on a state_dir whose index predates a corpus change (an upgrade, another profile)
    rebuilds instead of serving the old documents; with nothing changed it opens the index without reading
    the corpus; a file touched but unchanged costs one content check, not a rebuild."""
    import os

    RetrievalService(small_settings).load()
    root = small_settings.retrieval.index_dir
    first = versions.current_version(root)

    def no_reading(self: RetrievalService) -> list[object]:
        raise AssertionError("the corpus was read although its stamp is unchanged")

    with monkeypatch.context() as m:
        m.setattr(RetrievalService, "corpus_documents", no_reading)
        RetrievalService(small_settings).load()
    assert versions.current_version(root) == first

    _add_case(small_settings, "case:test:stamp", "两户村民因排水沟堵塞发生争执，经村调委会调解疏通水沟。")
    svc = RetrievalService(small_settings)
    svc.load()
    second = versions.current_version(root)
    assert second != first and svc.get_document("case:test:stamp").cause == "相邻关系纠纷"

    cases = small_settings.data_dir / "corpus/cases.jsonl"
    st = cases.stat()
    os.utime(cases, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # same bytes, new mtime
    RetrievalService(small_settings).load()
    assert versions.current_version(root) == second  # content compared, nothing rebuilt
    with monkeypatch.context() as m:
        m.setattr(RetrievalService, "corpus_documents", no_reading)
        RetrievalService(small_settings).load()  # and the new stamp was recorded


def test_running_service_picks_up_a_new_version(small_settings: Settings) -> None:
    server = RetrievalService(small_settings)
    server.load()
    old = server.status()["version"]
    query = SearchRequest(query="楼上邻居深夜弹钢琴", mode="bm25")
    assert not any(h.doc_id == "case:test:piano" for h in server.search(query).hits)

    _add_case(
        small_settings,
        "case:test:piano",
        "楼上邻居每天深夜弹钢琴，严重影响休息，经调解双方约定晚十点后停止弹奏。",
    )
    builder = RetrievalService(small_settings)  # another process would do the same: `brain index build`
    assert builder.build()["built"] is True

    resp = server.search(query)
    assert resp.index_version != old
    assert resp.hits[0].doc_id == "case:test:piano"
    assert server.get_document("case:test:piano").cause == "相邻关系纠纷"


def test_searches_keep_working_during_a_switch(small_settings: Settings) -> None:
    server = RetrievalService(small_settings)
    server.load()
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                resp = server.search(SearchRequest(query="噪声污染防治", top_k=3))
                assert resp.hits
                seen.add(resp.index_version or "")
            except BaseException as e:  # collected and asserted in the main thread
                errors.append(e)
                return

    t = threading.Thread(target=hammer)
    t.start()
    try:
        for _ in range(2):
            RetrievalService(small_settings).build(force=True)
    finally:
        stop.set()
        t.join(timeout=30)
    assert not errors, errors
    server.search(SearchRequest(query="噪声", top_k=1))
    assert server.status()["version"] == versions.current_version(small_settings.retrieval.index_dir)
    assert len(seen) >= 1


def test_crash_mid_build_leaves_previous_index_serving(small_settings: Settings) -> None:
    server = RetrievalService(small_settings)
    server.load()
    root = small_settings.retrieval.index_dir
    before = versions.current_version(root)
    dirs_before = sorted(p.name for p in root.iterdir())

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "embed":  # chunks and the BM25 index are already written to the staging dir by now
            raise RuntimeError("simulated crash while embedding")

    _add_case(small_settings, "case:test:crash", "这条案例只在崩溃的那次构建里出现。")
    with pytest.raises(RuntimeError, match="simulated crash"):
        RetrievalService(small_settings).build(progress=explode)

    assert versions.current_version(root) == before
    assert sorted(p.name for p in root.iterdir()) == dirs_before  # staging dir removed
    resp = server.search(SearchRequest(query="噪声污染", top_k=3))
    assert resp.hits and resp.index_version == before


def test_old_versions_are_pruned(small_settings: Settings) -> None:
    svc = RetrievalService(small_settings)
    svc.load()
    for _ in range(3):
        svc.build(force=True)
    root = small_settings.retrieval.index_dir
    kept = versions.list_versions(root)
    assert len(kept) == versions.KEEP_VERSIONS
    assert versions.current_version(root) == kept[-1] == svc.status()["version"]


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    (empty / "corpus").mkdir(parents=True)
    settings = load_settings("test", state_dir=str(tmp_path / "state"), data_dir=str(empty))
    with pytest.raises(IndexError_) as err:
        RetrievalService(settings).load()
    assert "没有可建索引的文档" in str(err.value) and err.value.hint


def test_corrupt_corpus_line_names_file_and_line(small_settings: Settings) -> None:
    with open(small_settings.data_dir / "corpus/cases.jsonl", "a", encoding="utf-8") as f:
        f.write('{"id": "broken"\n')
    with pytest.raises(IndexError_) as err:
        RetrievalService(small_settings).build()
    assert "第 21 行" in str(err.value) and "cases.jsonl" in str(err.value)


def test_ingest_adds_files_and_switches_the_index(small_settings: Settings, tmp_path: Path) -> None:
    server = RetrievalService(small_settings)
    server.load()
    before = server.status()["version"]
    good = tmp_path / "调解记录.txt"
    good.write_text(
        "村民甲与村民乙因宅基地边界的围墙发生纠纷，经村调委会调解，双方同意拆除围墙后按原界址重建。",
        encoding="utf-8",
    )
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"not a pdf at all")

    report = server.ingest([good, bad])
    status = {Path(f.path).name: f.status for f in report.files}
    assert status == {"调解记录.txt": "ok", "坏文件.pdf": "failed"}
    assert next(f for f in report.files if f.status == "failed").reason  # says why, in Chinese

    resp = server.search(
        SearchRequest(query="宅基地围墙纠纷调解", top_k=3, filters=SearchFilters(kind="document"))
    )
    assert resp.index_version != before
    assert resp.hits and resp.hits[0].kind == "document"
    doc = server.get_document(resp.hits[0].doc_id)
    start, end = resp.hits[0].span
    assert doc.text[start:end] == resp.hits[0].text and "宅基地" in doc.text


def test_unreadable_new_version_keeps_the_old_one_serving(small_settings: Settings) -> None:
    import shutil

    server = RetrievalService(small_settings)
    server.load()
    root = small_settings.retrieval.index_dir
    old = versions.current_version(root)
    assert old is not None
    broken = "99990101T000000000000-broken00"
    shutil.copytree(root / old, root / broken)
    (root / broken / "chunks.jsonl").write_text("{truncated", encoding="utf-8")
    (root / broken / versions.MANIFEST).write_text(
        json.dumps({**versions.read_manifest(root / old), "version": broken}), encoding="utf-8"
    )
    versions.switch_current(root, broken)

    resp = server.search(SearchRequest(query="噪声污染", top_k=3))
    assert resp.hits and resp.index_version == old
    # A fresh process has nothing to fall back on and says so.
    with pytest.raises(IndexError_) as err:
        RetrievalService(small_settings).load()
    assert "索引无法打开" in str(err.value)
