"""The question index: real lay questions that an article answers, as a third retriever.

Built from ``data/library/stard_expansions.jsonl`` (the STARD **train** questions, each with the articles it
cites). A query is matched by BM25 against those questions; an article scores the best match among the
questions citing it (doc2query with real questions, kept as its own field so plain BM25 stays the baseline
it is measured against). ``prior`` is log(1 + how many train questions cite the article), normalised.

A second, coarser stage pools the evidence by chapter: one BM25 document per (law, 章) of the in-force
statutes, holding the law name, the chapter title and every train question citing an article in it. Few
articles are cited by a train question, but their chapters often are (《食品安全法》第九章 法律责任 holds the
questions about 第131条 and 第148条), so an uncited article can still score through its chapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from brain.retrieval.embedder import Embedder
from brain.retrieval.indexes import BM25Index
from brain.retrieval.text import expand_query, tokenize, tokenize_many
from brain.types import Chunk, Document, normalize_law_name

LEVEL_CODES = {"法律": 1, "司法解释": 2, "行政法规": 3}  # everything else: 0


def _unit(a: np.ndarray) -> np.ndarray:
    return a / a.max() if a.size and a.max() > 0 else a


def documents_in_force(chunk: Chunk, documents: Mapping[str, Document]) -> bool:
    doc = documents.get(chunk.doc_id)
    return doc is not None and doc.in_force and chunk.kind == "statute"


class QuestionIndex:
    def __init__(
        self,
        bm25: BM25Index | None,
        question_rows: list[list[int]],
        prior: np.ndarray,
        law_prior: np.ndarray | None = None,
        level: np.ndarray | None = None,
        vectors: np.ndarray | None = None,
        chapters: BM25Index | None = None,
        chapter_of: np.ndarray | None = None,
    ) -> None:
        self._bm25 = bm25
        self._chapters = chapters  # one document per (law, chapter): names + the questions citing it
        self.chapter_of = chapter_of if chapter_of is not None else np.full(prior.shape[0], -1, np.int64)
        self._vectors = vectors  # one embedding per question (same order as question_rows)
        self._rows = question_rows  # question i -> the chunk rows it cites
        self.prior = prior  # per chunk row, in [0, 1]: how often train questions cite the article
        self.law_prior = law_prior if law_prior is not None else np.zeros_like(prior)  # same, per law
        self.level = level if level is not None else np.zeros(prior.shape[0], dtype=np.int8)

    @classmethod
    def build(
        cls,
        chunks: Sequence[Chunk],
        documents: Mapping[str, Document],
        expansions: Mapping[tuple[str, int], Sequence[str]],
        embedder: Embedder | None = None,
    ) -> QuestionIndex:
        rows_of: dict[tuple[str, int], list[int]] = {}
        for row, c in enumerate(chunks):
            if c.kind == "statute" and c.law and c.article is not None and documents[c.doc_id].in_force:
                rows_of.setdefault((normalize_law_name(c.law), c.article), []).append(row)
        chapter_of = np.full(len(chunks), -1, dtype=np.int64)
        units: dict[tuple[str, str], int] = {}
        unit_of_key: dict[tuple[str, int], int] = {}
        for key, rows in rows_of.items():
            for row in rows:
                unit = (key[0], documents[chunks[row].doc_id].chapter or "")
                chapter_of[row] = unit_of_key[key] = units.setdefault(unit, len(units))
        unit_questions: list[list[str]] = [[" ".join(u)] for u in units]
        question_rows: dict[str, list[int]] = {}
        counts = np.zeros(len(chunks), dtype=np.float32)
        per_law: dict[str, int] = {}
        for key, questions in expansions.items():
            rows = rows_of.get(key, [])
            per_law[key[0]] = per_law.get(key[0], 0) + len(questions)
            for q in questions:
                question_rows.setdefault(q, []).extend(rows)
                counts[rows] += 1
                if key in unit_of_key:
                    unit_questions[unit_of_key[key]].append(q)
        texts = sorted(question_rows)
        bm25 = BM25Index.build(tokenize_many(texts)) if texts else None
        vectors = embedder.encode(texts) if embedder is not None and texts else None
        chapters = BM25Index.build(tokenize_many(["\n".join(u) for u in unit_questions])) if units else None
        law_counts = np.array(
            [
                per_law.get(normalize_law_name(c.law), 0) if c.law and documents_in_force(c, documents) else 0
                for c in chunks
            ],
            dtype=np.float32,
        )
        level = np.array(
            [
                LEVEL_CODES.get(documents[c.doc_id].level or "", 0) if c.kind == "statute" else 0
                for c in chunks
            ],
            dtype=np.int8,
        )
        return cls(
            bm25,
            [question_rows[t] for t in texts],
            _unit(np.log1p(counts)),
            _unit(np.log1p(law_counts)),
            level,
            vectors,
            chapters,
            chapter_of,
        )

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(path / "bm25")
        if self._chapters is not None:
            self._chapters.save(path / "chapters")
        flat = np.array([r for rows in self._rows for r in rows], dtype=np.int64)
        lens = np.array([len(rows) for rows in self._rows], dtype=np.int64)
        arrays: dict[str, np.ndarray] = {
            "flat": flat,
            "lens": lens,
            "prior": self.prior,
            "law_prior": self.law_prior,
            "level": self.level,
            "chapter_of": self.chapter_of,
        }
        if self._vectors is not None:  # the question embeddings (were not saved before: dense list empty)
            arrays["vectors"] = self._vectors
        np.savez(path / "rows.npz", **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path, n_rows: int) -> QuestionIndex:
        if not (path / "rows.npz").exists():  # an index built before the question field existed
            return cls(None, [], np.zeros(n_rows, dtype=np.float32))
        data = np.load(path / "rows.npz")
        flat, lens = data["flat"], data["lens"]
        bounds = np.concatenate([[0], np.cumsum(lens)])
        rows = [flat[bounds[i] : bounds[i + 1]].tolist() for i in range(len(lens))]
        bm25 = BM25Index.load(path / "bm25") if (path / "bm25").exists() else None
        extra = {k: data[k] for k in ("law_prior", "level", "vectors", "chapter_of") if k in data.files}
        chapters = BM25Index.load(path / "chapters") if (path / "chapters").exists() else None
        return cls(
            bm25,
            rows,
            data["prior"],
            extra.get("law_prior"),
            extra.get("level"),
            extra.get("vectors"),
            chapters,
            extra.get("chapter_of"),
        )

    def search_chapters(self, query: str, k: int = 50) -> dict[int, tuple[float, float]]:
        """Chapter unit -> (score / best score, 1 / (1 + rank)) for the ``k`` best chapters."""
        if self._chapters is None:
            return {}
        hits = self._chapters.search(expand_query(tokenize(query)), k)
        if not hits:
            return {}
        top = hits[0][1] or 1.0
        return {unit: (score / top, 1.0 / (1 + rank)) for rank, (unit, score) in enumerate(hits)}

    def search_dense(
        self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        """Like :meth:`search`, by cosine between the query's and the questions' embeddings (top 30)."""
        if self._vectors is None or not len(self._vectors):
            return []
        sims = self._vectors @ query_vec.astype(np.float32)
        best: dict[int, float] = {}
        for qi in np.argsort(-sims, kind="stable")[:30]:
            score = float(sims[qi])
            for row in self._rows[qi]:
                if (allowed is None or allowed[row]) and score > best.get(row, -1.0):
                    best[row] = score
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def search(self, query: str, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """Chunk rows best first, each scored by its best-matching question."""
        if self._bm25 is None:
            return []
        best: dict[int, float] = {}
        for qi, score in self._bm25.search(expand_query(tokenize(query)), 50):
            for row in self._rows[qi]:
                if (allowed is None or allowed[row]) and score > best.get(row, 0.0):
                    best[row] = score
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]
