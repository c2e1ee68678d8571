"""Who is using the UI, and the one path their actions take: the HTTP API, with their own key.

When the API requires keys (``api.auth=keys``), ``/ui`` asks for a login first — an API key, or a user name and
password from ``api.ui_users`` (the API's ``POST /v1/login`` turns it into a session key for that user's role).
A login is a server-side session (an HttpOnly, SameSite=Strict cookie holds only its random id). Then:

* every UI action is an HTTP call to this server's own ``/v1`` API with the session's key (:class:`SessionClient`),
  so it meets the same auth, role scopes, rate limits, size limits, audit and output redaction as any caller;
* only the tabs the role may use are shown (and the API refuses the rest anyway);
* a generated file (an agreement DOCX/PDF) or an uploaded scan is served only to the session that made it:
  ``/ui/gradio_api/file=…`` answers 404 to anyone else, with or without a login.

In open dev mode (``api.auth=open``, loopback only) there is no login; a browser still gets a session cookie,
so the file rule holds, and the API is called without a key (it admits loopback callers as admin).

``ui`` imports nothing from ``brain``: what it needs from the server is read from ``app.state.settings``.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from ui.client import HttpClient, UIError, newest_report

SESSION_COOKIE = "fq_ui"
# tab id (ui/app.py) -> the API scope it needs
TAB_SCOPES = {
    "chat": "chat",
    "intake": "intake",
    "agreement": "agreements",
    "ledger": "cases",
    "analysis": "analysis",
    "eval": "eval",
}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_FILE_MARK = "/gradio_api/file="


@dataclass
class UISession:
    sid: str
    key: str | None
    role: str
    name: str
    scopes: frozenset[str]
    expires: float
    file_hashes: set[str] = field(default_factory=set)  # sha256 of files made for this session
    file_paths: set[str] = field(default_factory=set)  # uploads of this session (server paths)
    clients: dict[str, HttpClient] = field(default_factory=dict)


class UIAuth:
    def __init__(self, keys_required: bool, session_s: float, prefix: str = "/ui") -> None:
        self.keys_required = keys_required
        self.session_s = session_s
        self.prefix = prefix
        self._sessions: dict[str, UISession] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ sessions
    def _new_session(self, key: str | None, role: str, name: str, scopes: frozenset[str]) -> UISession:
        s = UISession(secrets.token_urlsafe(32), key, role, name, scopes, time.time() + self.session_s)
        with self._lock:
            now = time.time()
            for sid in [k for k, v in self._sessions.items() if v.expires < now]:
                del self._sessions[sid]
            self._sessions[s.sid] = s
        return s

    def session(self, sid: str | None) -> UISession | None:
        if not sid:
            return None
        with self._lock:
            s = self._sessions.get(sid)
        return s if s is not None and s.expires >= time.time() else None

    def dependency(self, request: Any) -> str | None:
        """Gradio's ``auth_dependency``: the session id is the Gradio "user" of every event."""
        s = self.session(request.cookies.get(SESSION_COOKIE))
        return s.sid if s else None

    def current(self) -> UISession:
        """The session of the Gradio event being handled (from Gradio's request context)."""
        from gradio.context import LocalContext

        request = LocalContext.request.get(None)
        s = self.session(getattr(request, "username", None)) if request is not None else None
        if s is None:
            raise UIError("登录已失效，请刷新页面重新登录")
        return s

    def client(self) -> HttpClient:
        """An API client for the current session, to this very server (the address the browser reached)."""
        from gradio.context import LocalContext

        s = self.current()
        request = LocalContext.request.get(None)
        base = _server_base(getattr(request, "request", None))
        with self._lock:
            http = s.clients.get(base)
            if http is None:
                http = s.clients[base] = HttpClient(base, api_key=s.key)
        return http

    # ------------------------------------------------------------------------------------------ login
    def install_routes(self, app: Any) -> None:
        """``/ui/login`` and ``/ui/logout`` on the host app, ahead of the Gradio mount."""
        app.add_route(f"{self.prefix}/login", self._login, methods=["GET", "POST"], include_in_schema=False)
        app.add_route(f"{self.prefix}/logout", self._logout, methods=["GET", "POST"], include_in_schema=False)

    async def _login(self, request: Any) -> Any:
        from starlette.responses import HTMLResponse, RedirectResponse

        if not self.keys_required:
            return RedirectResponse(f"{self.prefix}/", status_code=303)
        if request.method == "GET":
            return HTMLResponse(_login_page(""))
        raw = (await request.body())[:8192].decode("utf-8", errors="replace")
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        base = _server_base(request)
        try:
            key = await _obtain_key(base, form)
            who = await _whoami(base, key)
        except UIError as e:
            return HTMLResponse(_login_page(str(e)), status_code=401)
        s = self._new_session(
            key, who["role"], who.get("user") or who.get("name", ""), frozenset(who["scopes"])
        )
        response = RedirectResponse(f"{self.prefix}/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, s.sid, max_age=int(self.session_s), httponly=True, samesite="strict", path="/"
        )
        return response

    async def _logout(self, request: Any) -> Any:
        from starlette.responses import RedirectResponse

        sid = request.cookies.get(SESSION_COOKIE)
        with self._lock:
            self._sessions.pop(sid or "", None)
        response = RedirectResponse(f"{self.prefix}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # ------------------------------------------------------------------------------------------ guard
    def guard(self, inner: Any) -> Any:
        """ASGI wrapper for the mounted Gradio app: no session -> login page (or 401); file downloads only
        to the session that owns the file; uploads remembered as the session's."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return
            from starlette.requests import Request
            from starlette.responses import JSONResponse, RedirectResponse

            request = Request(scope)
            client = (scope.get("client") or ("", 0))[0]
            if not self.keys_required and client not in _LOOPBACK:
                await JSONResponse(_problem(403, "开发模式（无鉴权）下界面只接受本机访问"), 403)(
                    scope, receive, send
                )
                return
            s = self.session(request.cookies.get(SESSION_COOKIE))
            new_cookie = None
            if s is None and not self.keys_required:  # open dev mode: a session per browser, no login
                s = self._new_session(None, "admin", "开发模式", frozenset(TAB_SCOPES.values()))
                new_cookie = s.sid
                _inject_cookie(scope, s.sid)
            if s is None:
                if scope["method"] == "GET" and "text/html" in request.headers.get("accept", ""):
                    await RedirectResponse(f"{self.prefix}/login", status_code=303)(scope, receive, send)
                else:
                    await JSONResponse(_problem(401, "请先登录（/ui/login）"), 401)(scope, receive, send)
                return
            path = scope.get("path", "")
            if _FILE_MARK in path and not self._owns(s, path):
                await JSONResponse(_problem(404, "文件不存在或不属于当前会话"), 404)(scope, receive, send)
                return
            if new_cookie is not None or path.endswith("/gradio_api/upload"):
                send = self._wrap_send(send, s, new_cookie, path.endswith("/gradio_api/upload"))
            await inner(scope, receive, send)

        return app

    def _owns(self, s: UISession, path: str) -> bool:
        target = unquote(path.split(_FILE_MARK, 1)[1])
        try:
            real = str(Path(target).resolve())
            if real in s.file_paths:
                return True
            return hashlib.sha256(Path(real).read_bytes()).hexdigest() in s.file_hashes
        except OSError:
            return False

    def _wrap_send(self, send: Any, s: UISession, cookie: str | None, upload: bool) -> Any:
        chunks: list[bytes] = []

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and cookie is not None:
                headers = list(message.get("headers", []))
                value = f"{SESSION_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Strict"
                headers.append((b"set-cookie", value.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and upload:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    try:
                        paths = json.loads(b"".join(chunks))
                        s.file_paths.update(str(Path(p).resolve()) for p in paths if isinstance(p, str))
                    except (ValueError, TypeError):
                        pass
            await send(message)

        return wrapped

    # ------------------------------------------------------------------------------------------ tabs
    def role_tabs(self, demo: Any) -> None:
        """Show only the tabs the session's role may use (hidden until the page knows who it is)."""
        import gradio as gr

        tabs = [b for b in demo.blocks.values() if isinstance(b, gr.Tab) and b.id in TAB_SCOPES]
        if not tabs or not self.keys_required:
            return
        for tab in tabs:
            tab.visible = False

        def show() -> list[Any]:
            s = self.current()
            return [gr.update(visible=TAB_SCOPES[str(t.id)] in s.scopes) for t in tabs]

        with demo:
            demo.load(show, None, tabs)


class SessionClient:
    """The UI's :class:`~ui.client.BrainClient`: every call is the API, with the current session's key."""

    def __init__(self, auth: UIAuth, reports_dir: Path) -> None:
        self.auth = auth
        self.reports_dir = reports_dir
        self.analysis = _SessionAnalysis(auth)  # the 态势研判 tab (ui/tabs/analysis.py)

    def chat(self, thread_id: str | None, message: str) -> Iterator[dict[str, Any]]:
        return self.auth.client().chat(thread_id, message)

    def chat_history(self, thread_id: str) -> list[dict[str, Any]]:
        return self.auth.client().chat_history(thread_id)

    def get_document(self, doc_id: str) -> dict[str, Any]:
        return self.auth.client().get_document(doc_id)

    def intake(self, text: str) -> dict[str, Any]:
        return self.auth.client().intake(text)

    def intake_image(self, data: bytes, filename: str) -> dict[str, Any]:
        return self.auth.client().intake_image(data, filename)

    def draft_agreement(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.auth.client().draft_agreement(request)

    def export_agreement(self, agreement: dict[str, Any], fmt: str) -> bytes:
        data = self.auth.client().export_agreement(agreement, fmt)
        self.auth.current().file_hashes.add(hashlib.sha256(data).hexdigest())  # served to this session only
        return data

    def latest_report(self) -> dict[str, Any] | None:
        if "eval" not in self.auth.current().scopes:
            return None
        return newest_report(self.reports_dir)

    def list_cases(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.auth.client().list_cases(params)

    def get_case(self, case_id: int) -> dict[str, Any]:
        return self.auth.client().get_case(case_id)

    def case_event(self, case_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return self.auth.client().case_event(case_id, body)

    def list_alerts(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.auth.client().list_alerts(params)


class _SessionAnalysis:
    """The 态势研判 tab's client, per session like :class:`SessionClient`."""

    def __init__(self, auth: UIAuth) -> None:
        self.auth = auth

    def alerts(self, query: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.auth.client().analysis.alerts(query)
        return result

    def report(self, request: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.auth.client().analysis.report(request)
        return result

    def report_file(self, report_id: str, fmt: str) -> bytes:
        data: bytes = self.auth.client().analysis.report_file(report_id, fmt)
        self.auth.current().file_hashes.add(hashlib.sha256(data).hexdigest())  # served to this session only
        return data


# ---------------------------------------------------------------------------------------------- helpers
def _server_base(request: Any) -> str:
    """The API's address as this connection reached it (the UI and the API are one server)."""
    server = (getattr(request, "scope", None) or {}).get("server") or ("127.0.0.1", 8000)
    host, port = server[0], server[1]
    if host in ("0.0.0.0", "", None):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in str(host):
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def _obtain_key(base: str, form: dict[str, str]) -> str:
    import httpx

    key = form.get("api_key", "").strip()
    if key:
        return key
    user, password = form.get("username", "").strip(), form.get("password", "")
    if not user or not password:
        raise UIError("请输入 API 密钥，或用户名和密码")
    async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as http:
        r = await http.post("/v1/login", json={"username": user, "password": password})
    if r.status_code != 200:
        raise UIError(_detail(r, "用户名或密码错误"))
    return str(r.json()["key"])


async def _whoami(base: str, key: str) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as http:
        r = await http.get("/v1/whoami", headers={"Authorization": f"Bearer {key}"})
    if r.status_code != 200:
        raise UIError(_detail(r, "API 密钥无效、已过期或已吊销"))
    return dict(r.json())


def _detail(r: Any, default: str) -> str:
    try:
        return str(r.json().get("detail") or default)
    except ValueError:
        return default


def _inject_cookie(scope: dict[str, Any], sid: str) -> None:
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"cookie"]
    headers.append((b"cookie", f"{SESSION_COOKIE}={sid}".encode()))
    scope["headers"] = headers


def _problem(status: int, detail: str) -> dict[str, Any]:
    return {"type": "about:blank", "title": "ui_login_required", "status": status, "detail": detail}


def _login_page(error: str) -> str:
    message = f'<p class="err" id="login-error">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>枫桥智脑 · 登录</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;max-width:28rem;margin:4rem auto}}
fieldset{{margin:1rem 0;padding:1rem}}label{{display:block;margin:.5rem 0}}input{{width:100%;padding:.4rem}}
button{{padding:.5rem 1.5rem}}.err{{color:#d32f2f}}</style></head><body>
<h2>枫桥智脑 · 调解与受理工作台</h2><p>本服务已启用鉴权，请先登录。</p>{message}
<form method="post" action="login" id="login-form">
<fieldset><legend>用 API 密钥登录</legend>
<label>API 密钥 <input name="api_key" id="api-key" type="password" autocomplete="off"></label></fieldset>
<fieldset><legend>或用用户名和密码登录</legend>
<label>用户名 <input name="username" id="username" autocomplete="username"></label>
<label>密码 <input name="password" id="password" type="password" autocomplete="current-password"></label>
</fieldset><button type="submit" id="login-submit">登录</button></form></body></html>"""
