"""What ``tools/intake_cv.py report`` / ``grid`` compute on the out-of-fold predictions: calibrators
(temperature, temperature + top-label map), abstention policies, kNN ensemble weights. Pure NumPy on the
saved ``oof.npz`` / ``oof_knn.npz``; nothing here trains or reads a dataset."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from brain.agents.intake.calibration import HistogramCalibrator, apply_top

FOLDS = 5


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def _weights(src: np.ndarray) -> np.ndarray:
    """Equal total weight per source."""
    w = np.zeros(len(src))
    for s in set(src.tolist()):
        w[src == s] = 1.0 / (src == s).sum()
    return w / w.sum()


def fit_temp(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    best, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 80)):
        p = _softmax(z / t)
        nll = float((w * -np.log(p[np.arange(len(y)), y] + 1e-12)).sum())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def ece(conf: np.ndarray, ok: np.ndarray, bins: int = 10) -> float:
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = ((conf > lo) & (conf <= hi)) | ((b == 0) & (conf == 0))
        if m.any():
            total += m.sum() / len(conf) * abs(ok[m].mean() - conf[m].mean())
    return float(total)


def calibrate(method: str, z: np.ndarray, y: np.ndarray, src: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Probabilities for every row, the calibrator fitted on rows ``fit`` only."""
    w = _weights(src[fit])
    t = fit_temp(z[fit], y[fit], w) if method != "none" else 1.0
    p = _softmax(z / t)
    if method in ("temperature", "none"):
        return p
    top = p.max(axis=1)
    ok = (p.argmax(axis=1) == y).astype(float)
    cal = HistogramCalibrator.fit(top[fit], ok[fit], w, bins=int(method.split(":")[1]))
    return np.stack([apply_top(row, cal) for row in p])


def policy(
    p: np.ndarray, y: np.ndarray, strength: np.ndarray, thr: float, floor: float | None
) -> dict[str, float]:
    top, pred = p.max(axis=1), p.argmax(axis=1)
    answered = top >= thr
    if floor is not None:
        answered &= strength >= floor
    ok = pred == y
    n = len(y)
    return {
        "top1": round(float(ok.mean()), 4),
        "accuracy_all": round(float((ok & answered).sum() / n), 4),
        "coverage": round(float(answered.mean()), 4),
        "covered": round(float(ok[answered].mean()) if answered.any() else 0.0, 4),
        "utility_0.3": round(float((np.where(answered, ok, 0.3)).mean()), 4),
        "ece": round(ece(top, ok.astype(float)), 4),
    }


def ensemble_grid(path: Path, knn: Path) -> None:
    """Top-1 per source of z + a * log(kNN vote) (the temperature does not change top-1)."""
    d, v = np.load(path), np.load(knn)
    z, y, src = d["logits"], d["labels"], d["sources"]
    sources = sorted(set(src.tolist()))
    for key in v.files:
        vote = v[key]
        print(
            key,
            "kNN alone",
            {s[7:15]: round(float((vote[src == s].argmax(1) == y[src == s]).mean()), 3) for s in sources},
        )
        for a in (0.0, 0.25, 0.5, 1.0, 2.0):
            e = z + a * np.log(vote)
            acc = {s[7:15]: round(float((e[src == s].argmax(1) == y[src == s]).mean()), 3) for s in sources}
            print(f"  {key} a={a}", acc, "mean", round(float(np.mean(list(acc.values()))), 4))


def report(path: Path, knn: Path | None = None, k: str = "k20", a: float = 0.0) -> dict[str, Any]:
    d = np.load(path)
    z, y, src, folds, strength = d["logits"], d["labels"], d["sources"], d["folds"], d["strength"]
    if knn is not None and a:
        z = z + a * np.log(np.load(knn)[k])
    out: dict[str, Any] = {}
    sources = sorted(set(src.tolist()))
    for method in ("none", "temperature", "hist:5", "hist:8", "hist:10", "hist:15"):
        nested = np.zeros_like(z)
        for k in range(FOLDS):
            nested[folds == k] = calibrate(method, z, y, src, folds != k)[folds == k]
        loso = np.zeros_like(z)
        for s in sources:
            loso[src == s] = calibrate(method, z, y, src, src != s)[src == s]
        row: dict[str, Any] = {}
        for s in sources:
            m = src == s
            row[s] = {
                "nested_ece": policy(nested[m], y[m], strength[m], 0.0, None)["ece"],
                "loso_ece": policy(loso[m], y[m], strength[m], 0.0, None)["ece"],
            }
        row["all_nested"] = policy(nested, y, strength, 0.0, None)
        out[method] = row
        print(method, json.dumps(row, ensure_ascii=False), flush=True)
    # abstention policies on nested temperature+histogram probabilities
    nested = np.zeros_like(z)
    for k in range(FOLDS):
        nested[folds == k] = calibrate("hist:15", z, y, src, folds != k)[folds == k]
    floor = float(np.quantile(strength, 0.05))
    pol: dict[str, Any] = {}
    for name, thr, fl in (
        ("answer all", 0.0, None),
        ("ood floor only", 0.0, floor),
        ("thr 0.2 + floor", 0.2, floor),
        ("thr 0.3 + floor", 0.3, floor),
        ("thr 0.2", 0.2, None),
        ("thr 0.3", 0.3, None),
        ("thr 0.4", 0.4, None),
        ("thr 0.5", 0.5, None),
    ):
        pol[name] = {s: policy(nested[src == s], y[src == s], strength[src == s], thr, fl) for s in sources}
        print(name, json.dumps(pol[name], ensure_ascii=False), flush=True)
    out["policies"] = pol
    classes = [str(c) for c in d["classes"]]
    pred = z.argmax(axis=1)
    for s in sources:
        m = src == s
        weak = {
            classes[c]: round(float((pred[m & (y == c)] == c).mean()), 2)
            for c in sorted(set(y[m].tolist()))
            if (m & (y == c)).sum() >= 8
        }
        print(s, "OOF top-1 recall per class (>= 8 cases)", weak)
    out["ece_noise"] = ece_noise(nested, y, src)
    return out


def ece_noise(p: np.ndarray, y: np.ndarray, src: np.ndarray, draws: int = 300) -> dict[str, Any]:
    """How large a 10-bin ECE is by chance on a set of this size: outcomes drawn with probability equal to
    the confidence (a perfectly calibrated model), and a bootstrap interval of the measured ECE."""
    rng = np.random.default_rng(0)
    top, ok = p.max(axis=1), (p.argmax(axis=1) == y).astype(float)
    out: dict[str, Any] = {}
    for s in sorted(set(src.tolist())):
        m = np.flatnonzero(src == s)
        sim, boot = [], []
        for _ in range(draws):
            i = rng.choice(m, len(m))
            sim.append(ece(top[i], (rng.uniform(size=len(m)) < top[i]).astype(float)))
            boot.append(ece(top[i], ok[i]))
        out[s] = {
            "n": len(m),
            "ece": round(ece(top[m], ok[m]), 4),
            "perfectly_calibrated_mean": round(float(np.mean(sim)), 4),
            "perfectly_calibrated_p95": round(float(np.quantile(sim, 0.95)), 4),
            "bootstrap_90": [round(float(x), 4) for x in np.quantile(boot, [0.05, 0.95])],
        }
    print("ECE noise (hist:15, nested)", json.dumps(out, ensure_ascii=False), flush=True)
    return out
