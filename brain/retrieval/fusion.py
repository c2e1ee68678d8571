"""Rank fusion of the BM25 and dense candidate lists.

RRF (reciprocal rank fusion) uses ranks only, so the two retrievers' incomparable score scales do not matter;
the weighted mode min-max normalises each list and mixes them with ``dense_weight``. Which one is the
default was decided on the dev sets (docs/retrieval.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from brain.settings import RetrievalSettings


def rrf(lists: Sequence[Sequence[tuple[int, float]]], k: int = 60) -> dict[int, float]:
    """``lists``: per retriever, (item, score) best first. Returns item -> fused score."""
    fused: dict[int, float] = {}
    for ranked in lists:
        for rank, (item, _score) in enumerate(ranked):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


def weighted(
    bm25: Sequence[tuple[int, float]], dense: Sequence[tuple[int, float]], dense_weight: float
) -> dict[int, float]:
    """Min-max normalise each list to [0, 1] and mix: (1 - w) * bm25 + w * dense."""
    fused: dict[int, float] = {}
    for ranked, w in ((bm25, 1.0 - dense_weight), (dense, dense_weight)):
        if not ranked:
            continue
        scores = [s for _, s in ranked]
        lo, hi = min(scores), max(scores)
        span = hi - lo or 1.0
        for item, s in ranked:
            fused[item] = fused.get(item, 0.0) + w * (s - lo) / span
    return fused


def fuse(
    bm25: Sequence[tuple[int, float]], dense: Sequence[tuple[int, float]], settings: RetrievalSettings
) -> dict[int, float]:
    """The hybrid score per item, by the configured ``retrieval.fusion`` method."""
    if settings.fusion == "rrf":
        return rrf([bm25, dense], k=settings.rrf_k)
    return weighted(bm25, dense, settings.dense_weight)  # also the fallback of "learned" without weights


def add_weighted(fused: dict[int, float], ranked: Sequence[tuple[int, float]], weight: float) -> None:
    """Add one more min-max normalised list into ``fused`` (in place) with ``weight``."""
    if not ranked:
        return
    scores = [s for _, s in ranked]
    lo, hi = min(scores), max(scores)
    span = hi - lo or 1.0
    for item, s in ranked:
        fused[item] = fused.get(item, 0.0) + weight * (0.5 + 0.5 * (s - lo) / span)
