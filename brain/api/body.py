"""Reading a request body in the middleware: size limit, read deadline, and handing it on to the route."""

from __future__ import annotations

import anyio
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope

from brain.errors import PayloadTooLargeError, RequestTimeoutError

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def read_body(scope: Scope, receive: Receive, headers: Headers, limit: int, timeout: float) -> bytes:
    """The whole request body: at most ``limit`` bytes (413, by Content-Length or while reading), arriving
    within ``timeout`` seconds (408: a body that never finishes must not hold its connection)."""
    too_large = PayloadTooLargeError(f"请求体超过上限 {limit} 字节；请缩短文本或分批提交")
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    if scope["method"] not in BODY_METHODS:
        return b""
    chunks: list[bytes] = []
    size = 0
    with anyio.move_on_after(timeout) as deadline:
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
    if deadline.cancelled_caught:
        raise RequestTimeoutError(
            f"请求体未在 {timeout:g} 秒内发送完毕（已收到 {size} 字节）；请检查网络后重试",
            headers={"Connection": "close"},
        )
    return b"".join(chunks)


def client_ip(scope: Scope) -> str:
    return str((scope.get("client") or ("", 0))[0])


async def no_body() -> Message:
    return {"type": "http.disconnect"}


def replay(body: bytes, receive: Receive) -> Receive:
    """Give the route the body we already read, then the real channel (for disconnects during streams)."""
    sent = False

    async def wrapped() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return wrapped
