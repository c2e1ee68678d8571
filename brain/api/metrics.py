"""Prometheus metrics with a bounded label set, and ``GET /metrics`` for the admin and system roles.

Labels are route templates only (``/v1/chat/{thread_id}``), resolved from the app's OpenAPI paths before
routing, so refused calls have one too. Every path no route declares — a typo, a scan, a UI asset, a path
with a name or an ID number in it — folds into one label (``<other>``; the UI's into ``/ui``): nothing a
caller writes into a URL becomes a label, and 300 random paths add no series.
"""

from __future__ import annotations

import os
import re

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path

from brain.security import PUBLIC_PATHS

REQUESTS = Counter(
    "brain_http_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "brain_http_request_duration_seconds",
    "time to response start, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REFUSED_UNAUTHENTICATED = Counter(
    "brain_http_unauthenticated_limited_total", "requests refused for too many failed authentications"
)
METRICS_ROLES = frozenset({"admin", "system"})
OTHER = "<other>"
_KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class RouteTemplates:
    """Path -> route template, from the app's OpenAPI paths (literal segments before parameters, so
    ``/v1/documents/search`` wins over ``/v1/documents/{doc_id}``)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, path: str) -> str:
        if self._templates is None:
            paths = self.app.openapi().get("paths", {})
            ordered = sorted(paths, key=lambda p: [(seg.startswith("{"), seg) for seg in p.split("/")])
            self._templates = [(compile_path(p)[0], p) for p in ordered]
        for regex, template in self._templates:
            if regex.match(path):
                return template
        if path in PUBLIC_PATHS or path == "/metrics":
            return path
        if path == "/ui" or path.startswith("/ui/"):
            return "/ui"
        return OTHER


def method_label(method: str) -> str:
    return method if method in _KNOWN_METHODS else "OTHER"


def observe(method: str, route: str, status: int, latency_s: float) -> None:
    method = method_label(method)
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(latency_s)


async def metrics_endpoint(_: Request) -> Response:
    """Who may read it is decided by the middleware (admin or system when keys are on). Under
    ``brain.api.workers`` (``PROMETHEUS_MULTIPROC_DIR`` set) the answer sums every worker's counters."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import CollectorRegistry, multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
