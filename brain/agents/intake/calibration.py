"""Top-label calibration after the temperature: a monotone map from the model's top probability to how often
that top label was right on held-out predictions (histogram binning with pooled adjacent violators, then
linear interpolation between the bins' mean confidences).

Why on top of a temperature: one temperature fixes the overall scale but not the shape — on consultation
questions and hotline messages the classifier is over-confident in the middle range and under-confident at
the top. The map is fitted on cross-validated out-of-fold predictions of the tune halves (606 cases, every
source with the same total weight; ``tools/intake_cv.py``), not on a test half. Stored as two short lists in
the model's ``meta.json`` (``top_calibration``); a model without them is used as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np


@dataclass(frozen=True)
class HistogramCalibrator:
    confidence: tuple[float, ...]  # increasing mean top probability per bin
    accuracy: tuple[float, ...]  # non-decreasing held-out accuracy per bin

    @classmethod
    def fit(
        cls,
        top: Sequence[float] | np.ndarray,
        correct: Sequence[float] | np.ndarray,
        weights: Sequence[float] | np.ndarray | None = None,
        *,
        bins: int = 10,
    ) -> HistogramCalibrator:
        """Equal-mass bins of the top probability; adjacent bins whose accuracy decreases are pooled."""
        p = np.asarray(top, dtype=float)
        ok = np.asarray(correct, dtype=float)
        w = np.ones_like(p) if weights is None else np.asarray(weights, dtype=float)
        order = np.argsort(p, kind="stable")
        p, ok, w = p[order], ok[order], w[order]
        cum = np.cumsum(w) / w.sum()
        edges = np.searchsorted(cum, np.linspace(0, 1, bins + 1)[1:-1], side="right")
        bounds = [0, *edges.tolist(), len(p)]
        blocks = []
        for a, b in pairwise(bounds):
            if b > a:
                blocks.append(
                    [float((w[a:b] * p[a:b]).sum()), float((w[a:b] * ok[a:b]).sum()), float(w[a:b].sum())]
                )
        merged: list[list[float]] = []
        for blk in blocks:  # pool adjacent violators on (weighted conf, weighted hits, weight)
            merged.append(blk)
            while len(merged) > 1 and merged[-2][1] / merged[-2][2] > merged[-1][1] / merged[-1][2]:
                last = merged.pop()
                merged[-1] = [a + b for a, b in zip(merged[-1], last, strict=True)]
        return cls(tuple(round(c / m, 4) for c, _, m in merged), tuple(round(h / m, 4) for _, h, m in merged))

    def __call__(self, p: float) -> float:
        if len(self.confidence) == 1:
            return float(self.accuracy[0])
        return float(np.interp(p, self.confidence, self.accuracy))

    def to_meta(self) -> dict[str, list[float]]:
        return {"confidence": list(self.confidence), "accuracy": list(self.accuracy)}

    @classmethod
    def from_meta(cls, meta: dict[str, list[float]] | None) -> HistogramCalibrator | None:
        if not meta or not meta.get("confidence"):
            return None
        return cls(tuple(meta["confidence"]), tuple(meta["accuracy"]))


def apply_top(p: np.ndarray, cal: HistogramCalibrator) -> np.ndarray:
    """The top probability becomes ``cal(top)``; the others share the rest in their old proportions, each
    capped at the new top so the ranking does not change (the row then sums to at most 1)."""
    k = int(np.argmax(p))
    top = float(p[k])
    c = min(max(cal(top), 1e-4), 1.0)
    rest = 1.0 - top
    out = p * ((1.0 - c) / rest) if rest > 1e-12 else np.zeros_like(p)
    out = np.minimum(out, c * 0.999)
    out[k] = c
    return out
