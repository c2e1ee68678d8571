"""The HTTP protocol the server runs: uvicorn's, with a deadline for request headers.

uvicorn closes idle keep-alive connections but has no limit on how long a client may take to *send* its
headers: a connection that sends ``GET / HTTP/1.1\\r\\nX-a: b`` and then nothing is held forever (slowloris).
:class:`GuardedProtocol` arms a timer when a connection opens and after every response; if the next request's
headers have not fully arrived when it fires (``api.header_timeout_s``), the connection is closed. The body
has its own deadline in the middleware (``api.body_read_timeout_s``, 408).

Used by ``brain serve``, :mod:`brain.api.workers` and the tests' live server (``--http
brain.api.server:GuardedProtocol``).
"""

from __future__ import annotations

import asyncio
from typing import Any

try:  # the C parser when installed, as uvicorn's "auto" picks
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is optional
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]

_timeout_s: float | None = None


def header_timeout_s() -> float:
    global _timeout_s
    if _timeout_s is None:
        from brain.settings import load_settings

        _timeout_s = load_settings().api.header_timeout_s
    return _timeout_s


class GuardedProtocol(_Base):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(header_timeout_s(), self._header_deadline)

    def _header_deadline(self) -> None:
        self._header_timer = None
        cycle = getattr(self, "cycle", None)
        if cycle is not None and not cycle.response_complete:
            return  # headers arrived, the request is being served (its body has its own deadline)
        if not self.transport.is_closing():
            self.transport.close()
