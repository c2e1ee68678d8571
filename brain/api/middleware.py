"""Cross-cutting HTTP concerns, in the order a request meets them.

One pure-ASGI middleware (:class:`Gate`) rather than a stack of ``@app.middleware`` functions, because two of
its jobs need the raw ASGI ``send``: the audit record must be committed *before* the response start leaves
for the client, and streamed (SSE) responses must not be buffered. Each step's logic lives in the module that
owns it; this file only orders them. Every refusal is a :class:`brain.errors.BrainError` subclass, turned into
problem+json by the one mapping in :func:`brain.api.problems.brain_problem`.

1. request id      ``X-Request-ID`` taken from the client if well-formed and not personal data, else generated.
2. public paths    probes, the API description and the UI skip 3-7 (``brain.security``); ``/readyz`` shows
                   its details only to admin/system; ``/metrics`` needs admin or system (``brain.api.metrics``).
3. auth            ``Authorization: Bearer <key>`` or ``X-API-Key``; 401 without a valid key (and 429 per client
                   IP after ``api.unauthenticated_per_minute`` failures), 403 when the role lacks the scope.
                   ``api.auth=open`` (dev profiles only) admits loopback clients as admin.
4. rate limit      per key, moving window (``brain.api.ratelimit``; Redis when ``api.redis_url`` is set).
5. body            ``api.max_body_bytes`` (413) within ``api.body_read_timeout_s`` (408); lone surrogates 422.
6. idempotency     ``Idempotency-Key`` on POST (``brain.audit.idempotency``).
7. timeout         no response start within ``api.request_timeout_s``: 504 (streams, once started, may run on).
8. privacy         an evaluator's JSON/SSE/text responses are redacted (``brain.privacy.response``).
9. audit, metrics, access log — for every ``/v1`` call, including the ones refused above.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brain.api import metrics
from brain.api.body import BODY_METHODS, read_body
from brain.api.body import client_ip as _client_ip
from brain.api.body import no_body as _no_body
from brain.api.body import replay as _replay
from brain.api.openapi_doc import document_cross_cutting
from brain.api.problems import brain_problem
from brain.api.ratelimit import RateLimits
from brain.api.surrogates import check_surrogates
from brain.audit import AuditStore, open_audit_store, record_call
from brain.audit.idempotency import IdempotencyStore, Stored, capturing, send_stored
from brain.errors import (
    AuthError,
    BadRequestError,
    BrainError,
    ConflictError,
    ForbiddenError,
    ProcessingTimeoutError,
)
from brain.privacy import contains_pii
from brain.privacy import logs as privacy_logs
from brain.privacy.response import redacting
from brain.security import (
    LOGIN_PATH,
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

_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
DETAIL_ROLES = frozenset({"admin", "system"})  # who sees /readyz details and /metrics


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(Gate, settings=settings, routes_app=app)
    document_cross_cutting(app)
    app.add_route("/metrics", metrics.metrics_endpoint, methods=["GET"], include_in_schema=False)


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
        self.limits = RateLimits(settings)
        self.templates = metrics.RouteTemplates(routes_app)
        self._degraded: tuple[float, str] = (0.0, "")

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
                    log.info(
                        "鉴权：API 密钥（%s）；限流存储：%s",
                        self.keys.path if self.keys else "",
                        self.limits.storage_name,
                    )
            elif message["type"] == "lifespan.shutdown":
                self.audit.close()
                self.idempotency.close()
            return message

        return wrapped

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        t0 = time.perf_counter()
        headers = Headers(scope=scope)
        rid = headers.get("x-request-id", "")
        if not _REQUEST_ID_RE.fullmatch(rid) or contains_pii(rid):  # an ID number is no request id
            rid = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        path, method = scope["path"], scope["method"]
        route = self.templates(path)
        audited = not is_public(path)
        ctx: dict[str, Any] = {"principal": None, "input_hash": "", "status": 0, "audit": audited}

        async def final_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ctx["status"] = status = message["status"]
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = rid
                degraded = self._degraded[1]
                if degraded and path.startswith("/v1/"):
                    out["X-Brain-Degraded"] = degraded
                latency = time.perf_counter() - t0
                if ctx["audit"]:
                    self._record(ctx, method, route, rid, status, latency)
                metrics.observe(method, route, status, latency)
            await send(message)

        try:
            if path == "/readyz":  # public, but only admin/system see which part is down and where
                principal = self._optional_principal(scope, headers)
                token = set_current_principal(principal)
                try:
                    await self.app(scope, receive, final_send)
                finally:
                    reset_current_principal(token)
            elif path == LOGIN_PATH:  # no key yet: audited, limited per client IP, body limits apply
                await self.limits.check_unauthenticated(_client_ip(scope))
                body = await self._read_body(scope, receive, headers)
                ctx["input_hash"] = hashlib.sha256(body).hexdigest()
                await self.app(scope, _replay(body, receive), final_send)
            elif audited:
                await self._guarded(scope, receive, final_send, ctx, headers, route)
            else:
                await self.app(scope, receive, final_send)
        except BrainError as e:
            if ctx["status"]:  # the response already started: nothing more can be said to the client
                raise
            await self._problem(scope, final_send, e)
        except Exception:
            if ctx["status"]:
                raise
            log.exception("unhandled error on %s %s (request %s)", method, route, rid)
            await self._problem(
                scope, final_send, BrainError(f"服务内部错误，已记录（请求号 {rid}）；请稍后重试或联系管理员")
            )

    # ------------------------------------------------------------------------------------------ steps 3-8
    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, ctx: dict[str, Any], headers: Headers, route: str
    ) -> None:
        principal = await self._authenticate_limited(scope, headers, ctx)
        ctx["principal"] = principal
        needed = "metrics" if scope["path"] == "/metrics" else scope_for_path(scope["path"])
        allowed = principal.role in DETAIL_ROLES if needed == "metrics" else principal.allows(needed)
        if not allowed:
            raise ForbiddenError(f"角色 {principal.role} 无权调用 {route}（需要权限：{needed}）")
        await self.limits.check_key(principal.key_id)
        body = await self._read_body(scope, receive, headers)
        check_surrogates(body, headers.get("content-type", ""))
        digest = hashlib.sha256(body if scope["method"] in BODY_METHODS else scope.get("query_string", b""))
        ctx["input_hash"] = digest.hexdigest()
        receive = _replay(body, receive)

        idem_key = headers.get("idempotency-key")
        if idem_key is not None and scope["method"] == "POST":
            if not 1 <= len(idem_key) <= 255:
                raise BadRequestError("Idempotency-Key 长度应为 1-255 个字符", code="invalid_idempotency_key")
            claim = await anyio.to_thread.run_sync(
                self.idempotency.claim, principal.key_id, idem_key, ctx["input_hash"]
            )
            if isinstance(claim, Stored):
                await send_stored(claim, send)
                return
            if claim == "conflict":
                raise ConflictError(
                    "同一 Idempotency-Key 已用于内容不同的请求；新请求请换一个新的 Idempotency-Key",
                    code="idempotency_key_reused",
                )
            if claim == "in_progress":
                raise ConflictError(
                    "同一 Idempotency-Key 的前一个请求仍在处理，请稍后重试", code="idempotency_in_progress"
                )
            send = capturing(self.idempotency, send, principal.key_id, idem_key, ctx)

        if not principal.sees_personal_data:
            send = redacting(send)
        await self._refresh_degraded()
        token = set_current_principal(principal)
        try:
            await self._run_with_timeout(scope, receive, send)
        finally:
            reset_current_principal(token)
            if ctx.get("idempotency_open"):  # failed or timed out before a complete response: let a retry in
                await anyio.to_thread.run_sync(self.idempotency.release, principal.key_id, str(idem_key))

    async def _authenticate_limited(self, scope: Scope, headers: Headers, ctx: dict[str, Any]) -> Principal:
        """Authenticate; a failure counts against the client's IP, and past the limit only the first
        refusal per IP and minute is audited (the rest are counted in /metrics)."""
        try:
            return self._authenticate(scope, headers)
        except AuthError:
            ip = _client_ip(scope)
            try:
                await self.limits.check_unauthenticated(ip)
            except BrainError:
                metrics.REFUSED_UNAUTHENTICATED.inc()
                ctx["audit"] = await self.limits.fold(ip)
                raise
            raise

    def _optional_principal(self, scope: Scope, headers: Headers) -> Principal | None:
        try:
            return self._authenticate(scope, headers)
        except BrainError:
            return None

    def _authenticate(self, scope: Scope, headers: Headers) -> Principal:
        if self.open:
            if _client_ip(scope) not in _LOOPBACK:
                raise ForbiddenError(
                    "服务以开发模式（无鉴权）运行，只接受本机请求；生产环境请配置 API 密钥",
                    code="open_mode_loopback_only",
                )
            return Principal(key_id="open", role="admin", name="开发模式")
        assert self.keys is not None
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else headers.get("x-api-key", "").strip()
        if not key:
            raise AuthError(
                "缺少 API 密钥：请在请求头中加入 Authorization: Bearer <密钥> "
                "或 X-API-Key: <密钥>（由管理员用 brain keys create 创建）",
                headers={"WWW-Authenticate": 'Bearer realm="fengqiao"'},
            )
        principal = self.keys.verify(key)
        if principal is None:
            raise AuthError(
                "API 密钥无效、已过期或已吊销；请向管理员申请新密钥",
                headers={"WWW-Authenticate": 'Bearer realm="fengqiao", error="invalid_token"'},
            )
        return principal

    async def _read_body(self, scope: Scope, receive: Receive, headers: Headers) -> bytes:
        api = self.settings.api
        return await read_body(scope, receive, headers, api.max_body_bytes, api.body_read_timeout_s)

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
                    seconds = self.settings.api.request_timeout_s
                    error = ProcessingTimeoutError(f"处理超时（{seconds:g} 秒），请稍后重试")
                    await self._problem(scope, send, error)
                    tg.cancel_scope.cancel()
        except BaseExceptionGroup as group:  # surface the route's own exception, as without the task group
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    # ------------------------------------------------------------------------------------------ helpers
    def _record(
        self, ctx: dict[str, Any], method: str, route: str, rid: str, status: int, latency: float
    ) -> None:
        principal: Principal | None = ctx["principal"]
        record_call(
            self.audit,
            key_id=principal.key_id if principal else "-",
            role=principal.role if principal else "-",
            method=metrics.method_label(method),
            route=route,
            request_id=rid,
            input_hash=ctx["input_hash"],
            status=status,
            latency_s=latency,
        )

    async def _problem(self, scope: Scope, send: Send, error: BrainError) -> None:
        response = brain_problem(Request(scope), error)
        await response(scope, _no_body, send)

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
