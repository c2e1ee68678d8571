"""Cross-validated out-of-fold (OOF) predictions of the level-1 intake classifier on the tune halves, and the
calibration / abstention choices made on them (issue 13, second pass). The *test* halves are never read here.

Why: the first pass fitted the temperature, the threshold and the out-of-distribution floor on one
calibration third (191 cases, 67 LawBench); here every tune case (606) gets a prediction from a model that
did not train on it (5 folds by a hash of the case id; each fold model trains on the pool + the other four
folds), so the calibrator is fitted on three times as many held-out predictions, and the shipped model can
train on the whole tune halves.

``python tools/intake_cv.py oof`` writes ``data/models/intake_classifier/oof.npz`` (logits at T = 1,
evidence strength, labels, sources; ~6 trainings, 5–10 min on 2 cores);
``python tools/intake_cv.py report`` compares calibrators and abstention policies on it: nested
(calibrator fitted on four folds' OOF, scored on the fifth) and leave-one-source-out (calibrator fitted on
the other two sources' OOF, scored on the third source's OOF).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from intake_cv_metrics import (  # noqa: E402
    FOLDS,
    _softmax,
    _weights,
    ensemble_grid,
    fit_temp,
    policy,
    report,
)
from train_intake import CONFIG, OUT, SETS, family, read_pool, read_set  # noqa: E402

from brain.agents.intake import classifier as clf  # noqa: E402
from brain.agents.intake.calibration import HistogramCalibrator, apply_top  # noqa: E402
from brain.agents.intake.taxonomy import TaxonomyIndex, load_taxonomy  # noqa: E402

OOF = OUT / "oof.npz"


def fold_of(case_id: str) -> int:
    return int(hashlib.sha256(f"intake-cv:{case_id}".encode()).hexdigest(), 16) % FOLDS


def tune_rows() -> list[tuple[str, str, str, str]]:
    """(text, label, source, case id) of every tune case."""
    out = []
    for name in SETS:
        for text, y, cid in read_set(REPO / "eval/datasets" / f"{name}_tune.jsonl"):
            out.append((text, y, f"{name}_tune", cid))
    return out


def train_level1(
    tax: TaxonomyIndex, rows: list[tuple[str, str, str]], cfg: dict[str, Any]
) -> clf.TfidfClassifier:
    weights = cfg["weights"]
    return clf.train(
        [t for t, _, _ in rows],
        [tax.top(y) for _, y, _ in rows],
        held_texts=[],
        held_labels=[],
        keywords=clf.KeywordClassifier(tax.types, roll_up=True),
        c=cfg["c"],
        max_features=cfg["max_features"],
        scheme=cfg["scheme"],
        sample_weight=[weights[family(s)] for _, _, s in rows],
    )


def oof(cfg: dict[str, Any], out: Path) -> None:
    tax = load_taxonomy()
    pool = read_pool()
    tune = tune_rows()
    classes: list[str] | None = None
    logits = [np.zeros(0)] * len(tune)
    strength = np.zeros(len(tune))
    for k in range(FOLDS):
        fit = pool + [(t, y, s) for t, y, s, cid in tune if fold_of(cid) != k]
        model = train_level1(tax, fit, cfg)
        if classes is None:
            classes = model.classes
        assert model.classes == classes, "every fold model must know every class"
        for i, (t, _, _, cid) in enumerate(tune):
            if fold_of(cid) == k:
                logits[i] = model.logits(t)
                strength[i] = model.scores(t).strength
        print(f"fold {k} done", flush=True)
    assert classes is not None
    np.savez_compressed(
        out,
        logits=np.stack(logits).astype(np.float32),
        strength=strength.astype(np.float32),
        labels=np.array([classes.index(tax.top(y)) for _, y, _, _ in tune]),
        sources=np.array([s for _, _, s, _ in tune]),
        folds=np.array([fold_of(cid) for *_, cid in tune]),
        lengths=np.array([len(t) for t, *_ in tune]),
        classes=np.array(classes),
    )
    print(f"wrote {out} ({len(tune)} OOF predictions)")


def knn_oof(path: Path, out: Path, ks: tuple[int, ...] = (5, 10, 20, 40)) -> None:
    """kNN votes (static embedder) for every tune case from the pool + the other folds' tune cases."""
    from brain.agents.intake.knn import default_embedder, knn_vote

    tax = load_taxonomy()
    pool, tune = read_pool(), tune_rows()
    classes = sorted({tax.top(r[1]) for r in pool + tune})  # the logistic regression's order
    emb = default_embedder()
    pv = emb.encode([t for t, _, _ in pool])
    tv = emb.encode([t for t, *_ in tune])
    pl = np.array([classes.index(tax.top(y)) for _, y, _ in pool])
    tl = np.array([classes.index(tax.top(y)) for _, y, _, _ in tune])
    pw = np.array([CONFIG["weights"][family(s)] for _, _, s in pool])
    folds = np.array([fold_of(cid) for *_, cid in tune])
    votes = {k: np.zeros((len(tune), len(classes))) for k in ks}
    for f in range(FOLDS):
        q = folds == f
        ref_v = np.vstack([pv, tv[~q]])
        ref_l = np.concatenate([pl, tl[~q]])
        ref_w = np.concatenate([pw, np.full((~q).sum(), CONFIG["weights"]["tune"])])
        sims = tv[q] @ ref_v.T
        for k in ks:
            votes[k][q] = knn_vote(sims, ref_l, len(classes), k, ref_w)
    np.savez_compressed(out, **{f"k{k}": v for k, v in votes.items()})
    print(f"wrote {out}")


def retrieval_oof(args: argparse.Namespace) -> None:
    """Statute retrieval as an ensemble member (idea 2): each tune text's top-20 statute hits (the configured
    retrieval service, ``mode`` bm25 / hybrid; it learned nothing from the tune halves) vote, by 1/rank, for
    the type their article governs (``intake_sources`` article -> type rules, else a type the law's title
    names); printed: top-1 of ``z + a * log vote`` on the OOF logits, and the search time per text."""
    import time

    from intake_sources import CIVIL_CODE_RANGES, CRIMINAL_ARTICLES, LAW_TYPES

    from brain.service import Brain
    from brain.types import SearchFilters, SearchRequest

    tax = load_taxonomy()
    titles = clf.KeywordClassifier(tax.types, roll_up=True)

    def governs(law: str, num: int) -> str | None:
        if law.endswith("民法典"):
            return next((t for lo, hi, t in CIVIL_CODE_RANGES if lo <= num <= hi), None)
        if law.endswith("刑法"):
            return CRIMINAL_ARTICLES.get(num)
        key = next((k for k in sorted(LAW_TYPES, key=len, reverse=True) if k in law), None)
        return LAW_TYPES[key] if key else titles.predict(law)

    d = np.load(args.out)
    classes, z, y, src = [str(c) for c in d["classes"]], d["logits"], d["labels"], d["sources"]
    brain, tune = Brain(), tune_rows()
    for mode in ("bm25", "hybrid"):
        vote, took = np.zeros((len(tune), len(classes))), []
        for i, (text, *_) in enumerate(tune):
            t0 = time.perf_counter()
            req = SearchRequest(query=text[:500], top_k=20, mode=mode, filters=SearchFilters(kind="statute"))
            hits = brain.search(req).hits
            took.append(time.perf_counter() - t0)
            for h in hits:
                ty = governs(h.citation.law or "", h.citation.article) if h.citation.article else None
                if ty in tax.by_name:
                    vote[i, classes.index(tax.top(ty))] += 1.0 / (h.rank + 1)
        print(f"{mode}: search p50 {1000 * float(np.median(took)):.1f} ms", flush=True)
        p = vote / np.maximum(vote.sum(axis=1, keepdims=True), 1e-9)
        p = (p + 0.05) / (1 + 0.05 * len(classes))
        for a in (0.0, 0.25, 0.5, 1.0, 2.0):
            e = z + a * np.log(p)
            acc = {
                str(s): round(float((e[src == s].argmax(1) == y[src == s]).mean()), 3)
                for s in sorted(set(src))
            }
            print(f"  a={a}", acc, flush=True)


def loso(args: argparse.Namespace) -> None:
    """Leave one source out: for each source S, the n-gram model and the kNN references without S's tune
    half; S's tune half scored with kNN weights 0 / 0.5 / 1; the calibrator (temperature + top-label map)
    fitted on the *other* sources' OOF predictions (``oof``; an approximation: those came from fold models
    that had S in training). Test halves are not read."""
    from brain.agents.intake.knn import default_embedder, knn_vote

    tax = load_taxonomy()
    pool, tune = read_pool(), tune_rows()
    d, v = np.load(args.out), np.load(args.knn)
    classes = [str(c) for c in d["classes"]]
    emb = default_embedder()
    pv, tv = emb.encode([t for t, _, _ in pool]), emb.encode([t for t, *_ in tune])
    pl = np.array([classes.index(tax.top(y)) for _, y, _ in pool])
    tl = np.array([classes.index(tax.top(y)) for _, y, _, _ in tune])
    pw = np.array([CONFIG["weights"][family(s)] for _, _, s in pool])
    src = np.array([s for _, _, s, _ in tune])
    report: dict[str, Any] = {}
    for left in sorted(set(src.tolist())):
        q = src == left
        model = train_level1(tax, pool + [(t, y, s) for t, y, s, _ in tune if s != left], CONFIG)
        z = np.stack([model.logits(t) for t, _, s, _ in tune if s == left])
        strength = np.array([model.scores(t).strength for t, _, s, _ in tune if s == left])
        ref_w = np.concatenate([pw, np.full((~q).sum(), CONFIG["weights"]["tune"])])
        vote = knn_vote(
            tv[q] @ np.vstack([pv, tv[~q]]).T, np.concatenate([pl, tl[~q]]), len(classes), 20, ref_w
        )
        y = tl[q]
        row = {}
        for a in (0.0, 0.5, 1.0):
            oz = d["logits"][~q] + (a * np.log(v[args.k][~q]) if a else 0)
            oy, osrc = d["labels"][~q], d["sources"][~q]
            w = _weights(osrc)
            temp = fit_temp(oz, oy, w)
            op = _softmax(oz / temp)
            cal = HistogramCalibrator.fit(
                op.max(axis=1), (op.argmax(axis=1) == oy).astype(float), w, bins=args.bins
            )
            pz = z + (a * np.log(vote) if a else 0)
            p_t = _softmax(pz / temp)
            p_h = np.stack([apply_top(r, cal) for r in p_t])
            floor = float(np.quantile(d["strength"], args.floor_quantile))
            row[f"a={a}"] = {
                "temperature only": policy(p_t, y, strength, 0.0, None),
                "temperature + map": policy(p_h, y, strength, 0.0, None),
                "shipped policy": policy(p_h, y, strength, args.threshold or 0.25, floor),
            }
        report[left] = row
        print(left, json.dumps(row, ensure_ascii=False), flush=True)
    (OUT / "loso_cv.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


def ship(args: argparse.Namespace) -> None:
    """Train the shipped level-1 model on the pool + every tune case; temperature, top-label calibration,
    threshold and out-of-distribution floor from the OOF predictions (never a test half)."""
    from collections import Counter

    tax = load_taxonomy()
    pool, tune = read_pool(), tune_rows()
    rows = pool + [(t, y, s) for t, y, s, _ in tune]
    model = train_level1(tax, rows, CONFIG)
    d = np.load(args.out)
    z, y, src, strength = d["logits"], d["labels"], d["sources"], d["strength"]
    assert [str(c) for c in d["classes"]] == model.classes
    if args.a:
        z = z + args.a * np.log(np.load(args.knn)[args.k])
    w = _weights(src)
    temp = fit_temp(z, y, w)
    p = _softmax(z / temp)
    ok = (p.argmax(axis=1) == y).astype(float)
    cal = HistogramCalibrator.fit(p.max(axis=1), ok, w, bins=args.bins)
    top = np.array([apply_top(r, cal).max() for r in p])
    floor = float(np.quantile(strength, args.floor_quantile)) if args.floor_quantile > 0 else None
    keep = strength >= floor if floor is not None else np.ones(len(y), dtype=bool)
    if (
        args.threshold is None
    ):  # the utility optimum (right 1, wrong 0, abstained 0.3), sources weighted equally
        grid = np.arange(0.0, 0.8, 0.025)
        utility = [float((w * np.where(keep & (top >= t), ok, 0.3)).sum()) for t in grid]
        args.threshold = round(float(grid[int(np.argmax(utility))]), 3)
    model.temperature = temp
    model.meta.update(
        {
            "trained_by": "tools/intake_cv.py ship",
            "config": {k: v for k, v in CONFIG.items()},
            "sources": dict(Counter(s if not s.startswith("statute") else "statutes" for _, _, s in rows)),
            "class_counts": dict(Counter(tax.top(y) for _, y, _ in rows)),
            "n_train": len(rows),
            "n_calibration": len(tune),
            "temperature_fitted_on": f"tune halves: {FOLDS}-fold out-of-fold predictions of every case, equal weight per source",
            "top_calibration": cal.to_meta(),
            "abstain_threshold": args.threshold,
            "level": 1,
        }
    )
    model.meta.pop("ood_strength_floor", None)
    if floor is not None:
        model.meta["ood_strength_floor"] = round(floor, 4)
    out_dir = args.dest / "level1"
    for f in ("knn_vectors.npy", "knn_labels.json"):
        (out_dir / f).unlink(missing_ok=True)
    if args.a:
        from brain.agents.intake.knn import default_embedder

        model.meta["knn"] = {"k": int(args.k[1:]), "weight": args.a}
        out_dir.mkdir(parents=True, exist_ok=True)
        np.save(
            out_dir / "knn_vectors.npy", default_embedder().encode([t for t, _, _ in rows]).astype(np.float16)
        )
        stored = {
            "labels": [tax.top(y) for _, y, _ in rows],
            "weights": [CONFIG["weights"][family(s)] for _, _, s in rows],
        }
        (out_dir / "knn_labels.json").write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    model.save(out_dir)
    summary = {"temperature": temp, "threshold": args.threshold, "floor": floor, "oof_top1": float(ok.mean())}
    print(json.dumps(summary | {"oof_mean_confidence": float(top.mean())}))


def situations_oof(path: Path) -> None:
    """Step 3's stated situations (``situations.stated_override``) on the OOF logits: top-1 per tune half
    before and after, for the ranks a specific type may hold (``within``; ``STRONG`` statements count at any
    rank), and the answers it changed."""
    from brain.agents.intake.situations import stated_override

    d = np.load(path)
    z, y, src, classes = d["logits"], d["labels"], d["sources"], [str(c) for c in d["classes"]]
    tune = tune_rows()
    order = np.argsort(-z, axis=1)
    index = {c: k for k, c in enumerate(classes)}
    for within in (3, 5, len(classes)):
        pred = order[:, 0].copy()
        for i, (text, *_) in enumerate(tune):
            hit = stated_override(text, [classes[k] for k in order[i]], within)
            if hit:
                pred[i] = index[hit[0]]
        acc = {
            str(
                s
            ): f"{(order[src == s, 0] == y[src == s]).mean():.3f} -> {(pred[src == s] == y[src == s]).mean():.3f}"
            for s in sorted(set(src))
        }
        print(f"within {within}: changed {int((pred != order[:, 0]).sum())}", acc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "what", choices=("oof", "knn", "grid", "report", "ship", "loso", "retrieval", "situations")
    )
    ap.add_argument("--dest", type=Path, default=OUT, help="ship: model directory (level1/ is replaced)")
    ap.add_argument("--bins", type=int, default=15)
    ap.add_argument("--threshold", type=float, default=None, help="default: the OOF utility optimum")
    ap.add_argument("--floor-quantile", type=float, default=0.05)
    ap.add_argument("--k", default="k20")
    ap.add_argument("--a", type=float, default=0.0, help="weight of the kNN log-vote (0: no kNN member)")
    ap.add_argument("--knn", type=Path, default=OUT / "oof_knn.npz")
    ap.add_argument("--out", type=Path, default=OOF)
    args = ap.parse_args()
    if args.what == "oof":
        oof(CONFIG, args.out)
    elif args.what == "knn":
        knn_oof(args.out, args.knn)
    elif args.what == "retrieval":
        retrieval_oof(args)
    elif args.what == "situations":
        situations_oof(args.out)
    elif args.what == "loso":
        loso(args)
    elif args.what == "ship":
        ship(args)
    elif args.what == "grid":
        ensemble_grid(args.out, args.knn)
    else:
        report(args.out, args.knn, args.k, args.a)


if __name__ == "__main__":
    main()
