"""The audit store: one append-only record per API call, committed before the response leaves the server.

A record holds who (key id, role), what (method, route template, request id, SHA-256 of the request body —
never the body), the outcome (status) and the latency. Nothing in it is personal data: the body is only
hashed, the route is the template (``/v1/documents/{doc_id}``, not the id), and the key id is public.

Durability: SQLite in WAL mode with ``synchronous=NORMAL`` survives a killed process (SIGKILL) — only a power
loss can drop the last commits — and the middleware writes the record before it passes the response start to
the server, so a client never holds a response whose record is missing. PostgreSQL is used instead when
``api.audit_url`` is a ``postgresql://`` URL (needs ``pip install psycopg``); the interface is the same.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from brain.errors import ConfigError, InputError
from brain.settings import Settings


@dataclass(frozen=True)
class AuditRecord:
    ts: str
    key_id: str
    role: str
    method: str
    route: str
    request_id: str
    input_hash: str
    status: int
    latency_ms: float

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).isoformat(timespec="microseconds")


FIELDS = tuple(f.name for f in fields(AuditRecord))  # column order of the table and of the exports


class AuditStore(Protocol):
    def append(self, record: AuditRecord) -> None: ...

    def since(self, since: str) -> Iterator[AuditRecord]: ...

    def close(self) -> None: ...


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ts          TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    role        TEXT NOT NULL,
    method      TEXT NOT NULL,
    route       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    input_hash  TEXT NOT NULL,
    status      INTEGER NOT NULL,
    latency_ms  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
CREATE INDEX IF NOT EXISTS audit_request_id ON audit (request_id);
"""


class _SQLAuditStore:
    """What the SQLite and PostgreSQL stores share: one connection per process, guarded by a lock, whose
    ``execute`` returns a cursor; they differ in how they connect and in the parameter placeholder."""

    _param = "?"
    _db: Any
    _lock: threading.Lock

    def append(self, record: AuditRecord) -> None:
        values = ", ".join([self._param] * len(FIELDS))
        with self._lock:  # autocommit: each INSERT is its own committed transaction
            self._db.execute(f"INSERT INTO audit ({', '.join(FIELDS)}) VALUES ({values})", astuple(record))

    def since(self, since: str) -> Iterator[AuditRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(FIELDS)} FROM audit WHERE ts >= {self._param} ORDER BY id", (since,)
            ).fetchall()
        for r in rows:
            yield AuditRecord(*r)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SQLiteAuditStore(_SQLAuditStore):
    """Several server workers share the file through WAL."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SQLITE_SCHEMA)


class PostgresAuditStore(_SQLAuditStore):
    """The same records in PostgreSQL (autocommit: each append is committed when ``execute`` returns)."""

    _param = "%s"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as e:
            raise ConfigError(
                "审计库配置为 PostgreSQL，但未安装 psycopg",
                where="api.audit_url",
                hint="pip install 'psycopg[binary]'，或去掉 api.audit_url 使用默认 SQLite",
            ) from e
        self._lock = threading.Lock()
        self._db = psycopg.connect(url, autocommit=True)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS audit (id BIGSERIAL PRIMARY KEY, ts TEXT NOT NULL, key_id TEXT NOT NULL, "
            "role TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, request_id TEXT NOT NULL, "
            "input_hash TEXT NOT NULL, status INTEGER NOT NULL, latency_ms DOUBLE PRECISION NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts)")


def audit_path(settings: Settings) -> Path:
    return settings.state_dir / "audit.sqlite3"


def open_audit_store(settings: Settings) -> AuditStore:
    url = settings.api.audit_url
    if url and url.startswith(("postgresql://", "postgres://")):
        return PostgresAuditStore(url)
    if url:
        path = Path(url.removeprefix("sqlite:///"))
        return SQLiteAuditStore(path if path.is_absolute() else settings.state_dir / path)
    return SQLiteAuditStore(audit_path(settings))


def normalise_since(since: str) -> str:
    """``--since`` as an ISO timestamp comparable with stored ``ts`` values (UTC)."""
    try:
        dt = datetime.fromisoformat(since)
    except ValueError as e:
        raise InputError(
            f"无法解析时间 '{since}'",
            where="--since",
            hint="用 ISO 格式，例如 2025-01-31 或 2025-01-31T08:00:00+08:00",
        ) from e
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def export(records: Iterator[AuditRecord], fmt: str) -> Iterator[str]:
    """Records as JSON lines or CSV (with a header row), one string per line."""
    if fmt == "jsonl":
        for r in records:
            yield json.dumps(asdict(r), ensure_ascii=False) + "\n"
        return
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(FIELDS)
    for r in records:
        writer.writerow(astuple(r))
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    if buf.getvalue():
        yield buf.getvalue()


_access_log = logging.getLogger("brain.access")


def record_call(
    store: AuditStore,
    *,
    key_id: str,
    role: str,
    method: str,
    route: str,
    request_id: str,
    input_hash: str,
    status: int,
    latency_s: float,
) -> AuditRecord:
    """Append one call to the audit store (committed before the caller sends the response start on) and
    write the matching JSON access line (``brain.access``); neither holds the body, only its hash."""
    record = AuditRecord(
        ts=AuditRecord.now(),
        key_id=key_id,
        role=role,
        method=method,
        route=route,
        request_id=request_id,
        input_hash=input_hash,
        status=status,
        latency_ms=round(latency_s * 1000, 2),
    )
    store.append(record)
    _access_log.info(
        "%s %s %s",
        method,
        route,
        status,
        extra={
            "request_id": request_id,
            "key_id": key_id,
            "role": role,
            "route": route,
            "method": method,
            "status": status,
            "latency_ms": record.latency_ms,
        },
    )
    return record
