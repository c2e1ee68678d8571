"""RetrievalService: the search capability behind :class:`brain.service.Brain`.

Life cycle: the constructor only records settings; :meth:`load` opens the current index version (building
one from ``data/corpus`` plus the ingested document store when none exists yet). :meth:`search` first checks
the ``CURRENT`` pointer with one ``stat`` call; when another process (``brain index build``) or
:meth:`ingest` has published a new version it opens it and swaps the reference under a lock, while searches
already running keep the old :class:`SearchIndex` object until they finish. No downtime, no half index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from brain.errors import IndexError_, InputError, NotFoundError
from brain.retrieval import versions
from brain.retrieval.embedder import Embedder, load_embedder
from brain.retrieval.index import Progress, SearchIndex, build_version, corpus_hash
from brain.retrieval.library import (
    EXPANSIONS,
    IndexStats,
    as_of_date,
    corpus_files,
    corpus_stats,
    expansions_fingerprint,
    load_corpus,
    load_expansions,
)
from brain.retrieval.rerank import Reranker, load_reranker
from brain.retrieval.text import analyzer_fingerprint, tokenize
from brain.settings import Settings
from brain.types import Document, SearchRequest, SearchResponse

log = logging.getLogger(__name__)
STAMP = "sources.stamp"  # beside a version's manifest: the sources_stamp() its content was checked against

STAGE_LABELS = {"chunk": "切分文档", "bm25": "BM25 分词建索引", "embed": "向量编码", "publish": "发布新版本"}


class RetrievalService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root: Path = settings.retrieval.index_dir
        self._lock = threading.Lock()  # guards the swap of self._index
        self._reload_lock = threading.Lock()  # one reload at a time; searches go on meanwhile
        self._load_lock = threading.Lock()  # one lazy first load
        self._index: SearchIndex | None = None
        self._stamp: tuple[int, int] | None = None
        self._embedder: Embedder | None = None
        self._reranker: Reranker | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.retrieval.embedder, self.settings.data_dir)
        return self._embedder

    def load(self, progress: Progress | None = None) -> None:
        """Open the current version, building the first one if there is none."""
        current = versions.current_version(self.root)
        if current is None:
            log.info("no search index under %s yet; building one", self.root)
            self.build(progress=progress)
        elif (
            versions.read_manifest(self.root / current).get("embedder_fingerprint")
            != self.embedder.fingerprint
        ):
            # Query vectors from another model would be compared with the old space: rebuild first.
            log.info("index %s was built with another embedder; rebuilding", current)
            self.build(force=True, progress=progress)
        elif self._checked_stamp(current) != self.sources_stamp():
            # The corpus files, the ingested documents, the in-force date or the corpus settings may have
            # changed since (another profile sharing this state_dir, an upgrade, a new day): compare the
            # content and rebuild only if it differs.
            log.info("sources of index %s may have changed; checking the corpus", current)
            self.build(progress=progress)
        self._reranker = load_reranker(self.settings.retrieval.reranker)
        self._reload(force=True)
        tokenize("预热")  # load jieba's dictionary now, not on the first user query

    def close(self) -> None:
        with self._lock:
            self._index = None
            self._stamp = None

    def status(self) -> dict[str, Any]:
        idx = self._index
        if idx is None:
            return {"ok": False, "detail": "索引未加载", "index_dir": str(self.root)}
        m = idx.manifest
        return {
            "ok": True,
            "version": idx.version,
            "chunks": m["chunks"],
            "documents": m["documents"],
            "embedder": m["embedder"],
            "dense_index": m["dense_index"],
            "created": m["created"],
            "fusion": self.settings.retrieval.fusion,
        }

    # ------------------------------------------------------------------ corpus and building
    def sources_stamp(self) -> str:
        """A cheap fingerprint of what the index is built from: size and mtime of the corpus files, of the
        ingested document store and of the expansions file, the in-force date and the settings that choose
        or cut the documents. An equal stamp lets :meth:`load` skip the content check (loading and hashing
        every document takes seconds on the library); a different one only triggers that check."""
        r = self.settings.retrieval
        files = [*corpus_files(self.settings), self.settings.data_dir / "library" / EXPANSIONS]
        store_dir = self.settings.state_dir / "documents"
        if store_dir.exists():
            files += sorted(p for p in store_dir.rglob("*") if p.is_file())
        stats: list[list[Any]] = []
        for path in files:
            try:
                st = path.stat()
                stats.append([str(path), st.st_size, st.st_mtime_ns])
            except FileNotFoundError:
                stats.append([str(path), None, None])
        payload = {
            "files": stats,
            "as_of": str(as_of_date(self.settings)),
            "analyzer": analyzer_fingerprint(),
            "settings": r.model_dump(
                mode="json", include={"corpus", "expansions", "chunk_chars", "chunk_overlap", "embedder"}
            ),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()

    def _checked_stamp(self, version: str) -> str | None:
        try:
            return (self.root / version / STAMP).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None  # built before stamps, or a crash right after publishing: check the content once

    def _record_stamp(self, version: str, stamp: str) -> None:
        versions.atomic_write(self.root / version / STAMP, (stamp + "\n").encode("utf-8"))

    def corpus_documents(self) -> list[Document]:
        """The shipped corpus (``data/corpus/*.jsonl``) followed by ingested documents; later ids win."""
        docs: dict[str, Document] = {d.id: d for d in load_corpus(self.settings)}
        corpus_dir = self.settings.data_dir / "corpus"
        store_dir = self.settings.state_dir / "documents"
        if store_dir.exists():
            from ingest.store import DocumentStore

            for doc in DocumentStore(store_dir).documents():
                docs[doc.id] = doc
        if not docs:
            raise IndexError_(
                "没有可建索引的文档",
                where=str(corpus_dir),
                hint="确认 data/corpus/*.jsonl 存在，或先用 brain ingest 导入文件",
            )
        return list(docs.values())

    def build(self, force: bool = False, progress: Progress | None = None) -> dict[str, Any]:
        """Build a new version and switch to it. Without ``force`` an up-to-date index (same corpus, same
        embedder and chunking settings) is kept. Returns the manifest plus ``"built": bool``."""
        from ingest.chunking import chunk_document

        r = self.settings.retrieval
        with versions.build_lock(self.root):
            stamp = self.sources_stamp()  # before reading: a change during the build shows at the next load
            documents = self.corpus_documents()
            current = versions.current_version(self.root)
            if current and not force:
                manifest = versions.read_manifest(self.root / current)
                wanted = {
                    "embedder": r.embedder,
                    "chunk_chars": r.chunk_chars,
                    "chunk_overlap": r.chunk_overlap,
                }
                same = (
                    manifest.get("corpus_hash") == corpus_hash(documents)
                    and manifest.get("expansions") == expansions_fingerprint(self.settings)
                    and manifest.get("analyzer") == analyzer_fingerprint()
                    and manifest.get("embedder_fingerprint") == self.embedder.fingerprint
                    and all(manifest.get("settings", {}).get(k) == v for k, v in wanted.items())
                )
                if same:
                    self._record_stamp(current, stamp)
                    return {**manifest, "built": False}
            with self._progress(progress) as report:
                _, manifest = build_version(
                    self.root,
                    documents,
                    lambda d: chunk_document(d, r.chunk_chars, r.chunk_overlap),
                    self.embedder,
                    r,
                    report,
                    expansions=load_expansions(self.settings),
                    extra_manifest={
                        "expansions": expansions_fingerprint(self.settings),
                        "as_of": str(as_of_date(self.settings)),
                    },
                )
                self._record_stamp(manifest["version"], stamp)
        log.info(
            "index %s built: %s chunks in %ss",
            manifest["version"],
            manifest["chunks"],
            manifest["build_seconds"],
        )
        if self._index is not None:
            self._reload(force=True)
        return {**manifest, "built": True}

    def ingest(self, paths: Sequence[Path], **kwargs: Any) -> Any:
        """Ingest files into the document store, then rebuild and switch the index. Returns ingest's report
        (per-file outcome; a bad file does not stop the others)."""
        from ingest.pipeline import ingest_paths

        ocr, r = self.settings.ocr, self.settings.retrieval
        report = ingest_paths(
            list(paths),
            self.settings.state_dir / "documents",
            ocr_backend=ocr.backend,
            paddle_model_dir=ocr.paddle_model_dir,
            pdf_dpi=ocr.pdf_dpi,
            chunk_chars=r.chunk_chars,
            overlap=r.chunk_overlap,
            **kwargs,
        )
        if report.changed:
            self.build()
        return report

    @contextmanager
    def _progress(self, progress: Progress | None) -> Iterator[Progress]:
        """The caller's callback, or a rich progress bar when stderr is a terminal, or nothing."""
        if progress is not None or not sys.stderr.isatty():
            yield progress or (lambda stage, done, total: None)
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        # On stderr (the terminal checked above) with a short bar: the line fits 80 columns, so a
        # 12,345/12,345 count is never wrapped mid-number.
        with RichProgress(
            "[progress.description]{task.description}",
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
            console=Console(stderr=True),
        ) as bar:
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
                bar.update(tasks[stage], completed=done, total=total)

            yield report

    def stats(self) -> IndexStats:
        """``brain index stats``: documents and chunks by kind, laws by level, in-force counts (of the
        index being served)."""
        idx = self.current()
        chunks: dict[str, int] = {}
        for c in idx.chunks:
            chunks[c.kind] = chunks.get(c.kind, 0) + 1
        return IndexStats(
            index_version=idx.version,
            as_of=idx.manifest.get("as_of"),
            **corpus_stats(list(idx.documents.values()), chunks),
        )

    # ------------------------------------------------------------------ reading
    def _reload(self, force: bool = False) -> SearchIndex:
        """Open the version ``CURRENT`` points to if it changed since the last look."""
        idx = self._index
        if idx is not None and not force:
            if versions.pointer_stamp(self.root) == self._stamp:
                return idx
            if not self._reload_lock.acquire(blocking=False):
                return idx  # another thread is opening the new version: keep answering from the old one
        else:
            self._reload_lock.acquire()
        try:
            return self._open_current()
        finally:
            self._reload_lock.release()

    def _open_current(self) -> SearchIndex:
        """Called with ``_reload_lock`` held."""
        stamp = versions.pointer_stamp(self.root)
        version = versions.current_version(self.root)
        if version is None:
            if self._index is not None:
                return self._index
            raise IndexError_("检索索引不存在", where=str(self.root), hint="运行 brain index build")
        if self._index is None or self._index.version != version:
            try:
                new = SearchIndex(self.root / version, self.embedder)
            except Exception as e:
                if self._index is not None:  # keep serving the old one; retry when CURRENT changes again
                    log.exception("could not open index %s; still serving %s", version, self._index.version)
                    self._stamp = stamp
                    return self._index
                if isinstance(e, IndexError_):
                    raise
                raise IndexError_(
                    f"索引无法打开：{e}",
                    where=str(self.root / version),
                    hint="运行 brain index build --force 重建",
                ) from e
            with self._lock:
                self._index = new
        with self._lock:
            self._stamp = stamp
        assert self._index is not None
        return self._index

    def current(self) -> SearchIndex:
        """The open index; the first call loads it (the part starts lazily, like the others)."""
        if self._index is None:
            with self._load_lock:
                if self._index is None:
                    self.load()
        return self._reload()

    def search(self, request: SearchRequest) -> SearchResponse:
        if not request.query.strip():
            raise InputError("查询内容不能为空", where="query", hint="请输入要检索的问题或关键词")
        t0 = time.perf_counter()
        idx = self.current()
        hits = idx.search(
            request.query,
            top_k=request.top_k,
            mode=request.mode,
            filters=request.filters,
            settings=self.settings.retrieval,
            reranker=self._reranker,
        )
        took = (time.perf_counter() - t0) * 1000
        return SearchResponse(
            query=request.query,
            mode=request.mode,
            hits=hits,
            took_ms=round(took, 3),
            index_version=idx.version,
        )

    def get_document(self, doc_id: str) -> Document:
        doc = self.current().documents.get(doc_id)
        if doc is None:
            raise NotFoundError(
                f"文档不存在：{doc_id}",
                where="documents",
                hint="文档编号形如 statute:民法典:1079 或 case:cjrc:dev:1，可先检索获得",
            )
        return doc
