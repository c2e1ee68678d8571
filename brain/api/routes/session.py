"""Who the caller is, and the UI's login by user name and password.

``GET /v1/whoami`` answers any valid key with its role and scopes (the UI asks it after a login by key).
``POST /v1/login`` checks a user name and password against ``api.ui_users`` and returns a session key for
that user's role, valid for ``api.ui_session_s``; every later call carries it like any API key, so the UI's
calls take the same path (auth, limits, audit, redaction) as every other caller. Login needs no key, is
audited, and is limited per client IP like every failed authentication.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from brain.errors import AuthError
from brain.security import ROLE_SCOPES, current_principal, open_key_store
from brain.security.passwords import verify_password
from brain.settings import Settings

router = APIRouter(prefix="/v1", tags=["会话 session"])

# Checked against when the user name is unknown, so an unknown user costs the same time as a wrong password.
_DUMMY_HASH = "scrypt$00000000000000000000000000000000$" + "0" * 64


class WhoAmI(BaseModel):
    key_id: str
    role: str
    name: str
    user: str = ""
    scopes: list[str]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginResult(BaseModel):
    key: str = Field(description="会话密钥：之后的请求以 Authorization: Bearer <key> 携带")
    role: str
    user: str
    expires_in_s: float


@router.get("/whoami", response_model=WhoAmI, summary="当前密钥的身份、角色与权限")
async def whoami() -> WhoAmI:
    p = current_principal()
    if p is None:  # the middleware authenticated this call; None only outside the API
        raise AuthError("未登录")
    return WhoAmI(
        key_id=p.key_id, role=p.role, name=p.name, user=p.user, scopes=sorted(ROLE_SCOPES.get(p.role, ()))
    )


@router.post("/login", response_model=LoginResult, summary="界面用户名密码登录（换取会话密钥）")
def login(req: LoginRequest, request: Request) -> LoginResult:
    settings: Settings = request.app.state.settings
    user = settings.api.ui_users.get(req.username)
    stored = user.password_hash.get_secret_value() if user else _DUMMY_HASH
    if not verify_password(req.password, stored) or user is None:
        raise AuthError("用户名或密码错误", hint="请核对后重试；多次失败会被暂时限制")
    ttl = settings.api.ui_session_s
    key = open_key_store(settings).create_session(user.role, req.username, ttl)
    return LoginResult(key=key, role=user.role, user=req.username, expires_in_s=ttl)
