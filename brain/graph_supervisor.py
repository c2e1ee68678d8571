"""Restart the embedded graph server when it dies, with back-off, and say so in ``/readyz``.

``GraphService.status()`` (polled by ``/readyz`` and by the middleware every 5 s) asks :meth:`check`. When the
embedded ArcadeDB server this service uses is neither running nor listening, a restart is started in a
background thread 2 s later (the JVM takes seconds to start; a probe must not wait for it), then again after
2, 4, 8 … up to 60 s while it keeps failing. Requests meanwhile get the documented degraded answers (503 or routing
``available: false``); the status names the restart count and when the next try is due.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("brain.graph")

MAX_BACKOFF_S = 60.0
FIRST_DELAY_S = 2.0


class GraphSupervisor:
    def __init__(self, server: Any) -> None:
        self.server = server  # knowledge_graph.server.EmbeddedServer
        self.restarts = 0
        self.failures = 0
        self.next_try = 0.0
        self.last_error: str | None = None
        self.down_since: float | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def running(self) -> bool:
        return bool(self.server.owned or self.server.listening())

    def check(self) -> dict[str, Any] | None:
        """None while the server runs; else what is being done about it (a restart may start now)."""
        with self._lock:
            busy = self._thread is not None and self._thread.is_alive()
        if not busy and self.running():
            self.down_since = None
            return None
        with self._lock:
            now = time.monotonic()
            if self.down_since is None:  # first seen down: give a deliberate restart FIRST_DELAY_S to happen
                self.down_since = now
                self.next_try = max(self.next_try, now + FIRST_DELAY_S)
            if not busy and now >= self.next_try:
                self._thread = threading.Thread(target=self._restart, name="graph-restart", daemon=True)
                self._thread.start()
                busy = True
        due = max(0.0, self.next_try - time.monotonic())
        return {
            "restarting": busy,
            "restarts": self.restarts,
            "next_try_in_s": round(due, 1),
            "last_error": self.last_error,
        }

    def _restart(self) -> None:
        self.restarts += 1
        log.warning("embedded graph server is down: restart %d", self.restarts)
        try:
            self.server.stop()  # reap a dead process of ours, if any
            self.server.start()
            self.failures = 0
            self.last_error = None
            log.warning("embedded graph server restarted (restart %d)", self.restarts)
        except Exception as e:  # keep trying, less often
            self.failures += 1
            self.last_error = str(e)[:300]
            log.error("graph server restart %d failed: %s", self.restarts, e)
        self.next_try = time.monotonic() + min(MAX_BACKOFF_S, 2.0**self.failures)
