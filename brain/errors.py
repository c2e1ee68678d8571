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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.details = details or {}

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


class IngestError(InputError):
    """A single file could not be ingested; other files go on."""

    code = "ingest_failed"


class IndexError_(BrainError):
    """Index missing, corrupt, or failed to build. (Trailing underscore: ``IndexError`` is a builtin.)"""

    http_status = 503
    code = "index_unavailable"


class GraphUnavailableError(BrainError):
    """The governance graph server cannot be reached."""

    http_status = 503
    code = "graph_unavailable"


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


class AuthError(BrainError):
    http_status = 401
    code = "unauthenticated"


class ForbiddenError(BrainError):
    http_status = 403
    code = "forbidden"


class RateLimitError(BrainError):
    http_status = 429
    code = "rate_limited"
