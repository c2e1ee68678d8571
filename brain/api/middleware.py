"""Cross-cutting HTTP concerns, in the order a request meets them.

One pure-ASGI middleware (:class:`Gate`) rather than a stack of ``@app.middleware`` functions, because two of
its jobs need the raw ASGI ``send``: the audit record must be committed *before* the response start leaves
for the client, and streamed (SSE) responses must not be buffered.

1. request id      ``X-Request-ID`` taken from the client if well-formed, else generated; echoed back.
2. public paths    probes, ``/metrics``, the API description and the UI skip 3-7 (``brain.security``).
3. auth            ``Authorization: Bearer <key>`` or ``X-API-Key``; 401 without a valid key, 403 when the
                   key's role lacks the route's scope. ``api.auth=open`` (dev profiles only) admits loopback
                   clients as admin and refuses everyone else.
4. rate limit      token bucket per key (``api.rate_limit_per_minute``, ``api.rate_limit_burst``): 429 with
                   ``Retry-After``. Per server process: with N workers the effective limit is N times higher.
5. body limit      ``api.max_body_bytes``: 413, by ``Content-Length`` or while reading a chunked body.
6. idempotency     ``Idempotency-Key`` on POST: replay the stored response for the same key and body; 409 for
                   another body or while the first request still runs (``brain.audit.idempotency``).
7. timeout         no response start within ``api.request_timeout_s``: 504 (streams, once started, may run on).
8. privacy         an evaluator's JSON/SSE/text responses are redacted (``brain.privacy``).
9. audit, metrics, access log — for every ``/v1`` call, including the ones refused above.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
import uuid
from typing import Any

import anyio
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brain.api.problems import Problem, problem_response
from brain.audit import AuditRecord, AuditStore, open_audit_store
from brain.audit.idempotency import IdempotencyStore, Stored
from brain.privacy import logs as privacy_logs
from brain.privacy import redact
from brain.security import (
    KeyStore,
    Principal,
    is_public,
    open_key_store,
    reset_current_principal,
    scope_for_path,
    set_current_principal,
)
from brain.settings import Settings

log = logging.getLogger("brain.api")
access_log = logging.getLogger("brain.access")

REQUESTS = Counter(
    "brain_http_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "brain_http_request_duration_seconds",
    "time to response start, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_IDEMPOTENT_CAPTURE_LIMIT = 1_000_000
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(Gate, settings=settings, routes_app=app)
    _document_cross_cutting(app)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)


_PROBLEMS = {
    "401": "缺少或无效的 API 密钥",
    "403": "角色无权调用此接口",
    "413": "请求体过大",
    "429": "调用过于频繁（见 Retry-After）",
    "500": "服务内部错误",
    "504": "处理超时",
}


def _document_cross_cutting(app: FastAPI) -> None:
    """Add what the middleware does to the OpenAPI document: the key schemes, and the problem+json answers
    every /v1 operation may give (422 included: validation errors are problem+json too)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = original()
        components = doc.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "brain keys create 生成的 API 密钥",
            },
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in doc.get("paths", {}).items():
            if not path.startswith("/v1/"):
                continue
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                op.setdefault("security", [{"bearer": []}, {"apiKey": []}])
                for code, text in _PROBLEMS.items():
                    if code == "413" and method not in {"post", "put", "patch"}:
                        continue
                    op["responses"].setdefault(code, {"description": text, "content": problem})
                if "422" in op["responses"]:
                    op["responses"]["422"] = {"description": "请求参数不合法", "content": problem}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


class TokenBucket:
    """Per-key token buckets: ``burst`` requests at once, refilled at ``per_minute / 60`` per second."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may go ahead now, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


class _Refused(Exception):
    """A request stopped before it reached a route; carries the problem to send."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


class Gate:
    def __init__(self, app: ASGIApp, settings: Settings, routes_app: FastAPI) -> None:
        self.app = app
        self.settings = settings
        self.routes_app = routes_app
        self.open = settings.api.auth == "open"
        self.keys: KeyStore | None = None if self.open else open_key_store(settings)
        self.audit: AuditStore = open_audit_store(settings)
        self.idempotency = IdempotencyStore(
            settings.state_dir / "idempotency.sqlite3", settings.api.idempotency_ttl_s
        )
        self.limiter = TokenBucket(settings.api.rate_limit_per_minute, settings.api.rate_limit_burst)
        self._degraded: tuple[float, str] = (0.0, "")
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    # ------------------------------------------------------------------------------------------ entry
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._lifespan_receive(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send)

    def _lifespan_receive(self, receive: Receive) -> Receive:
        """On start-up (after the server configured logging): redact every log handler, say how auth is set."""

        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                privacy_logs.install(json_lines=self.settings.api.json_logs)
                logging.getLogger("uvicorn.access").setLevel(logging.WARNING)  # brain.access replaces it
                if self.open:
                    log.warning(
                        "鉴权已关闭（api.auth=open，开发档案 %s）：只接受本机 127.0.0.1 的请求，"
                        "所有调用以 admin 角色记录审计；生产环境请设置 BRAIN_API__AUTH=keys",
                        self.settings.profile,
                    )
                else:
                    log.info("鉴权：API 密钥（%s）", self.keys.path if self.keys else "")
            elif message["type"] == "lifespan.shutdown":
                self.audit.close()
                self.idempotency.close()
            return message

        return wrapped

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        t0 = time.perf_counter()
        headers = Headers(scope=scope)
        rid = headers.get("x-request-id", "")
        if not _REQUEST_ID_RE.fullmatch(rid):
            rid = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        path, method = scope["path"], scope["method"]
        route = self._route_template(scope)
        audited = not is_public(path)
        ctx: dict[str, Any] = {"principal": None, "input_hash": "", "status": 0}

        async def final_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ctx["status"] = status = message["status"]
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = rid
                degraded = self._degraded[1]
                if degraded and path.startswith("/v1/"):
                    out["X-Brain-Degraded"] = degraded
                latency = time.perf_counter() - t0
                if audited:
                    self._record(ctx, method, route, rid, status, latency)
                REQUESTS.labels(method, route, str(status)).inc()
                LATENCY.labels(method, route).observe(latency)
            await send(message)

        try:
            if not audited:
                await self.app(scope, receive, final_send)
                return
            await self._guarded(scope, receive, final_send, ctx, headers, route)
        except _Refused as r:
            await self._problem(scope, final_send, r)
        except Exception:
            if ctx["status"]:  # the response had started: nothing left to answer, the server logs it
                raise
            # answer here rather than in the server's last-resort handler, so the 500 carries the request id
            # and is audited like every other outcome; the log line is redacted by the handlers' filter
            log.exception("unhandled error on %s %s (request %s)", method, route, rid)
            await self._problem(
                scope,
                final_send,
                _Refused(
                    500, "internal_error", f"服务内部错误，已记录（请求号 {rid}）；请稍后重试或联系管理员"
                ),
            )

    # ------------------------------------------------------------------------------------------ steps 3-8
    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, ctx: dict[str, Any], headers: Headers, route: str
    ) -> None:
        principal = self._authenticate(scope, headers)
        ctx["principal"] = principal
        needed = scope_for_path(scope["path"])
        if not principal.allows(needed):
            raise _Refused(403, "forbidden", f"角色 {principal.role} 无权调用 {route}（需要权限：{needed}）")
        wait = self.limiter.take(principal.key_id)
        if wait > 0:
            raise _Refused(
                429,
                "rate_limited",
                f"调用过于频繁：每个密钥每分钟最多 "
                f"{self.settings.api.rate_limit_per_minute} 次，请 {math.ceil(wait)} 秒后重试",
                {"Retry-After": str(math.ceil(wait))},
            )
        body = await self._read_body(scope, receive, headers)
        digest = hashlib.sha256(body if scope["method"] in _BODY_METHODS else scope.get("query_string", b""))
        ctx["input_hash"] = digest.hexdigest()
        receive = _replay(body, receive)

        idem_key = headers.get("idempotency-key")
        if idem_key is not None and scope["method"] == "POST":
            if not 1 <= len(idem_key) <= 255:
                raise _Refused(400, "invalid_idempotency_key", "Idempotency-Key 长度应为 1-255 个字符")
            claim = await anyio.to_thread.run_sync(
                self.idempotency.claim, principal.key_id, idem_key, ctx["input_hash"]
            )
            if isinstance(claim, Stored):
                await _send_stored(claim, send)
                return
            if claim == "conflict":
                raise _Refused(
                    409,
                    "idempotency_key_reused",
                    "同一 Idempotency-Key 已用于内容不同的请求；新请求请换一个新的 Idempotency-Key",
                )
            if claim == "in_progress":
                raise _Refused(
                    409, "idempotency_in_progress", "同一 Idempotency-Key 的前一个请求仍在处理，请稍后重试"
                )
            send = self._capturing(send, principal.key_id, idem_key, ctx)

        if not principal.sees_personal_data:
            send = _redacting(send)
        await self._refresh_degraded()
        token = set_current_principal(principal)
        try:
            await self._run_with_timeout(scope, receive, send)
        finally:
            reset_current_principal(token)
            if ctx.get("idempotency_open"):  # failed or timed out before a complete response: let a retry in
                await anyio.to_thread.run_sync(self.idempotency.release, principal.key_id, str(idem_key))

    def _authenticate(self, scope: Scope, headers: Headers) -> Principal:
        if self.open:
            client = (scope.get("client") or ("", 0))[0]
            if client not in _LOOPBACK:
                raise _Refused(
                    403,
                    "open_mode_loopback_only",
                    "服务以开发模式（无鉴权）运行，只接受本机请求；生产环境请配置 API 密钥",
                )
            return Principal(key_id="open", role="admin", name="开发模式")
        assert self.keys is not None
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else headers.get("x-api-key", "").strip()
        if not key:
            raise _Refused(
                401,
                "unauthenticated",
                "缺少 API 密钥：请在请求头中加入 Authorization: Bearer <密钥> "
                "或 X-API-Key: <密钥>（由管理员用 brain keys create 创建）",
                {"WWW-Authenticate": 'Bearer realm="fengqiao"'},
            )
        principal = self.keys.verify(key)
        if principal is None:
            raise _Refused(
                401,
                "unauthenticated",
                "API 密钥无效或已吊销；请向管理员申请新密钥",
                {"WWW-Authenticate": 'Bearer realm="fengqiao", error="invalid_token"'},
            )
        return principal

    async def _read_body(self, scope: Scope, receive: Receive, headers: Headers) -> bytes:
        limit = self.settings.api.max_body_bytes
        too_large = _Refused(413, "payload_too_large", f"请求体超过上限 {limit} 字节；请缩短文本或分批提交")
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        if scope["method"] not in _BODY_METHODS:
            return b""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _run_with_timeout(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the route; if it has not started a response within the timeout, answer 504 and drop whatever
        it sends later. A sync route keeps its worker thread until it returns (threads cannot be killed)."""
        started = anyio.Event()
        timed_out = False

        async def watched_send(message: Message) -> None:
            if timed_out:
                return
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        async def run() -> None:
            try:
                await self.app(scope, receive, watched_send)
            finally:
                started.set()

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(run)
                with anyio.move_on_after(self.settings.api.request_timeout_s):
                    await started.wait()
                if not started.is_set():
                    timed_out = True
                    await self._problem(
                        scope,
                        send,
                        _Refused(
                            504,
                            "timeout",
                            f"处理超时（{self.settings.api.request_timeout_s:g} 秒），请稍后重试",
                        ),
                    )
                    tg.cancel_scope.cancel()
        except BaseExceptionGroup as group:  # surface the route's own exception, as without the task group
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    # ------------------------------------------------------------------------------------------ helpers
    def _route_template(self, scope: Scope) -> str:
        """The route's path template (``/v1/chat/{thread_id}``), from the OpenAPI paths: a bounded label set
        for metrics and audit that never carries an id. Known before routing, so refused calls have it too."""
        if self._templates is None:
            paths = self.routes_app.openapi().get("paths", {})
            # literal segments before parameters, so /v1/documents/search wins over /v1/documents/{doc_id}
            ordered = sorted(paths, key=lambda p: [(seg.startswith("{"), seg) for seg in p.split("/")])
            self._templates = [(compile_path(p)[0], p) for p in ordered]
        path = scope["path"]
        for regex, template in self._templates:
            if regex.match(path):
                return template
        return path if is_public(path) else "<unmatched>"

    def _record(
        self, ctx: dict[str, Any], method: str, route: str, rid: str, status: int, latency: float
    ) -> None:
        principal: Principal | None = ctx["principal"]
        record = AuditRecord(
            ts=AuditRecord.now(),
            key_id=principal.key_id if principal else "-",
            role=principal.role if principal else "-",
            method=method,
            route=route,
            request_id=rid,
            input_hash=ctx["input_hash"],
            status=status,
            latency_ms=round(latency * 1000, 2),
        )
        self.audit.append(record)  # committed before the caller passes the response start on
        access_log.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={
                "request_id": rid,
                "key_id": record.key_id,
                "role": record.role,
                "route": route,
                "method": method,
                "status": status,
                "latency_ms": record.latency_ms,
            },
        )

    async def _problem(self, scope: Scope, send: Send, r: _Refused) -> None:
        response = problem_response(Request(scope), r.status, r.title, r.detail)
        response.headers.update(r.headers)
        await response(scope, _no_body, send)

    def _capturing(self, send: Send, key_id: str, idem_key: str, ctx: dict[str, Any]) -> Send:
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
                if state["size"] > _IDEMPOTENT_CAPTURE_LIMIT:
                    state["keep"], state["chunks"] = False, []
                if not message.get("more_body", False):
                    stored = Stored(state["status"], state["type"], b"".join(state["chunks"]))
                    await anyio.to_thread.run_sync(self.idempotency.complete, key_id, idem_key, stored)
                    ctx["idempotency_open"] = False
            if message["type"] == "http.response.body" and not state["keep"] and not message.get("more_body"):
                await anyio.to_thread.run_sync(self.idempotency.release, key_id, idem_key)
                ctx["idempotency_open"] = False
            await send(message)

        return wrapped

    async def _refresh_degraded(self) -> None:
        """Which parts are down (graph, llm), for the ``X-Brain-Degraded`` header; re-read every 5 s."""
        checked, _ = self._degraded
        if time.monotonic() - checked < 5:
            return
        self._degraded = (time.monotonic(), self._degraded[1])
        brain = getattr(self.routes_app.state, "brain", None)
        if brain is None:
            return
        try:
            parts = await anyio.to_thread.run_sync(brain.readiness)
        except Exception:  # a failing health probe must not fail the request it rides on
            log.exception("readiness check failed")
            return
        down = [name for name, part in parts.items() if isinstance(part, dict) and not part.get("ok", True)]
        self._degraded = (time.monotonic(), ",".join(sorted(down)))


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    """Give the route the body we already read, then the real channel (for disconnects during streams)."""
    sent = False

    async def wrapped() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return wrapped


async def _send_stored(stored: Stored, send: Send) -> None:
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


def _redact_json(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v) for k, v in value.items()}
    return value


def _redacting(send: Send) -> Send:
    """Redact personal data in a response for a role that may not see it: JSON bodies are buffered and
    redacted value by value (so the JSON stays valid); SSE and text chunks are redacted as they pass."""
    state: dict[str, Any] = {"start": None, "mode": "", "chunks": []}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            ctype = Headers(raw=message.get("headers", [])).get("content-type", "")
            state["mode"] = "json" if "json" in ctype else "text" if ctype.startswith("text/") else "raw"
            if state["mode"] == "json":
                state["start"] = message  # held back until the body is complete and redacted
                return
            if state["mode"] == "text":  # redaction changes the length
                out = MutableHeaders(scope=message)
                if "content-length" in out:
                    del out["content-length"]
            await send(message)
            return
        if message["type"] != "http.response.body" or state["mode"] == "raw":
            await send(message)
            return
        if state["mode"] == "text":
            text = message.get("body", b"").decode("utf-8", errors="replace")
            await send({**message, "body": redact(text).text.encode()})
            return
        state["chunks"].append(message.get("body", b""))
        if message.get("more_body", False):
            return
        raw = b"".join(state["chunks"])
        try:
            body = json.dumps(_redact_json(json.loads(raw)), ensure_ascii=False).encode()
        except ValueError:
            body = redact(raw.decode("utf-8", errors="replace")).text.encode()
        start = state["start"]
        headers = MutableHeaders(scope=start)
        headers["content-length"] = str(len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return wrapped
