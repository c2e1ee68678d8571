"""One error root for the whole project, one subclass per area.

Messages are written for the person who has to fix the problem: what went wrong, where, and how to fix it,
in Chinese for end users. Causes are kept with ``raise XError(...) from e``. HTTP status codes are chosen
only at the API edge (``brain.api.problems``), from ``http_status`` below.
"""

from __future__ import annotations

from typing import Any


class BrainError(Exception):
    """Root of every error the project raises on purpose."""

    http_status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.details = details or {}
        if code is not None:  # a more specific code than the class's (idempotency_key_reused, ...)
            self.code = code
        self.headers = headers or {}  # HTTP headers the answer carries (Retry-After, WWW-Authenticate)

    def __str__(self) -> str:
        parts = [self.message]
        if self.where:
            parts.append(f"位置：{self.where}")
        if self.hint:
            parts.append(f"处理建议：{self.hint}")
        return "；".join(parts)


class ConfigError(BrainError):
    """Invalid settings: raised at start-up, naming the key and the reason."""

    code = "config_error"


class InputError(BrainError):
    """The caller sent something we cannot use (empty query, bad file, contradictory amounts ...)."""

    http_status = 422
    code = "invalid_input"


class NotFoundError(BrainError):
    http_status = 404
    code = "not_found"


class IndexError_(BrainError):
    """Index missing, corrupt, or failed to build. (Trailing underscore: ``IndexError`` is a builtin.)"""

    http_status = 503
    code = "index_unavailable"


class GraphUnavailableError(BrainError):
    """The governance graph server cannot be reached."""

    http_status = 503
    code = "graph_unavailable"


class GraphQueryError(BrainError):
    """The graph server is up but refused or failed a query (bad Cypher, a constraint): our bug, not an
    outage, so 500 with a code of its own rather than 503."""

    code = "graph_query_failed"


class GraphDataError(BrainError):
    """Bad seed data: names the file and line."""

    code = "graph_data_error"


class LLMError(BrainError):
    """The model server failed, timed out, or returned output that breaks the schema."""

    http_status = 502
    code = "llm_error"


class LLMUnavailableError(LLMError):
    http_status = 503
    code = "llm_unavailable"


# Raised by the API middleware (brain.api.middleware) before a request reaches a route.
class BadRequestError(BrainError):
    http_status = 400
    code = "bad_request"


class AuthError(BrainError):
    http_status = 401
    code = "unauthenticated"


class ForbiddenError(BrainError):
    http_status = 403
    code = "forbidden"


class ConflictError(BrainError):
    http_status = 409
    code = "conflict"


class PayloadTooLargeError(BrainError):
    http_status = 413
    code = "payload_too_large"


class RequestTimeoutError(BrainError):
    """The client did not finish sending its request in time."""

    http_status = 408
    code = "request_timeout"


class ProcessingTimeoutError(BrainError):
    """No answer started within ``api.request_timeout_s``."""

    http_status = 504
    code = "timeout"


class RateLimitError(BrainError):
    http_status = 429
    code = "rate_limited"
