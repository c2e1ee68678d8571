"""Who owns a chat thread: the key (or the UI user) that made it.

A thread holds a mediator's case in plain text — names, ID numbers, phones — so it is readable and writable
only by its owner (:attr:`brain.security.Principal.owner`: ``user:<name>`` for a UI login by user name, else
``key:<key id>``). An admin may *read* any thread; that read is logged as a warning and audited like every call
(key id, role, route, time). A thread that existed before owners were recorded has no owner: only an admin
may read it. Nobody learns whether someone else's thread exists: the answer is the same 404 as for none.

One small SQLite table (``<state_dir>/threads.sqlite3``, WAL), shared by every worker.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from brain.errors import NotFoundError
from brain.security import Principal

log = logging.getLogger("brain.security")


def _not_found(thread_id: str) -> NotFoundError:
    return NotFoundError(
        f"会话 {thread_id} 不存在或不属于当前用户",
        where="thread_id",
        hint="请使用自己创建的会话编号；留空则新建会话",
    )


class ThreadOwners:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS owners (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL)"
        )
        self._lock = threading.Lock()

    def owner(self, thread_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT owner FROM owners WHERE thread_id = ?", (thread_id,)).fetchone()
        return str(row[0]) if row else None

    def claim_for_writing(self, thread_id: str, principal: Principal, has_turns: bool) -> None:
        """Let ``principal`` add a turn to ``thread_id``: its own thread, or a new one (claimed now)."""
        owner = self.owner(thread_id)
        if owner is None:
            if has_turns:  # made before owners were recorded: nobody may write into it
                raise _not_found(thread_id)
            with self._lock:
                self._db.execute("INSERT OR IGNORE INTO owners VALUES (?, ?)", (thread_id, principal.owner))
            owner = self.owner(thread_id)  # another worker may have claimed it first
        if owner != principal.owner:
            raise _not_found(thread_id)

    def check_read(self, thread_id: str, principal: Principal, has_turns: bool) -> None:
        owner = self.owner(thread_id)
        if owner == principal.owner or (owner is None and not has_turns):
            return
        if principal.role == "admin":
            log.warning(
                "admin %s read chat thread %s of %s", principal.key_id, thread_id, owner or "(no owner)"
            )
            return
        raise _not_found(thread_id)

    def close(self) -> None:
        with self._lock:
            self._db.close()
