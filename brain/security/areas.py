"""Area scopes of API keys: a key may be limited to one town (``青石镇``) or one village (``青石镇/龙潭村``).

Kept in its own table of the key store file (``key_areas``) beside ``api_keys``, so the key model itself is
unchanged: a key without a row here is county-wide. The ledger asks :meth:`KeyAreas.area` for the caller's
key and shows it only its area's cases, alerts and follow-ups. Lookups are cached for ``cache_s`` like the
keys themselves, so a changed scope takes effect within seconds.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from brain.errors import InputError

_SCHEMA = "CREATE TABLE IF NOT EXISTS key_areas (key_id TEXT PRIMARY KEY, area TEXT NOT NULL)"


class KeyAreas:
    def __init__(self, path: Path, cache_s: float = 5.0) -> None:
        self.path = path
        self._cache_s = cache_s
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def set(self, key_id: str, area: str | None) -> None:
        if area is not None and (not area.strip() or area.count("/") > 1):
            raise InputError("辖区格式不对", where="--area", hint="写作 乡镇 或 乡镇/村，如 青石镇/龙潭村")
        with self._connect() as db:
            if area:
                db.execute("INSERT OR REPLACE INTO key_areas VALUES (?, ?)", (key_id, area.strip()))
            else:
                db.execute("DELETE FROM key_areas WHERE key_id = ?", (key_id,))
        with self._lock:
            self._cache.pop(key_id, None)

    def area(self, key_id: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key_id)
        if hit is not None and now - hit[0] <= self._cache_s:
            return hit[1]
        with self._connect() as db:
            row = db.execute("SELECT area FROM key_areas WHERE key_id = ?", (key_id,)).fetchone()
        value = row[0] if row else None
        with self._lock:
            self._cache[key_id] = (now, value)
        return value

    def all(self) -> dict[str, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT key_id, area FROM key_areas").fetchall())
