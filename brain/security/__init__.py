"""Who may call what: API keys, roles and per-route scopes.

A key looks like ``fq_<key id>_<secret>``. The key id (8 hex characters) is public: it is what the audit
store records and what ``brain keys revoke`` takes. Only an HMAC-SHA256 of the whole key, peppered with
``settings.secret_key``, is stored, so a copy of the key store lets nobody call the service, and a changed
``secret_key`` invalidates every key at once. Keys are compared with :func:`hmac.compare_digest`.

Roles map to scopes; each route maps to one scope by its path (:data:`ROUTE_SCOPES`, first prefix that
matches). A ``/v1`` route no prefix names falls to ``admin``: a new route is closed until someone decides who
may call it. The table is data so the test matrix (every role x every route) follows it automatically.

Personal data in outputs (see ``docs/api.md``): clerk, mediator, system and admin work on their own cases and
see the originals; an evaluator sees every JSON/SSE response with personal data redacted.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from brain.errors import InputError, NotFoundError
from brain.settings import Settings

ROLES = ("clerk", "mediator", "evaluator", "system", "admin")
SCOPES = ("search", "intake", "graph", "agreements", "chat", "tools", "eval", "cases", "analysis", "admin")

ROLE_SCOPES: dict[str, frozenset[str]] = {
    # 受理窗口: register, classify, route; look things up
    "clerk": frozenset({"search", "intake", "graph", "tools", "cases", "analysis"}),
    # 调解员: everything about their cases, including drafting agreements and the assistant
    "mediator": frozenset({"search", "intake", "graph", "agreements", "chat", "tools", "cases", "analysis"}),
    # 评测: read-only capabilities and evaluation, never drafting or chat over live cases
    "evaluator": frozenset({"search", "intake", "graph", "eval", "tools"}),
    # the case-workflow system calls every capability as a tool
    "system": frozenset({"search", "intake", "graph", "agreements", "chat", "tools", "cases", "analysis"}),
    "admin": frozenset(SCOPES),
}

# (path prefix, scope), first match wins; paths outside /v1 are public or 404 (see PUBLIC_PATHS).
ROUTE_SCOPES: tuple[tuple[str, str], ...] = (
    ("/v1/search", "search"),
    ("/v1/documents", "search"),
    ("/v1/intake", "intake"),
    ("/v1/classify", "intake"),
    ("/v1/route", "intake"),
    ("/v1/taxonomy", "intake"),
    ("/v1/strategies", "intake"),
    ("/v1/graph", "graph"),
    ("/v1/agreements", "agreements"),
    ("/v1/chat", "chat"),
    ("/v1/tools", "tools"),
    ("/v1/eval", "eval"),
    ("/v1/cases", "cases"),  # the case ledger; an area-scoped key sees only its area (brain.security.areas)
    ("/v1/alerts", "cases"),
    ("/v1/followups", "cases"),
    ("/v1/analysis", "analysis"),  # 态势研判: detectors, hot spots, letters
    ("/v1/reports", "analysis"),
    ("/v1/admin", "admin"),
)
DEFAULT_SCOPE = "admin"

# Reachable without a key: probes, metrics, the API description and the UI (which calls the API itself).
PUBLIC_PATHS = frozenset(
    {
        "/",  # redirects to /ui (brain/api/docs.py)
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/favicon.ico",
    }
)
PUBLIC_PREFIXES = ("/ui", "/static-docs", "/docs-assets")  # offline Swagger UI / ReDoc assets

# Roles that see personal data restored in outputs; everyone else gets redacted responses.
ROLES_SEEING_PERSONAL_DATA = frozenset({"clerk", "mediator", "system", "admin"})


def scope_for_path(path: str) -> str:
    for prefix, scope in ROUTE_SCOPES:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?"):
            return scope
    return DEFAULT_SCOPE


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or any(path == p or path.startswith(p + "/") for p in PUBLIC_PREFIXES)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    key_id: str
    role: str
    name: str = ""

    def allows(self, scope: str) -> bool:
        return scope in ROLE_SCOPES.get(self.role, frozenset())

    @property
    def sees_personal_data(self) -> bool:
        return self.role in ROLES_SEEING_PERSONAL_DATA


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("brain_principal", default=None)


def current_principal() -> Principal | None:
    """The caller of the request being handled (None outside a request, e.g. in the CLI).

    Services use it to decide whether to restore personal data in what they return.
    """
    return _current.get()


def set_current_principal(p: Principal | None) -> contextvars.Token[Principal | None]:
    return _current.set(p)


def reset_current_principal(token: contextvars.Token[Principal | None]) -> None:
    _current.reset(token)


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id     TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


class KeyStore:
    """API keys in a small SQLite file (``settings.api.key_store``); lookups are cached for a few seconds so a
    busy server does not hit the file per request, and a revocation takes effect within ``cache_s``."""

    def __init__(self, path: Path, pepper: str, cache_s: float = 5.0) -> None:
        self.path = path
        self._pepper = pepper.encode()
        self._cache_s = cache_s
        self._cache: dict[str, tuple[float, tuple[str, str, str] | None]] = {}
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _hash(self, key: str) -> str:
        return hmac.new(self._pepper, key.encode(), hashlib.sha256).hexdigest()

    def create(self, role: str, name: str) -> tuple[KeyInfo, str]:
        """A new key for ``role``; returns its info and the key itself, which is shown once and never stored."""
        if role not in ROLES:
            raise InputError(f"未知角色 '{role}'", where="--role", hint=f"可选：{', '.join(ROLES)}")
        if not name.strip():
            raise InputError("密钥名称不能为空", where="--name", hint="例如 --name 受理窗口1")
        key_id = secrets.token_hex(4)
        key = f"fq_{key_id}_{secrets.token_urlsafe(32)}"
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
                (key_id, name.strip(), role, self._hash(key), now),
            )
        return KeyInfo(key_id, name.strip(), role, now, None), key

    def list(self) -> list[KeyInfo]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT key_id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at, key_id"
            ).fetchall()
        return [KeyInfo(*r) for r in rows]

    def revoke(self, key_id: str) -> KeyInfo:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now, key_id)
            )
            row = db.execute(
                "SELECT key_id, name, role, created_at, revoked_at FROM api_keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(
                f"密钥 {key_id} 不存在", where="brain keys revoke", hint="用 brain keys list 查看"
            )
        with self._lock:
            self._cache.pop(key_id, None)
        return KeyInfo(*row)  # revoking twice is not an error: the key stays revoked since the first time

    def verify(self, key: str) -> Principal | None:
        """The principal for a presented key, or None for a malformed, unknown or revoked key."""
        parts = key.split("_", 2)  # the secret itself may contain "_"
        if len(parts) != 3 or parts[0] != "fq" or len(parts[1]) != 8:
            return None
        key_id = parts[1]
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key_id)
        if hit is None or now - hit[0] > self._cache_s:
            with self._connect() as db:
                row = db.execute(
                    "SELECT key_hash, role, name FROM api_keys WHERE key_id = ? AND revoked_at IS NULL",
                    (key_id,),
                ).fetchone()
            hit = (now, (row[0], row[1], row[2]) if row else None)
            with self._lock:
                self._cache[key_id] = hit
        record = hit[1]
        if record is None or not hmac.compare_digest(record[0], self._hash(key)):
            return None
        return Principal(key_id=key_id, role=record[1], name=record[2])


def key_store_path(settings: Settings) -> Path:
    """Where the key store lives: ``api.key_store`` if set (relative to ``state_dir``), else
    ``<state_dir>/keys.sqlite3``."""
    configured = settings.api.key_store
    if configured:
        return configured if configured.is_absolute() else settings.state_dir / configured
    return settings.state_dir / "keys.sqlite3"


def open_key_store(settings: Settings) -> KeyStore:
    return KeyStore(key_store_path(settings), pepper=settings.secret_key.get_secret_value())
