"""Push new and escalated alerts to the workflow system's webhooks (it does not poll).

Each delivery is a JSON body ``{"event": "alert.new"|"alert.escalated", "alert": {...}}`` signed with
HMAC-SHA256 over ``timestamp + "." + body`` (headers ``X-Brain-Timestamp``, ``X-Brain-Signature:
sha256=<hex>``), retried with exponential back-off (1 s, 2 s, 4 s … capped at 60 s) up to ``retries`` times
on a connection error or a non-2xx answer, and logged (one row per attempt) in ``analysis_webhook_log``.
The body is redacted like every export: the alert's texts go through :func:`brain.privacy.redact` again and
person-cluster keys (keyed hashes) are left out."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from brain.analysis.models import AlertChange
from brain.analysis.store import metadata
from brain.settings import WebhookTarget

log = logging.getLogger(__name__)

webhook_log = sa.Table(
    "analysis_webhook_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("target", sa.String(255), nullable=False),
    sa.Column("alert_id", sa.String(64), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("at", sa.DateTime, nullable=False),
)


def payload(change: AlertChange) -> dict[str, Any]:
    from brain.privacy import redact

    a = change.alert
    body = a.model_dump(mode="json", exclude={"key"} if a.kind in ("repeat", "escalation") else set())
    body["title"] = redact(a.title).text
    body["rule"] = redact(a.rule).text
    if isinstance(body.get("evidence", {}).get("example"), str):
        body["evidence"]["example"] = redact(body["evidence"]["example"]).text
    return {"event": f"alert.{change.change}", "alert": body}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    def __init__(
        self,
        engine: sa.Engine,
        targets: list[WebhookTarget],
        *,
        retries: int = 5,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.engine = engine
        self.targets = targets
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        metadata.create_all(engine, tables=[webhook_log])
        self._q: queue.Queue[tuple[WebhookTarget, AlertChange] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="analysis-webhooks", daemon=True)
        self._thread.start()

    def push(self, changes: list[AlertChange]) -> None:
        for ch in changes:
            for t in self.targets:
                if not t.kinds or ch.alert.kind in t.kinds:
                    self._q.put((t, ch))

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every queued delivery has finished (tests, shutdown)."""
        end = time.monotonic() + timeout_s
        while self._q.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.02)

    def close(self) -> None:
        self._q.put(None)

    def _run(self) -> None:
        import httpx

        with httpx.Client(timeout=self.timeout_s) as client:
            while (item := self._q.get()) is not None:
                try:
                    self._deliver(client, *item)
                except Exception:  # a broken target must not stop the others
                    log.exception("webhook delivery failed")
                finally:
                    self._q.task_done()
            self._q.task_done()

    def _deliver(self, client: Any, target: WebhookTarget, change: AlertChange) -> None:
        body = json.dumps(payload(change), ensure_ascii=False, sort_keys=True).encode()
        event = f"alert.{change.change}"
        for attempt in range(1, self.retries + 2):
            ts = str(int(time.time()))
            headers = {
                "content-type": "application/json",
                "x-brain-timestamp": ts,
                "x-brain-signature": sign(target.secret.get_secret_value(), ts, body),
                "x-brain-event": event,
                "x-brain-delivery": f"{change.alert.id}:{attempt}",
            }
            status, error = None, None
            try:
                r = client.post(target.url, content=body, headers=headers)
                status = r.status_code
                ok = 200 <= r.status_code < 300
            except Exception as e:
                ok, error = False, f"{type(e).__name__}: {e}"[:500]
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(webhook_log).values(
                        target=target.url,
                        alert_id=change.alert.id,
                        event=event,
                        attempt=attempt,
                        status=status,
                        ok=ok,
                        error=error,
                        at=datetime.now(),
                    )
                )
            if ok:
                return
            if attempt <= self.retries:
                time.sleep(min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s))
        log.warning(
            "webhook %s gave up on %s after %d attempts", target.url, change.alert.id, self.retries + 1
        )

    def log_rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                dict(r) for r in conn.execute(sa.select(webhook_log).order_by(webhook_log.c.id)).mappings()
            ]
