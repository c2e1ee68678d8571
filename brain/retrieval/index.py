"""One index version: building it from documents, and searching it (BM25, dense, hybrid, with filters).

:func:`build_version` chunks the documents, tokenises and embeds the chunks, writes the BM25 and FAISS
structures plus ``documents.jsonl``/``chunks.jsonl`` into a staging directory and publishes it as a new
version (see :mod:`brain.retrieval.versions`). :class:`SearchIndex` is an opened version; it is immutable,
so a server can swap to a newer one while in-flight searches finish on the old object.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from brain.errors import IndexError_
from brain.retrieval import fusion, versions
from brain.retrieval.columns import Columns
from brain.retrieval.doctable import DocumentTable
from brain.retrieval.embedder import Embedder
from brain.retrieval.indexes import BM25Index, DenseIndex
from brain.retrieval.learned import LearnedFusion
from brain.retrieval.querykind import QUESTION_KINDS, query_kind
from brain.retrieval.questions import QuestionIndex
from brain.retrieval.rerank import Reranker
from brain.retrieval.text import (
    analyzer_fingerprint,
    expand_query,
    highlight_terms,
    snippet,
    tokenize,
    tokenize_many,
)
from brain.settings import RetrievalSettings
from brain.types import Chunk, Document, Hit, ScoreParts, SearchFilters, normalize_law_name
from ingest.statute import cn_to_int

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called while building; raising from it aborts the build cleanly."""

# 《民法典》第1079条 / 民法典第一千零七十九条: a direct article look-up inside a query.
_ARTICLE_REF = re.compile(r"《?([^《》\s，。；,]{2,40}?)》?\s*第([零〇一二两三四五六七八九十百千万\d]+)条")


def corpus_hash(documents: Sequence[Document]) -> str:
    h = hashlib.sha256()
    for d in documents:
        h.update(d.model_dump_json().encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _noop(stage: str, done: int, total: int) -> None:
    return None


def build_version(
    root: Path,
    documents: Sequence[Document],
    chunk_fn: Callable[[Document], list[Chunk]],
    embedder: Embedder,
    settings: RetrievalSettings,
    progress: Progress = _noop,
    expansions: Mapping[tuple[str, int], Sequence[str]] | None = None,
    extra_manifest: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Build and publish a new version; returns (version, manifest). The previous version keeps serving
    until the final pointer switch, and stays if anything here raises."""
    t0 = time.perf_counter()
    digest = corpus_hash(documents)
    version = versions.new_version(digest)
    with versions.staging_dir(root, version) as tmp:
        chunks: list[Chunk] = []
        for i, doc in enumerate(documents):
            chunks.extend(chunk_fn(doc))
            if i % 500 == 0:
                progress("chunk", i, len(documents))
        progress("chunk", len(documents), len(documents))
        texts = [c.text for c in chunks]
        by_id = {d.id: d for d in documents}
        QuestionIndex.build(chunks, by_id, expansions or {}, embedder).save(tmp / "questions")
        index_texts = [_index_text(c) for c in chunks]

        progress("bm25", 0, len(chunks))
        tokens = tokenize_many(index_texts, progress=lambda done: progress("bm25", done, len(chunks)))
        BM25Index.build(tokens).save(tmp / "bm25")
        progress("bm25", len(chunks), len(chunks))

        batch = 2048
        vecs = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
        for start in range(0, len(texts), batch):
            progress("embed", start, len(texts))
            vecs[start : start + batch] = embedder.encode(texts[start : start + batch])
        progress("embed", len(texts), len(texts))
        dense = DenseIndex.build(vecs, settings.hnsw_threshold)
        dense.save(tmp / "dense")

        _write_jsonl(tmp / "documents.jsonl", (d.model_dump(mode="json") for d in documents))
        _write_jsonl(tmp / "chunks.jsonl", (c.model_dump(mode="json") for c in chunks))
        seconds = time.perf_counter() - t0
        manifest = {
            "version": version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "corpus_hash": digest,
            "documents": len(documents),
            "chunks": len(chunks),
            "embedder": embedder.name,
            "embedder_fingerprint": embedder.fingerprint,
            "analyzer": analyzer_fingerprint(),
            "embedding_dim": embedder.dim,
            "dense_index": dense.kind,
            "settings": settings.model_dump(
                mode="json", include={"chunk_chars", "chunk_overlap", "embedder", "hnsw_threshold"}
            ),
            **(extra_manifest or {}),
            "build_seconds": round(seconds, 3),
            "chunks_per_second": round(len(chunks) / seconds, 1) if seconds else None,
        }
        (tmp / versions.MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        progress("publish", 0, 1)
    versions.switch_current(root, version)
    versions.prune(root)
    progress("publish", 1, 1)
    return version, manifest


def _index_text(chunk: Chunk) -> str:
    """What BM25 sees: the chunk plus its title, so a law or case name in the query matches every chunk."""
    return f"{chunk.title}\n{chunk.text}"


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class SearchIndex:
    """An opened, immutable index version."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path = path
        self.manifest = versions.read_manifest(path)
        self.version: str = self.manifest["version"]
        self.embedder = embedder
        self.documents = DocumentTable(path / "documents.jsonl")
        self.chunks = [Chunk.model_validate(c) for c in _read_jsonl(path / "chunks.jsonl")]
        self.bm25 = BM25Index.load(path / "bm25")
        self.dense = DenseIndex.load(path / "dense")
        self.questions = QuestionIndex.load(path / "questions", len(self.chunks))
        if self.manifest.get("embedder_fingerprint") != embedder.fingerprint:
            raise IndexError_(
                f"索引使用的向量模型（{self.manifest.get('embedder')}）与当前配置（{embedder.name}）不一致",
                where=str(path),
                hint="运行 brain index build --force 用当前模型重建索引",
            )
        self.columns = Columns(self.chunks)
        self._rows_by_article: dict[tuple[str, int], list[int]] = {}
        for row, c in enumerate(self.chunks):
            if c.kind == "statute" and c.law and c.article is not None:
                self._rows_by_article.setdefault((normalize_law_name(c.law), c.article), []).append(row)
        # A named article resolves to its in-force version first.
        for rows in self._rows_by_article.values():
            rows.sort(key=lambda r: not self.chunks[r].in_force)

    def allowed(self, f: SearchFilters, home_region: str | None = None) -> np.ndarray | None:
        """Boolean row mask for the filters, or None when nothing is filtered."""
        return self.columns.mask(f, home_region)

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        *,
        top_k: int,
        mode: str,
        filters: SearchFilters,
        settings: RetrievalSettings,
        reranker: Reranker | None = None,
    ) -> list[Hit]:
        allowed = self.allowed(filters, settings.region)
        if allowed is not None and not allowed.any():
            return []
        n_cand = max(settings.candidates, top_k)
        bm25_hits: list[tuple[int, float]] = []
        dense_hits: list[tuple[int, float]] = []
        if mode in ("bm25", "hybrid"):
            bm25_hits = self.bm25.search(expand_query(tokenize(query)), n_cand, allowed)
        vec = None
        if mode in ("dense", "hybrid"):
            vec = self.embedder.encode([query])[0]
            dense_hits = self.dense.search(vec, n_cand, allowed)

        if mode == "bm25":
            fused = {i: s for i, s in bm25_hits}
        elif mode == "dense":
            fused = {i: s for i, s in dense_hits}
        else:
            # The learned fusion only for lay statute questions, the question index only for statute
            # searches: what each was fitted on (brain/retrieval/querykind.py).
            kind = query_kind(query, filters)
            learned = None
            if settings.fusion == "learned" and kind == "lay":
                learned = LearnedFusion.load(settings.fusion_weights)
            question_hits = self.questions.search(query, n_cand, allowed) if kind in QUESTION_KINDS else []
            if learned is not None:
                q = self.questions
                assert vec is not None
                lists = [bm25_hits, dense_hits, question_hits, q.search_dense(vec, n_cand, allowed)]
                chapters = q.search_chapters(query)
                fused = learned.fuse(lists, q.prior, q.law_prior, q.level, q.chapter_of, chapters)
            else:
                fused = fusion.fuse(bm25_hits, dense_hits, settings)
                if settings.question_weight > 0:
                    fusion.add_weighted(fused, question_hits, settings.question_weight)

        # A query naming an article (《民法典》第1079条) gets that article first.
        pinned = [r for r in self._article_rows(query) if allowed is None or allowed[r]]
        if pinned:
            top = max(fused.values(), default=0.0) + 1.0
            for r in pinned:
                fused[r] = top

        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        ranked = self._best_chunk_per_document(ranked, max(top_k * 3, 20))
        bm25_of = dict(bm25_hits)
        dense_of = dict(dense_hits)
        rerank_of: dict[int, float] = {}
        if reranker is not None and ranked:
            pool = ranked[: max(top_k * 3, 20)]
            scores = reranker.score(query, [self.chunks[r].text for r, _ in pool])
            rerank_of = {r: s for (r, _), s in zip(pool, scores, strict=True)}
            ranked = sorted(pool, key=lambda kv: -rerank_of[kv[0]])

        terms = highlight_terms(query)
        hits = []
        for rank, (row, score) in enumerate(ranked[:top_k], start=1):
            c = self.chunks[row]
            doc = self.documents[c.doc_id]
            hits.append(
                Hit(
                    doc_id=c.doc_id,
                    chunk_id=c.id,
                    kind=c.kind,
                    title=c.title,
                    citation=doc.citation(),
                    span=(c.start, c.end),
                    snippet=snippet(c.text, terms),
                    text=c.text,
                    score=ScoreParts(
                        bm25=bm25_of.get(row), dense=dense_of.get(row), fused=score, rerank=rerank_of.get(row)
                    ),
                    rank=rank,
                    warning=doc.superseded,
                )
            )
        return hits

    def _best_chunk_per_document(
        self, ranked: list[tuple[int, float]], limit: int
    ) -> list[tuple[int, float]]:
        """One hit per document (a long judgment must not fill the page with its own chunks), the best
        ``limit`` documents."""
        seen: set[str] = set()
        out = []
        for row, score in ranked:
            doc_id = self.chunks[row].doc_id
            if doc_id not in seen:
                seen.add(doc_id)
                out.append((row, score))
                if len(out) == limit:
                    break
        return out

    def _article_rows(self, query: str) -> list[int]:
        rows: list[int] = []
        for m in _ARTICLE_REF.finditer(query):
            try:
                number = cn_to_int(m.group(2))
            except ValueError:
                continue
            name = normalize_law_name(m.group(1))
            # The pattern may have swallowed words before the name (请问民法典…): try each suffix.
            for i in range(len(name) - 1):
                found = self._rows_by_article.get((normalize_law_name(name[i:]), number))
                if found:
                    rows.append(found[0])
                    break
        return rows
