"""Optional second-stage reranking. Off by default (``retrieval.reranker: null``); set it to a local
cross-encoder directory (e.g. bge-reranker-base) to rerank the fused candidates."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from brain.errors import ConfigError


class Reranker(Protocol):
    def score(self, query: str, texts: list[str]) -> list[float]:
        """One relevance score per text, higher is better."""
        ...


class CrossEncoderReranker:
    def __init__(self, path: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(str(path), device="cpu", local_files_only=True)
        except Exception as e:
            raise ConfigError(
                f"重排序模型无法加载：{e}",
                where="retrieval.reranker",
                hint="填写本地 cross-encoder 模型目录，或设为 null 关闭重排序",
            ) from e

    def score(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        return [float(s) for s in self._model.predict([(query, t) for t in texts], show_progress_bar=False)]


def load_reranker(spec: str | None) -> Reranker | None:
    return CrossEncoderReranker(Path(spec).expanduser()) if spec else None
