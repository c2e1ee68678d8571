"""Build the analysis parts from settings (the composition the facade uses)."""

from __future__ import annotations

import logging

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
    return lambda texts: model.encode(texts)


def build_analysis(settings: Settings) -> AnalysisService:
    url = settings.analysis.url or sqlite_url(settings.state_dir)
    store = AnalysisStore(make_engine(url))
    service = AnalysisService(store, encode=build_encoder(settings))
    if settings.analysis.webhooks:
        from brain.analysis.webhooks import WebhookDispatcher

        dispatcher = WebhookDispatcher(store.engine, settings.analysis.webhooks, retries=settings.analysis.webhook_retries)
        service.listeners.append(dispatcher.push)
    return service
