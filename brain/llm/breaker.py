"""A circuit breaker for the model server.

Why: when vLLM is down or overloaded, every agent call would otherwise wait for its full timeout (and the
SDK's retry) before falling back. After ``failures`` consecutive availability failures the breaker *opens*
and calls fail at once with :class:`LLMUnavailableError`, so the agents switch to deterministic mode
immediately. After ``reset_s`` it lets exactly one trial call through (*half-open*); success closes it,
failure opens it again for another ``reset_s``.

Only availability failures count (connection refused, timeout, HTTP 5xx). A model that answers with bad JSON
is up; that is an :class:`LLMError` for the caller, not a reason to stop talking to the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call is let through at a time."""
        with self._lock:
            state = self._state_locked()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def retry_in_s(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.reset_s - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            if self._trial_in_flight or self._consecutive >= self.failures:
                self._opened_at = self._clock()
            self._trial_in_flight = False

    def release_trial(self) -> None:
        """A trial call ended without telling us anything about availability (e.g. a 4xx): let another try."""
        with self._lock:
            self._trial_in_flight = False
