"""Stored responses for ``Idempotency-Key`` (IETF draft ``httpapi-idempotency-key-header``).

A client that retries a POST after a timeout must not create a second agreement draft. The first request
with a key claims it (a row without a response), the response is stored when it is complete, and a retry
with the same key and the same body gets the stored response back. The same key with a different body, or
while the first is still running, is a 409. Keys are per API key, so two callers never collide. Rows expire
after ``api.idempotency_ttl_s``.

Shared by every server worker through one SQLite file in WAL mode under ``state_dir``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
from starlette.datastructures import Headers
from starlette.types import Message, Send

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key_id       TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    created      REAL NOT NULL,
    status       INTEGER,
    content_type TEXT,
    body         BLOB,
    PRIMARY KEY (key_id, idem_key)
)
"""


@dataclass(frozen=True)
class Stored:
    status: int
    content_type: str
    body: bytes


Claim = Literal["claimed", "conflict", "in_progress"]


class IdempotencyStore:
    def __init__(self, path: Path, ttl_s: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def claim(self, key_id: str, idem_key: str, body_hash: str) -> Claim | Stored:
        """Claim the key for this body, or say why not: a stored response to replay, a different body
        (``conflict``), or the first request still running (``in_progress``)."""
        now = time.time()
        with self._lock:
            self._db.execute("DELETE FROM idempotency WHERE created < ?", (now - self.ttl_s,))
            row = self._db.execute(
                "SELECT body_hash, status, content_type, body FROM idempotency WHERE key_id = ? AND idem_key = ?",
                (key_id, idem_key),
            ).fetchone()
            if row is None:
                try:
                    self._db.execute(
                        "INSERT INTO idempotency (key_id, idem_key, body_hash, created) VALUES (?, ?, ?, ?)",
                        (key_id, idem_key, body_hash, now),
                    )
                except sqlite3.IntegrityError:  # another worker claimed it between SELECT and INSERT
                    return "in_progress"
                return "claimed"
        if row[0] != body_hash:
            return "conflict"
        if row[1] is None:
            return "in_progress"
        return Stored(status=row[1], content_type=row[2] or "application/json", body=bytes(row[3] or b""))

    def complete(self, key_id: str, idem_key: str, stored: Stored) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE idempotency SET status = ?, content_type = ?, body = ? WHERE key_id = ? AND idem_key = ?",
                (stored.status, stored.content_type, stored.body, key_id, idem_key),
            )

    def release(self, key_id: str, idem_key: str) -> None:
        """Forget a claim whose response is not worth replaying (a server error, a stream): the client may
        retry with the same key."""
        with self._lock:
            self._db.execute(
                "DELETE FROM idempotency WHERE key_id = ? AND idem_key = ? AND status IS NULL",
                (key_id, idem_key),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


# ---------------------------------------------------------------------------------------------- ASGI side
# The middleware's half of idempotency: pass a response through while keeping a copy to store, and send a
# stored one back. Kept here, beside the store, so the middleware only decides *when* to use them.
_CAPTURE_LIMIT = 1_000_000


async def send_stored(stored: Stored, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": stored.status,
            "headers": [
                (b"content-type", stored.content_type.encode()),
                (b"content-length", str(len(stored.body)).encode()),
                (b"idempotent-replayed", b"true"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": stored.body})


def capturing(store: IdempotencyStore, send: Send, key_id: str, idem_key: str, ctx: dict[str, Any]) -> Send:
    """Pass the response through and keep a copy to replay; streams and server errors are not kept.
    ``ctx["idempotency_open"]`` stays true until the claim is completed or released."""
    state: dict[str, Any] = {"status": 0, "type": "", "chunks": [], "size": 0, "keep": True}
    ctx["idempotency_open"] = True

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            state["type"] = Headers(raw=message.get("headers", [])).get("content-type", "")
            state["keep"] = state["status"] < 500 and "event-stream" not in state["type"]
        elif message["type"] == "http.response.body" and state["keep"]:
            chunk = message.get("body", b"")
            state["size"] += len(chunk)
            state["chunks"].append(chunk)
            if state["size"] > _CAPTURE_LIMIT:
                state["keep"], state["chunks"] = False, []
            if not message.get("more_body", False):
                stored = Stored(state["status"], state["type"], b"".join(state["chunks"]))
                await anyio.to_thread.run_sync(store.complete, key_id, idem_key, stored)
                ctx["idempotency_open"] = False
        if message["type"] == "http.response.body" and not state["keep"] and not message.get("more_body"):
            await anyio.to_thread.run_sync(store.release, key_id, idem_key)
            ctx["idempotency_open"] = False
        await send(message)

    return wrapped
