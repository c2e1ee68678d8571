"""Logs that never carry personal data: a handler filter that redacts every record, and a JSON formatter.

The filter sits on the *handlers* (not the loggers), so it sees records from every library that propagates
to them — uvicorn's error log, httpx, our own — and redacts the fully formatted message, arguments included.
Placeholders are numbered per line; the mapping is thrown away, so a log can never be restored.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from brain.privacy import redact

# Attributes every LogRecord has; anything else was passed with ``extra=`` and goes into the JSON object.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message).text
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text).text
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value).text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_text:
            out["exc"] = record.exc_text
        elif record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


_WATCHED = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "brain")


def install(json_lines: bool = True) -> None:
    """Redact on every handler that exists now (root, uvicorn's, ours); add a JSON stderr handler to the root
    logger if it has none. Idempotent: a second call adds nothing."""
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler(sys.stderr)
        if json_lines:
            stderr.setFormatter(JsonFormatter())
        root.addHandler(stderr)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
    for name in _WATCHED:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
            if (
                json_lines
                and name in ("", "uvicorn", "uvicorn.error")
                and not isinstance(handler.formatter, JsonFormatter)
                and type(handler).__name__ != "LogCaptureHandler"
            ):
                handler.setFormatter(JsonFormatter())
