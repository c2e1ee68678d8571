"""Build the analysis parts from settings (the composition the facade uses)."""

from __future__ import annotations

import logging
from typing import Any

from brain.analysis.service import AnalysisService
from brain.analysis.similar import Encoder
from brain.analysis.store import AnalysisStore, make_engine, sqlite_url
from brain.settings import Settings

log = logging.getLogger(__name__)


def build_encoder(settings: Settings) -> Encoder | None:
    if not settings.analysis.embedder:
        return None
    from brain.retrieval.embedder import load_embedder

    model = load_embedder(settings.retrieval.embedder, settings.data_dir)
    fast = _static_encoder(model)
    return fast or (lambda texts: model.encode(texts))


def _static_encoder(model: object) -> Encoder | None:
    """The shipped embedder is a static (bag-of-token-vectors) model: for one text at a time, the mean of
    its token vectors in NumPy is ~100× cheaper than a sentence-transformers call and gives the same vector
    (EmbeddingBag mode=mean, then L2 normalisation)."""
    import numpy as np

    st = getattr(model, "_model", None)
    first: Any = st[0] if st is not None and len(st) == 1 else None
    if type(first).__name__ != "StaticEmbedding" or getattr(first.embedding, "mode", "") != "mean":
        return None
    weights = first.embedding.weight.detach().cpu().numpy().astype(np.float32)
    tokenizer = first.tokenizer

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
        for i, enc in enumerate(tokenizer.encode_batch(texts, add_special_tokens=False)):
            if enc.ids:
                v = weights[enc.ids].mean(axis=0)
                out[i] = v / (np.linalg.norm(v) or 1.0)
        return out

    return encode


def build_analysis(settings: Settings, ledger_engine: object | None = None) -> AnalysisService:
    """Over the ledger's database when given its engine (``analysis.follow_ledger``), else the own store."""
    sink = None
    if ledger_engine is not None:
        from brain.analysis.ledger_adapter import LedgerSink, ledger_store

        store, sink = ledger_store(ledger_engine), LedgerSink()  # type: ignore[arg-type]
    else:
        store = AnalysisStore(make_engine(settings.analysis.url or sqlite_url(settings.state_dir)))
    service = AnalysisService(store, sink=sink, encode=build_encoder(settings))
    if settings.analysis.webhooks:
        from brain.analysis.webhooks import WebhookDispatcher

        dispatcher = WebhookDispatcher(
            store.engine, settings.analysis.webhooks, retries=settings.analysis.webhook_retries
        )
        service.listeners.append(dispatcher.push)
    return service
