"""Top-label calibration map and the kNN member of the intake classifier (issue 13, second pass): both are
optional parts of a model directory, off in the shipped model (docs/intake.md says why), so these tests
build their own model directories from a copy of the shipped one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from brain.agents.intake.calibration import HistogramCalibrator, apply_top
from brain.agents.intake.classifier import KeywordClassifier, TfidfClassifier
from brain.agents.intake.knn import KnnMember, StaticEmbedder, knn_vote
from brain.agents.intake.taxonomy import load_taxonomy
from brain.errors import ConfigError
from brain.settings import REPO_ROOT

LEVEL1 = REPO_ROOT / "data/models/intake_classifier/level1"
WAGES = "老板拖欠我们三个月工资不发，我们去厂里讨要还被保安赶出来"


def test_map_is_monotone_and_corrects_over_confidence() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 1.0, 3000)
    ok = rng.uniform(size=p.size) < p**2  # right far less often than it claims
    cal = HistogramCalibrator.fit(p, ok, bins=12)
    assert all(a <= b for a, b in zip(cal.accuracy, cal.accuracy[1:], strict=False))
    assert abs(cal(0.5) - 0.25) < 0.08 and abs(cal(0.9) - 0.81) < 0.08
    assert HistogramCalibrator.from_meta(cal.to_meta()) == cal
    assert HistogramCalibrator.from_meta(None) is None


def test_pooled_violators_give_one_bin_for_constant_accuracy() -> None:
    p = np.linspace(0.1, 0.9, 100)
    ok = np.tile([1.0, 0.0], 50)[::-1]  # no relation between confidence and being right
    cal = HistogramCalibrator.fit(p, ok, bins=10)
    assert max(cal.accuracy) - min(cal.accuracy) < 0.25


def test_apply_top_keeps_the_ranking_and_sets_the_top() -> None:
    cal = HistogramCalibrator((0.2, 0.9), (0.1, 0.3))  # strongly over-confident model
    p = np.array([0.5, 0.3, 0.15, 0.05])
    q = apply_top(p, cal)
    assert int(np.argmax(q)) == 0 and q[0] == pytest.approx(cal(0.5))
    assert all(q[i] < q[0] for i in range(1, 4)) and q.sum() <= 1.0 + 1e-9
    assert list(np.argsort(-q[1:])) == list(np.argsort(-p[1:]))


def _model_dir(tmp_path: Path, **meta_updates: object) -> Path:
    d = tmp_path / "level1"
    shutil.copytree(LEVEL1, d)
    meta = json.loads((d / "meta.json").read_text("utf-8"))
    meta.update(meta_updates)
    (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    return d


def _load(d: Path) -> TfidfClassifier:
    return TfidfClassifier.load(d, KeywordClassifier(load_taxonomy().types, roll_up=True))


def test_model_applies_its_top_calibration(tmp_path: Path) -> None:
    plain = _load(LEVEL1).scores(WAGES)
    halved = _load(
        _model_dir(tmp_path, top_calibration={"confidence": [0.0, 1.0], "accuracy": [0.0, 0.5]})
    ).scores(WAGES)
    (label, p), (label2, q) = plain.top(1)[0], halved.top(1)[0]
    assert label == label2 == "劳动争议"
    assert q == pytest.approx(p / 2, rel=1e-4)
    assert halved.strength == pytest.approx(plain.strength)  # the out-of-distribution measure is untouched


def test_knn_vote_follows_the_nearest_examples() -> None:
    sims = np.array([[0.9, 0.8, 0.1, 0.05]])
    labels = np.array([2, 2, 0, 1])
    v = knn_vote(sims, labels, 3, k=2)[0]
    assert int(np.argmax(v)) == 2 and v.sum() == pytest.approx(1.0) and v.min() > 0
    weighted = knn_vote(sims, labels, 3, k=4, weights=np.array([0.01, 0.01, 10.0, 1.0]))[0]
    assert int(np.argmax(weighted)) == 0  # source weights can outvote similarity


def test_static_embedder_is_the_normalised_token_mean() -> None:
    emb = StaticEmbedder.load()
    v = emb.encode([WAGES, ""])
    ids = emb.tokenizer.encode(WAGES, add_special_tokens=False).ids
    manual = emb.table[ids].mean(axis=0)
    assert np.allclose(v[0], manual / np.linalg.norm(manual), atol=1e-6)
    assert float(np.linalg.norm(v[1])) == 0.0  # no tokens: a zero vector, not NaN


def test_model_with_knn_member_moves_towards_the_neighbours(tmp_path: Path) -> None:
    d = _model_dir(tmp_path, knn={"k": 3, "weight": 3.0})
    refs = ["邻居家装修把我家墙震裂了", "楼上邻居半夜噪音很大", "邻居占了我家的过道"]
    np.save(d / "knn_vectors.npy", StaticEmbedder.load().encode(refs).astype(np.float16))
    stored = {"labels": ["邻里纠纷"] * 3, "weights": [1.0] * 3}
    (d / "knn_labels.json").write_text(json.dumps(stored, ensure_ascii=False), "utf-8")
    with_knn = _load(d).scores(WAGES).probabilities["邻里纠纷"]
    assert with_knn > 5 * _load(LEVEL1).scores(WAGES).probabilities["邻里纠纷"]


def test_knn_member_without_its_vectors_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        KnnMember.load(tmp_path, ["劳动争议"], 5)
    with pytest.raises(ConfigError):
        _load(_model_dir(tmp_path, knn={"k": 3, "weight": 1.0}))
