"""Deterministic dispute-type classifier: character n-gram TF-IDF + multinomial logistic regression with a
fitted temperature, plus the keyword-rule baseline it is compared against.

Why this shape: it needs no model download (weights ship in ``data/models/intake_classifier/`` as plain
JSON + NumPy arrays, no pickle), it scores one complaint in well under a millisecond on one core, and char
n-grams work on Chinese without a word segmenter's errors. The featuriser below is used both when training
(``tools/build_intake_sets.py``) and at inference, so the two can never drift apart. Probabilities are
temperature-scaled on held-out weak-labelled data so that "0.8" means right about 80% of the time; below
the abstention threshold (tuned with the model, see ``fit_threshold``; ``settings.intake.abstain_threshold``
overrides it) the service abstains ("需人工研判") instead of guessing.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from brain.agents.intake.calibration import HistogramCalibrator, apply_top
from brain.agents.intake.features import char_ngrams
from brain.agents.intake.features import terms as text_terms
from brain.agents.intake.knn import KnnMember
from brain.agents.intake.schema import TaxonomyType
from brain.errors import ConfigError


@dataclass
class Featurizer:
    """Sublinear TF x IDF over a fixed char n-gram vocabulary, L2-normalised (same as scikit-learn's
    ``TfidfVectorizer(sublinear_tf=True)``, written out so inference needs no scikit-learn)."""

    vocab: dict[str, int]
    idf: np.ndarray
    scheme: str = "char"  # see brain.agents.intake.features

    @classmethod
    def fit(
        cls, texts: Sequence[str], max_features: int = 60_000, min_df: int = 2, scheme: str = "char"
    ) -> Featurizer:
        df: Counter[str] = Counter()
        for t in texts:
            df.update(text_terms(t, scheme).keys())
        kept = [g for g, c in df.most_common() if c >= min_df][:max_features]
        vocab = {g: i for i, g in enumerate(sorted(kept))}
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in sorted(kept)], dtype=np.float32)
        return cls(vocab=vocab, idf=idf, scheme=scheme)

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of the sparse feature vector."""
        grams = text_terms(text, self.scheme)
        get = self.vocab.get
        j = np.fromiter((get(g, -1) for g in grams), dtype=np.int64, count=len(grams))
        c = np.fromiter(grams.values(), dtype=np.float32, count=len(grams))
        keep = j >= 0
        ind = j[keep]
        v = ((1 + np.log(c[keep])) * self.idf[ind]).astype(np.float32)
        norm = float(np.linalg.norm(v))
        return ind, (v / norm if norm > 0 else v)

    def transform(self, texts: Iterable[str]) -> Any:
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        count = 0
        for i, t in enumerate(texts):
            ind, v = self.transform_one(t)
            rows.extend([i] * len(ind))
            cols.extend(ind.tolist())
            vals.extend(v.tolist())
            count = i + 1
        return csr_matrix((vals, (rows, cols)), shape=(count, len(self.vocab)), dtype=np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


@dataclass
class Prediction:
    probabilities: dict[str, float]  # every class, sums to 1

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: -kv[1])[:k]


@dataclass
class Scores:
    """What one text gets from a model: calibrated probabilities, and how much of what the model learnt from
    its training data the text carries: ``strength`` = the largest class-specific logit, max_k (z_k - b_k),
    i.e. the evidence for the best class before the intercepts (an energy-style out-of-distribution score:
    a text sharing no vocabulary with the training data scores ~0 whatever its top probability)."""

    probabilities: dict[str, float]
    strength: float
    evidence: int

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: -kv[1])[:k]


class TfidfClassifier:
    """Loaded once per service from ``model_dir``; ``predict`` is pure NumPy.

    Besides the n-grams, each class has one extra feature: how many characters of the taxonomy's own terms
    for that class (names, aliases, keywords, those of its sub-types included) the text contains. The graph's
    curated vocabulary thus carries over to phrasing the weak-labelled training text never shows.
    """

    def __init__(
        self,
        featurizer: Featurizer,
        classes: list[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        meta: dict[str, Any],
        keywords: KeywordClassifier,
    ) -> None:
        self.featurizer = featurizer
        self.classes = classes
        self.keywords = keywords
        self.kw_classes: list[str] = list(meta.get("keyword_features", []))
        n_ngrams = len(featurizer.vocab)
        # (features, classes): gathering rows of the active n-grams is the whole dot product.
        self.coef_t = np.ascontiguousarray(coef[:, :n_ngrams].T.astype(np.float32))
        self.coef_kw = np.ascontiguousarray(coef[:, n_ngrams:].T.astype(np.float32))
        self.intercept = intercept.astype(np.float32)
        self.temperature = temperature
        self.meta = meta
        # T(x) = temperature * (length / 100) ** slope: a 30-character question and a 600-character judgment
        # carry very different amounts of evidence, and one temperature cannot fit both (see fit_temperature).
        self.length_slope = float(meta.get("temperature_length_slope", 0.0))
        # Issue 13, second pass: top-label calibration and the kNN member, both optional (see their modules).
        self.top_cal = HistogramCalibrator.from_meta(meta.get("top_calibration"))
        self.knn: KnnMember | None = None
        self.knn_weight = float(meta.get("knn", {}).get("weight", 0.0))

    def temperature_for(self, text: str) -> float:
        if not self.length_slope:
            return self.temperature
        return self.temperature * (min(max(len(text), 10), 2000) / 100) ** self.length_slope

    def keyword_vector(self, text: str) -> np.ndarray:
        return keyword_features(self.keywords, self.kw_classes, text)

    def _logits_from(self, text: str, ind: np.ndarray, v: np.ndarray) -> np.ndarray:
        z: np.ndarray = self.intercept + (v[:, None] * self.coef_t[ind]).sum(axis=0)
        if self.kw_classes:
            z = z + self.keyword_vector(text) @ self.coef_kw
        return z

    def logits(self, text: str) -> np.ndarray:
        ind, v = self.featurizer.transform_one(text)
        return self._logits_from(text, ind, v)

    def evidence(self, text: str) -> int:
        """How many distinct known n-grams of two or more characters the text contains."""
        return sum(1 for g in char_ngrams(text) if len(g) > 1 and g in self.featurizer.vocab)

    def _probabilities(self, text: str, z: np.ndarray) -> np.ndarray:
        """z (+ kNN log-vote) / T, softmax, then the top-label calibration map."""
        if self.knn is not None and self.knn_weight:
            z = z + self.knn_weight * np.log(self.knn.vote(text))
        p = softmax(z / self.temperature_for(text))
        return apply_top(p, self.top_cal) if self.top_cal is not None else p

    def predict(self, text: str) -> Prediction:
        p = self._probabilities(text, self.logits(text))
        return Prediction({c: float(x) for c, x in zip(self.classes, p, strict=True)})

    def scores(self, text: str) -> Scores:
        """The one call the service needs: probabilities, evidence strength, known n-grams."""
        ind, v = self.featurizer.transform_one(text)
        z = self._logits_from(text, ind, v)
        p = self._probabilities(text, z)
        strength = float((z - self.intercept).max())
        return Scores(
            {c: float(x) for c, x in zip(self.classes, p, strict=True)}, strength, self.evidence(text)
        )

    # ------------------------------------------------------------------ persistence (JSON + .npy, no pickle)
    def save(self, model_dir: Path) -> None:
        model_dir.mkdir(parents=True, exist_ok=True)
        vocab = sorted(self.featurizer.vocab, key=self.featurizer.vocab.__getitem__)
        (model_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        np.save(model_dir / "idf.npy", self.featurizer.idf.astype(np.float32))
        coef = np.hstack([self.coef_t.T, self.coef_kw.T]) if self.kw_classes else self.coef_t.T
        np.save(model_dir / "coef.npy", coef.astype(np.float16))
        np.save(model_dir / "intercept.npy", self.intercept)
        meta = {
            **self.meta,
            "classes": self.classes,
            "temperature": self.temperature,
            "features": self.featurizer.scheme,
        }
        (model_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path, keywords: KeywordClassifier) -> TfidfClassifier:
        try:
            vocab = json.loads((model_dir / "vocab.json").read_text(encoding="utf-8"))
            meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
            idf = np.load(model_dir / "idf.npy")
            coef = np.load(model_dir / "coef.npy").astype(np.float32)
            intercept = np.load(model_dir / "intercept.npy")
        except (OSError, ValueError) as e:
            raise ConfigError(
                "纠纷分类模型缺失或已损坏",
                where=str(model_dir),
                hint="运行 python tools/train_intake.py 重新生成",
            ) from e
        scheme = str(meta.get("features", "char"))
        feat = Featurizer(vocab={t: i for i, t in enumerate(vocab)}, idf=idf, scheme=scheme)
        model = cls(feat, list(meta["classes"]), coef, intercept, float(meta["temperature"]), meta, keywords)
        if model.knn_weight:
            model.knn = KnnMember.load(model_dir, model.classes, int(meta["knn"]["k"]))
        return model


def keyword_features(keywords: KeywordClassifier, kw_classes: Sequence[str], text: str) -> np.ndarray:
    """log(1 + matched characters) per class; the scale keeps one long alias from dominating."""
    scores = keywords.scores(text)
    return np.log1p(np.array([scores.get(c, 0.0) for c in kw_classes], dtype=np.float32))


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    held_texts: Sequence[str],
    held_labels: Sequence[str],
    keywords: KeywordClassifier,
    c: float = 4.0,
    max_features: int = 40_000,
    meta: dict[str, Any] | None = None,
    scheme: str = "char",
    sample_weight: Sequence[float] | None = None,
    length_temperature: bool = False,
    held_groups: Sequence[str] | None = None,
) -> TfidfClassifier:
    """Fit the featuriser and a class-balanced logistic regression on ``texts``; fit the temperature on the
    held-out part (never on a set that is reported). ``sample_weight`` multiplies the class balancing (weak
    sources count less than hand-labelled ones)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    feat = Featurizer.fit(texts, max_features=max_features, scheme=scheme)
    kw_classes = sorted(set(labels))
    kw = csr_matrix(np.stack([keyword_features(keywords, kw_classes, t) for t in texts]))
    x = hstack([feat.transform(texts), kw]).tocsr()
    counts = Counter(labels)
    balance = np.array([len(labels) / (len(counts) * counts[y]) for y in labels])
    w = balance * (np.asarray(sample_weight, dtype=float) if sample_weight is not None else 1.0)
    lr = LogisticRegression(C=c, max_iter=3000)
    lr.fit(x, list(labels), sample_weight=w)
    classes = [str(k) for k in lr.classes_]
    model = TfidfClassifier(
        feat,
        classes,
        lr.coef_,
        lr.intercept_,
        1.0,
        {**(meta or {}), "keyword_features": kw_classes},
        keywords,
    )
    slopes = [float(x) for x in np.linspace(-0.6, 0.6, 25)] if length_temperature else [0.0]
    model.temperature, model.length_slope = fit_temperature(
        model, held_texts, held_labels, slopes=slopes, groups=held_groups
    )
    model.meta["temperature_length_slope"] = model.length_slope
    return model


def fit_temperature(
    model: TfidfClassifier,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    slopes: Sequence[float] = (0.0,),
    groups: Sequence[str] | None = None,
) -> tuple[float, float]:
    """(temperature, length slope) minimising held-out negative log-likelihood, T(x) = T0 * (len/100)^slope
    (grid search over two parameters, no optimiser). With held-out text of mixed lengths (questions, hotline
    messages, judgment excerpts) the slope lets short texts be less confident than long ones. ``groups``
    (the source of each held-out text) gives every source the same total weight, so the largest source
    does not set the temperature for the others."""
    idx = {c: i for i, c in enumerate(model.classes)}
    group = list(groups) if groups is not None else ["all"] * len(texts)
    rows = [
        (model.logits(t), idx[y], len(t), g) for t, y, g in zip(texts, labels, group, strict=True) if y in idx
    ]
    if not rows:
        return 1.0, 0.0
    z = np.stack([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    sizes = Counter(r[3] for r in rows)
    w = np.array([1.0 / sizes[r[3]] for r in rows])
    w /= w.sum()
    scale = (np.clip(np.array([r[2] for r in rows], dtype=float), 10, 2000) / 100)[:, None]
    best, best_nll = (1.0, 0.0), float("inf")
    for slope in slopes:
        for temp in np.exp(np.linspace(math.log(0.2), math.log(5.0), 60)):
            p = softmax(z / (temp * scale**slope))
            nll = float((w * -np.log(p[np.arange(len(y)), y] + 1e-12)).sum())
            if nll < best_nll - 1e-9:
                best, best_nll = (float(temp), round(float(slope), 3)), nll
    return best


def fit_threshold(
    model: TfidfClassifier, texts: Sequence[str], labels: Sequence[str], *, abstain_value: float = 0.3
) -> float:
    """The abstention threshold that maximises held-out utility: a correct type is worth 1, a wrong one 0,
    an abstention ``abstain_value`` (a clerk still has to read and route it by hand, but nothing goes to the
    wrong office). With calibrated probabilities the optimum sits near ``abstain_value``; fitting it on data
    checks that rather than assuming it."""
    hits = []
    for t, y in zip(texts, labels, strict=True):
        (label, p), *_ = model.predict(t).top(1)
        hits.append((p, label == y))
    if not hits:
        return 0.35
    best_t, best_u = 0.0, -1.0
    for thr in np.arange(0.0, 0.8, 0.025):
        u = sum(ok if p >= thr else abstain_value for p, ok in hits)
        if u > best_u + 1e-9:
            best_t, best_u = float(thr), u
    return round(best_t, 3)


class KeywordClassifier:
    """The baseline: count taxonomy names, aliases and keywords in the text; most hits wins, none abstains.

    Also the weak labeller used to build training data, and the source of the "matched keywords" reasons
    shown next to the statistical classifier's decision.
    """

    def __init__(self, types: Sequence[TaxonomyType], *, roll_up: bool = False) -> None:
        """``roll_up=True`` scores level-1 types with their sub-types' terms included."""
        collected: dict[str, set[str]] = {}
        for t in types:
            terms = {t.name, *t.aliases, *t.keywords}
            # "纠纷" alone is in every name; strip it so "劳资纠纷" also matches "劳资".
            terms |= {x[: -len("纠纷")] for x in list(terms) if x.endswith("纠纷") and len(x) > 4}
            key = (t.parent or t.name) if roll_up else t.name
            collected.setdefault(key, set()).update(terms)
        self.terms = {
            k: sorted((x for x in v if len(x) >= 2), key=len, reverse=True) for k, v in collected.items()
        }

        self.universe = frozenset(k for v in self.terms.values() for k in v)

    def matches(self, text: str) -> dict[str, list[str]]:
        present = _present_terms(self.universe, text)
        out: dict[str, list[str]] = {}
        if not present:
            return out
        for name, terms in self.terms.items():
            hit = [k for k in terms if k in present]
            if hit:
                out[name] = hit
        return out

    def scores(self, text: str) -> dict[str, float]:
        return {name: float(sum(len(k) for k in hit)) for name, hit in self.matches(text).items()}

    def predict(self, text: str) -> str | None:
        s = self.scores(text)
        if not s:
            return None
        return max(s.items(), key=lambda kv: kv[1])[0]


@lru_cache(maxsize=64)
def _present_terms(universe: frozenset[str], text: str) -> frozenset[str]:
    """The taxonomy terms occurring in ``text``: one substring search per term, shared by the per-type and
    the rolled-up keyword classifiers (same terms, grouped differently) and by every step of one intake."""
    return frozenset(k for k in universe if k in text)
