"""Learned fusion: a logistic regression over per-candidate features of the three retrievers and the priors.

``retrieval.fusion = learned`` scores every candidate that BM25, the dense index or the question index
returned with ``w · [features, pairwise products] + b`` (weights in ``data/library/fusion_stard.json``, trained by
``tools/train_fusion.py`` on cross-fitted STARD **train** folds: for each fold the question index is built
from the other folds, so a question never meets itself). Without the weights file it falls back to the
weighted fusion.

Features (per candidate, 0 when a retriever did not return it): for BM25, dense, the question index by BM25
and the question index by embedding each the min-max normalised score and 1/(1+rank); the article prior and the law prior (how often train questions
cite the article / its law); the level one-hot (法律, 司法解释, 行政法规); the candidate's chapter in the
chapter stage of the question index (normalised score, 1/(1+rank)).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = (
    "bm25_norm",
    "bm25_rrank",
    "dense_norm",
    "dense_rrank",
    "question_norm",
    "question_rrank",
    "question_dense_norm",
    "question_dense_rrank",
    "article_prior",
    "law_prior",
    "level_law",
    "level_interpretation",
    "level_regulation",
    "chapter_norm",
    "chapter_rrank",
)
WEIGHTS_FILE = "fusion_stard.json"


def interactions(x: np.ndarray) -> np.ndarray:
    """The features followed by every pairwise product x_i * x_j (i < j): a linear model over these can
    learn, say, that a BM25 match counts more inside a law that lay questions often cite."""
    i, j = np.triu_indices(x.shape[1], k=1)
    return np.hstack([x, x[:, i] * x[:, j]])


def features(
    lists: Sequence[Sequence[tuple[int, float]]],
    prior: np.ndarray,
    law_prior: np.ndarray,
    level: np.ndarray,
    chapter_of: np.ndarray,
    chapters: Mapping[int, tuple[float, float]],
) -> tuple[list[int], np.ndarray]:
    """(candidate rows, feature matrix) for the union of the retrievers' lists (BM25, dense, question BM25,
    question dense); ``chapters``: chapter unit -> (norm, rrank) from the chapter stage."""
    cand: dict[int, list[float]] = {}
    for li, ranked in enumerate(lists):
        if not ranked:
            continue
        scores = [s for _, s in ranked]
        lo, hi = min(scores), max(scores)
        span = (hi - lo) or 1.0
        for rank, (row, s) in enumerate(ranked):
            f = cand.setdefault(row, [0.0] * (2 * len(lists)))
            f[2 * li] = (s - lo) / span + 1e-4
            f[2 * li + 1] = 1.0 / (1 + rank)
    rows = list(cand)
    if not rows:
        return rows, np.zeros((0, len(FEATURES)), dtype=np.float32)
    r = np.array(rows)
    lv = level[r]
    extra = np.stack([prior[r], law_prior[r], lv == 1, lv == 2, lv == 3], axis=1).astype(np.float32)
    chapter = np.array([chapters.get(int(u), (0.0, 0.0)) for u in chapter_of[r]], dtype=np.float32)
    extra = np.hstack([extra, chapter.reshape(len(rows), 2)])
    return rows, np.hstack([np.array([cand[x] for x in rows], dtype=np.float32), extra])


class LearnedFusion:
    def __init__(self, coef: np.ndarray, intercept: float) -> None:
        self.coef = coef
        self.intercept = intercept

    @staticmethod
    @lru_cache(maxsize=4)
    def load(path: Path) -> LearnedFusion | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            return None  # weights for another feature set: retrain with tools/train_fusion.py
        return LearnedFusion(np.array(data["coef"], dtype=np.float32), float(data["intercept"]))

    def fuse(
        self,
        lists: Sequence[Sequence[tuple[int, float]]],
        prior: np.ndarray,
        law_prior: np.ndarray,
        level: np.ndarray,
        chapter_of: np.ndarray,
        chapters: Mapping[int, tuple[float, float]],
    ) -> dict[int, float]:
        rows, x = features(lists, prior, law_prior, level, chapter_of, chapters)
        if not rows:
            return {}
        scores = interactions(x) @ self.coef + self.intercept
        return {row: float(s) for row, s in zip(rows, scores, strict=True)}
