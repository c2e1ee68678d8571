"""Sentence embedders that load offline.

``settings.retrieval.embedder = "builtin"`` loads the static Chinese model shipped in
``data/models/fengqiao-static-zh`` (built by ``tools/train_embedder.py``); any other value is a local
sentence-transformers directory (e.g. bge-small-zh-v1.5, bge-m3). Nothing is ever fetched from a model hub:
the hub is switched off before sentence-transformers is imported and ``local_files_only`` is passed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from brain.errors import ConfigError

BUILTIN_NAME = "fengqiao-static-zh"


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int
    fingerprint: str  # changes when the weights change: an index built with other weights must be rebuilt

    def encode(self, texts: list[str], batch_size: int = 256) -> np.ndarray: ...


def resolve_embedder_path(spec: str, data_dir: Path) -> Path:
    path = data_dir / "models" / BUILTIN_NAME if spec == "builtin" else Path(spec).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ConfigError(
            f"找不到向量模型目录：{path}",
            where="retrieval.embedder",
            hint="使用 builtin（先运行 python tools/train_embedder.py 生成内置模型），或填写本地 sentence-transformers 模型目录",
        )
    return path


class SentenceTransformerEmbedder:
    """A local sentence-transformers model on CPU."""

    def __init__(self, path: Path, name: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as e:  # a broken directory must say which one
            raise ConfigError(
                f"向量模型无法加载：{e}",
                where=str(path),
                hint="检查目录是否为完整的 sentence-transformers 模型",
            ) from e
        self.name = name
        self.fingerprint = _fingerprint(path)
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        self.dim = int(dim) if dim else int(self.encode(["维度"]).shape[1])

    def encode(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)


def load_embedder(spec: str, data_dir: Path) -> SentenceTransformerEmbedder:
    path = resolve_embedder_path(spec, data_dir)
    return SentenceTransformerEmbedder(path, BUILTIN_NAME if spec == "builtin" else path.name)


def _fingerprint(path: Path) -> str:
    """Content hash of the model directory (files over 64 MB by name and size only, to keep start-up fast)."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(".md")):
        size = f.stat().st_size
        h.update(f"{f.relative_to(path)}:{size}".encode())
        if size <= 64 * 2**20:
            h.update(f.read_bytes())
    return h.hexdigest()[:16]
