"""Metrics shared by the evaluation suites. Pure functions over plain lists, so every suite (and a test) can
check them by hand.

Versioned: a changed metric is a new ``METRICS_VERSION`` so reports stay comparable only when they should be.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

METRICS_VERSION = "1"
ABSTAIN = "需人工研判"


def percentiles(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> dict[str, float]:
    """Nearest-rank percentiles (p50, p95, p99 ...) in the unit of ``values``; empty input gives NaN."""
    out: dict[str, float] = {}
    data = sorted(values)
    for q in qs:
        if not data:
            out[f"p{int(q)}"] = math.nan
            continue
        k = max(0, min(len(data) - 1, math.ceil(q / 100 * len(data)) - 1))
        out[f"p{int(q)}"] = data[k]
    return out


def classification_report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support over the labels seen in ``y_true``.

    Abstentions (``ABSTAIN``) count as wrong here; coverage-aware numbers are in :func:`selective_report`.
    Macro-F1 averages over the true classes only, so a predicted-but-never-true label cannot inflate it.
    """
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    n = len(y_true)
    correct = sum(t == p for t, p in zip(y_true, y_pred, strict=True))
    labels = sorted(set(y_true))
    per_class: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fp = sum(t != label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fn = sum(t == label and p != label for t, p in zip(y_true, y_pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[label] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    macro_f1 = sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0
    return {"n": n, "accuracy": correct / n if n else 0.0, "macro_f1": macro_f1, "per_class": per_class}


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    labels = sorted(set(y_true) | set(y_pred))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t]][index[p]] += 1
    return {"labels": labels, "matrix": matrix}


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> tuple[float, list[dict[str, float]]]:
    """ECE with equal-width bins, and the bins themselves (for the reliability diagram)."""
    n = len(confidences)
    table: list[dict[str, float]] = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidences) if (lo < c <= hi) or (b == 0 and c == 0)]
        if not idx:
            continue
        conf = sum(confidences[i] for i in idx) / len(idx)
        acc = sum(1 for i in idx if correct[i]) / len(idx)
        ece += len(idx) / n * abs(acc - conf)
        table.append({"lo": lo, "hi": hi, "confidence": conf, "accuracy": acc, "count": len(idx)})
    return ece, table


def selective_report(
    y_true: Sequence[str], y_pred: Sequence[str], confidences: Sequence[float]
) -> dict[str, Any]:
    """Coverage (share not abstained), accuracy on the covered cases, and the coverage-accuracy curve
    obtained by sweeping a confidence threshold over the predictions."""
    covered = [i for i, p in enumerate(y_pred) if p != ABSTAIN]
    n = len(y_pred)
    cov_acc = sum(y_true[i] == y_pred[i] for i in covered) / len(covered) if covered else 0.0
    order = sorted(range(n), key=lambda i: -confidences[i])
    curve: list[dict[str, float]] = []
    hits = 0
    for k, i in enumerate(order, start=1):
        hits += y_true[i] == y_pred[i]
        if k == n or k % max(1, n // 20) == 0:
            curve.append({"coverage": k / n, "accuracy": hits / k, "threshold": confidences[i]})
    return {"coverage": len(covered) / n if n else 0.0, "covered_accuracy": cov_acc, "curve": curve}


def majority_baseline(y_train_like: Sequence[str], y_true: Sequence[str]) -> dict[str, Any]:
    """Always predict the most frequent label of ``y_train_like`` (pass the evaluated labels when no
    training labels exist; that is the usual optimistic majority baseline and is labelled so)."""
    if not y_true:
        return {"accuracy": 0.0, "macro_f1": 0.0}
    label = Counter(y_train_like).most_common(1)[0][0]
    rep = classification_report(y_true, [label] * len(y_true))
    return {"label": label, "accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"]}


def retrieval_metrics(
    ranked_relevance: Sequence[Sequence[bool]], n_relevant: Sequence[int], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Recall@k, MRR and nDCG@10 from per-query relevance flags of the ranked hits.

    ``n_relevant[q]`` is how many relevant items query q has (for recall and the ideal DCG).
    """
    nq = len(ranked_relevance)
    out: dict[str, float] = {}
    for k in ks:
        vals = [sum(r[:k]) / nr if nr else 0.0 for r, nr in zip(ranked_relevance, n_relevant, strict=True)]
        out[f"recall@{k}"] = sum(vals) / nq if nq else 0.0
    mrr = 0.0
    ndcg = 0.0
    for r, nr in zip(ranked_relevance, n_relevant, strict=True):
        first = next((i for i, rel in enumerate(r) if rel), None)
        mrr += 1 / (first + 1) if first is not None else 0.0
        dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(r[:10]) if rel)
        idcg = sum(1 / math.log2(i + 2) for i in range(min(nr, 10)))
        ndcg += dcg / idcg if idcg else 0.0
    out["mrr"] = mrr / nq if nq else 0.0
    out["ndcg@10"] = ndcg / nq if nq else 0.0
    return out
