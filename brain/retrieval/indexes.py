"""The two retrievers' indices, each a thin wrapper that builds, saves, loads and searches one structure.

* :class:`BM25Index` — bm25s over jieba tokens (sparse matrix; scoring touches only the query terms'
  postings, so it stays fast at a million chunks).
* :class:`DenseIndex` — FAISS inner product over L2-normalised vectors (cosine). Exact ``IndexFlatIP`` below
  ``hnsw_threshold`` vectors; above it HNSW over float16-quantised vectors (``IndexHNSWSQ``), which halves
  memory and answers in well under a millisecond. The float16 vectors are also kept in ``vectors.npy`` so a
  filtered query can be answered exactly on the allowed subset.

Both return ``(row, score)`` lists best first, where ``row`` is the chunk's position in the index.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 96
EXACT_SUBSET_MAX = 20_000  # a filter allowing fewer rows is answered exactly from the stored vectors


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Positions of the ``k`` largest scores (only positive ones for BM25-style arrays), best first."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    k = min(k, scores.shape[0])
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx if np.isfinite(scores[i])]


def _faiss() -> ModuleType:
    """Import faiss with its loader quiet: it logs "Could not load library with AVX512 support" at INFO on
    every CPU without AVX512 (then uses the AVX2 build, as it should); that is not news for an operator."""
    import logging

    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    import faiss

    return faiss


class BM25Index:
    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def build(cls, corpus_tokens: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        import bm25s

        model = bm25s.BM25(k1=k1, b=b)
        model.index(corpus_tokens, show_progress=False)
        return cls(model)

    def save(self, path: Path) -> None:
        self._model.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False))

    def search(
        self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        vocab = self._model.vocab_dict
        ids = [vocab[t] for t in query_tokens if t in vocab]
        if not ids:
            return []
        scores = self._model.get_scores_from_ids(ids)
        hits = top_k(scores, k, allowed)
        return [(i, s) for i, s in hits if s > 0]


class DenseIndex:
    def __init__(self, index: Any, vectors: np.ndarray) -> None:
        self._index = index
        self._vectors = vectors  # float16, row-aligned with the index

    @property
    def kind(self) -> str:
        return "hnsw-fp16" if "HNSW" in type(self._index).__name__ else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, hnsw_threshold: int) -> DenseIndex:
        faiss = _faiss()

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        index: Any  # faiss's generated stubs do not model these constructors
        if n >= hnsw_threshold:
            qtype = faiss.ScalarQuantizer.QT_fp16
            index = faiss.IndexHNSWSQ(dim, qtype, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.train(vectors[: min(n, 10_000)])
        else:
            index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return cls(index, vectors.astype(np.float16))

    def save(self, path: Path) -> None:
        faiss = _faiss()

        path.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(path / "faiss.index"))
        np.save(path / "vectors.npy", self._vectors)

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        faiss = _faiss()

        return cls(faiss.read_index(str(path / "faiss.index")), np.load(path / "vectors.npy", mmap_mode="r"))

    def search(
        self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """``allowed``: boolean mask of rows a filter lets through; answered exactly on that subset."""
        q = np.ascontiguousarray(query_vec.reshape(1, -1), dtype=np.float32)
        hnsw = "HNSW" in type(self._index).__name__
        if allowed is not None and hnsw and int(allowed.sum()) > EXACT_SUBSET_MAX:
            # Most rows allowed (e.g. everything but other provinces' rules): HNSW skipping the others.
            import faiss

            bits = np.packbits(allowed, bitorder="little")
            params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=faiss.IDSelectorBitmap(allowed.shape[0], faiss.swig_ptr(bits)),
                efSearch=max(HNSW_EF_SEARCH, k),
            )
            scores, ids = self._index.search(q, min(k, self._index.ntotal), params=params)
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if allowed is not None:
            rows = np.flatnonzero(allowed)
            if rows.size == 0:
                return []
            scores = np.asarray(self._vectors[rows], dtype=np.float32) @ q[0]
            return [(int(rows[i]), s) for i, s in top_k(scores, k)]
        if hnsw:
            self._index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
        scores, ids = self._index.search(q, min(k, self._index.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
