"""A real API server (uvicorn, separate process) on a free loopback port, for the chat API and browser tests.

A separate process, not a thread, so "restart the server" means what it says: the second server shares only
the state directory (index, chat.sqlite) with the first. The process itself is :class:`eval.bench_api.LiveServer`,
the one the API load benchmark and the audit tests use; this is its context-manager form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eval.bench_api import LiveServer
from knowledge_graph.server import free_port

__all__ = ["REPO", "free_port", "live_server"]

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def live_server(
    state_dir: Path,
    *,
    ui: bool = False,
    graph: bool = False,
    start_timeout_s: float = 240,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Yield the base URL of a running server (``test`` profile); stop it (and wait for it) on exit.

    ``graph=False`` points the graph at a closed port: the service starts degraded (as it does when the graph
    server is down) without spending ~40 s starting the embedded graph server.
    """
    settings_env = {
        "BRAIN_PROFILE": "test",
        "BRAIN_API__UI": "true" if ui else "false",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **(env or {}),
    }
    server = LiveServer(state_dir, env=settings_env, graph=graph).start(start_timeout_s)
    try:
        yield server.base_url
    finally:
        server.stop()
