"""Nearest training examples by the shipped static embedder (``data/models/fengqiao-static-zh``), as a second
opinion beside the n-gram model: a vote of the k most similar training texts.

NumPy and ``tokenizers`` only (the static model is a token-embedding table averaged over the text's tokens,
the same as sentence-transformers' ``StaticEmbedding`` with normalised output), so intake still needs no
torch and no retrieval service. The training vectors ship with the classifier
(``level1/knn_vectors.npy``, float16, and ``knn_labels.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from brain.errors import ConfigError

EMBEDDER_DIR = Path(__file__).resolve().parents[3] / "data" / "models" / "fengqiao-static-zh"
MAX_CHARS = 600
SMOOTH = 0.02


@dataclass
class StaticEmbedder:
    tokenizer: Any
    table: np.ndarray  # (vocab, dim) float32

    @classmethod
    def load(cls, path: Path = EMBEDDER_DIR) -> StaticEmbedder:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        table = load_file(str(path / "model.safetensors"))["embedding.weight"].astype(np.float32)
        return cls(Tokenizer.from_file(str(path / "tokenizer.json")), table)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for i, enc in enumerate(
            self.tokenizer.encode_batch([t[:MAX_CHARS] for t in texts], add_special_tokens=False)
        ):
            if enc.ids:
                v = self.table[enc.ids].mean(axis=0)
                n = float(np.linalg.norm(v))
                out[i] = v / n if n > 0 else v
        return out


@lru_cache(maxsize=1)
def default_embedder() -> StaticEmbedder:
    return StaticEmbedder.load()


def knn_vote(
    sims: np.ndarray, labels: np.ndarray, n_classes: int, k: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Class distribution of the k nearest for each row of ``sims``: similarity (x source weight) shares,
    smoothed by ``SMOOTH`` per class so that a class no neighbour has is unlikely, not impossible."""
    k = min(k, sims.shape[1])
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    rows = np.broadcast_to(np.arange(sims.shape[0])[:, None], idx.shape)
    w = np.clip(sims[rows, idx], 1e-6, None)
    if weights is not None:
        w = w * weights[idx]
    out = np.zeros((sims.shape[0], n_classes), dtype=np.float64)
    np.add.at(out, (rows, labels[idx]), w)
    out = out / out.sum(axis=1, keepdims=True) + SMOOTH
    out /= out.sum(axis=1, keepdims=True)
    return out


class KnnMember:
    """Loaded with the level-1 model when its directory carries the vectors; ``vote(text)`` -> class
    distribution in the model's class order."""

    def __init__(
        self, vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, n_classes: int, k: int
    ) -> None:
        self.vectors = vectors.astype(np.float32)
        self.labels = labels
        self.weights = weights  # the training source weights (hand-labelled tune cases count most)
        self.n_classes = n_classes
        self.k = k

    @classmethod
    def load(cls, model_dir: Path, classes: list[str], k: int) -> KnnMember:
        vec, lab = model_dir / "knn_vectors.npy", model_dir / "knn_labels.json"
        if not vec.exists() or not lab.exists():
            raise ConfigError(
                "纠纷分类模型缺少近邻向量",
                where=str(model_dir),
                hint="运行 python tools/intake_cv.py ship 重新生成",
            )
        stored = json.loads(lab.read_text(encoding="utf-8"))
        labels = np.array([classes.index(n) for n in stored["labels"]])
        return cls(np.load(vec), labels, np.asarray(stored["weights"], dtype=float), len(classes), k)

    def vote(self, text: str) -> np.ndarray:
        q = default_embedder().encode([text])
        return knn_vote(q @ self.vectors.T, self.labels, self.n_classes, self.k, self.weights)[0]
